from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.cache import CATEGORY_CACHE_SECONDS, ROWS_KEY
from doorstep.catalog.models import Category, Listing
from doorstep.core.errors import NotFound


@dataclass
class CategoryNode:
    category: Category
    children: list["CategoryNode"] = field(default_factory=list)


def bookable_listings() -> QuerySet[Listing]:
    """Listings customers may see and book: published, by an active provider."""
    return Listing.objects.select_related("provider").filter(
        status=Listing.Status.PUBLISHED,
        provider__status=ProviderProfile.Status.ACTIVE,
    )


def published_listing(listing_id: str) -> Listing:
    """The bookable listing ``listing_id``; ``NotFound`` ``listing_not_found``
    for any other (a draft, a paused provider's, none)."""
    listing = bookable_listings().filter(public_id=listing_id).first()
    if listing is None:
        raise NotFound("listing_not_found", _("No such service."))
    return listing


def category_tree() -> list[CategoryNode]:
    """The active category tree, roots first, in one query (none while the rows
    are in the cache: doorstep.catalog.cache)."""
    nodes: dict[int, CategoryNode] = {}
    roots: list[CategoryNode] = []
    categories = cache.get(ROWS_KEY)
    if categories is None:
        categories = list(
            Category.objects.filter(is_active=True).order_by("position", "slug")
        )
        cache.set(ROWS_KEY, categories, CATEGORY_CACHE_SECONDS)
    for category in categories:
        nodes[category.pk] = CategoryNode(category)
    for node in nodes.values():
        parent_id = node.category.parent_id
        if parent_id is None:
            roots.append(node)
        elif parent_id in nodes:
            nodes[parent_id].children.append(node)
        # else: the parent is hidden, and so is its subtree.
    return roots


# Customers see the area a provider works from, never their base (often their
# home): the base point rounded to 2 decimals, a cell about 1 km across.
AREA_PRECISION = 2


def service_area_centre(listing: Listing) -> tuple[float, float]:
    """The approximate centre of ``listing``'s service area, safe to publish."""
    return (
        round(listing.latitude, AREA_PRECISION),
        round(listing.longitude, AREA_PRECISION),
    )
