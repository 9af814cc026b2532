"""What the landing pages and the sitemaps list, read through the search query
service so that they show exactly what search would: the same visibility rule
(published listings of active providers in active categories) and ranking."""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import get_language

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Category, Listing
from doorstep.catalog.queries import bookable_listings
from doorstep.marketplace import queries as marketplace_queries
from doorstep.marketplace.state import ServedCity
from doorstep.search.categories import CategoryInfo, lineage, load_categories
from doorstep.search.params import SearchParams, SearchResults, Sort
from doorstep.search.queries import search_listings

# Listings a landing page shows: the best rated; the page links to the full
# search for the rest.
LANDING_LIMIT = 24


@dataclass(frozen=True)
class CategoryInCity:
    """A category with at least one visible listing in a city."""

    slug: str
    name: str
    count: int  # a lower bound past search's count limit
    depth: int  # 0 for a top-level category


def city_search(
    city: ServedCity, *, category: str | None = None, limit: int = LANDING_LIMIT
) -> SearchParams:
    """The search a landing page is: listings based within the city's radius,
    best rated first."""
    return SearchParams(
        category=category,
        latitude=city.latitude,
        longitude=city.longitude,
        radius_km=float(city.radius_km),
        sort=Sort.RATING,
        limit=limit,
    )


def served_cities() -> tuple[ServedCity, ...]:
    return marketplace_queries.cities()


def city_by_slug(slug: str) -> ServedCity | None:
    return marketplace_queries.city_by_slug(slug)


def active_category(slug: str) -> CategoryInfo | None:
    """The category ``slug`` if it and its ancestors are active."""
    return next(
        (node for node in load_categories().values() if node.slug == slug), None
    )


def category_description(category: CategoryInfo) -> str:
    """The operator's description of the category, in the active language."""
    row = Category.objects.filter(pk=category.id).first()
    return row.description if row else ""


def category_path(category: CategoryInfo) -> list[CategoryInfo]:
    """The category's ancestors and itself, root first (for breadcrumbs)."""
    return list(reversed(lineage(load_categories(), category.id)))


def landing_results(city: ServedCity, category: CategoryInfo) -> SearchResults:
    return search_listings(
        city_search(city, category=category.slug), language=get_language()
    )


def categories_in_city(city: ServedCity) -> list[CategoryInCity]:
    """Every category with listings in ``city``, in tree order, from the category
    facets of the city's search: one search for the top level, then one per
    non-empty category that has children."""
    categories = load_categories()
    has_children = {node.parent_id for node in categories.values()}
    ids_by_slug = {node.slug: node.id for node in categories.values()}
    language = get_language()
    found: list[CategoryInCity] = []

    def visit(slug: str | None, depth: int) -> None:
        results = search_listings(
            city_search(city, category=slug, limit=1), language=language
        )
        facets = results.facets.get("category", [])
        if slug is not None:
            facets = facets[1:]  # the first is the chosen category itself
        for facet in facets:
            if facet.count <= 0:
                continue
            found.append(CategoryInCity(facet.key, facet.label, facet.count, depth))
            if ids_by_slug.get(facet.key) in has_children:
                visit(facet.key, depth + 1)

    visit(None, 0)
    return found


def cities_with(category: CategoryInfo) -> list[ServedCity]:
    """The served cities where ``category`` has at least one listing."""
    language = get_language()
    return [
        city
        for city in marketplace_queries.cities()
        if search_listings(
            city_search(city, category=category.slug, limit=1), language=language
        ).total
    ]


def sitemap_listings() -> QuerySet[Listing]:
    """The listings whose public page customers can open."""
    return (
        bookable_listings()
        .select_related(None)
        .filter(archived_at__isnull=True)
        .order_by("pk")
    )


def sitemap_providers() -> QuerySet[ProviderProfile]:
    """Active providers with at least one listing customers can open (a page
    without services is not worth a search engine's visit)."""
    return (
        ProviderProfile.objects.filter(status=ProviderProfile.Status.ACTIVE)
        .filter(Exists(sitemap_listings().filter(provider=OuterRef("pk"))))
        .order_by("pk")
    )
