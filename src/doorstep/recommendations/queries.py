"""What favourites and recommendations read. The scoring and the rule that
nothing unbookable is ever shown are explained in ``recommendations.scoring``;
each read here is one query (cold start a second)."""

from dataclasses import dataclass

from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from doorstep.accounts.models import SavedAddress, User
from doorstep.catalog.models import Listing, localized
from doorstep.core.errors import NotFound
from doorstep.core.geo import distance_km
from doorstep.core.money import Money
from doorstep.orders.models import Order
from doorstep.recommendations import scoring
from doorstep.recommendations.models import Favourite, ListingNeighbour, ListingVisit
from doorstep.recommendations.services import NOT_BOOKED_STATES
from doorstep.search.geometry import unit_vector
from doorstep.search.models import SearchDocument
from doorstep.search.params import SearchHit

DEFAULT_LIMIT = 8
Point = tuple[float, float]

_CARD_FIELDS = (
    "listing_id",
    "public_id",
    "title",
    "provider_public_id",
    "provider_name",
    "provider_verified",
    "pricing_model",
    "price_amount",
    "currency",
    "latitude",
    "longitude",
    "rating_mean",
    "rating_count",
    "rating_score",
    "thumbnail_url",
    "instant_book",
    "listing__category__slug",
    "listing__category__name_en",
    "listing__category__name_zh_hans",
    "listing__category__name_zh_hant",
)


def bookable_documents(point: Point | None, *, prefix: str = "") -> Q:
    """The condition "the customer at ``point`` can book it" on search
    documents reached through ``prefix``: a document exists (search's
    visibility), the provider is verified, the listing had a free start in the
    coming weeks, and (with a point) its service area covers the point; the
    ``chord2`` annotation of :func:`with_chord2` must be present."""
    condition = Q(
        **{
            f"{prefix}provider_verified": True,
            f"{prefix}listing__opening__free_starts__gt": 0,
        }
    )
    if point is not None:
        condition &= Q(chord2__lte=F(f"{prefix}reach_chord2"))
    return condition


def with_chord2(
    queryset: QuerySet, point: Point | None, *, prefix: str = ""
) -> QuerySet:
    """Annotate ``chord2``: search's squared chord from the document's base to
    ``point`` (``search.geometry``)."""
    if point is None:
        return queryset
    x, y, z = unit_vector(*point)
    terms = [
        (F(f"{prefix}unit_{axis}") - Value(value))
        * (F(f"{prefix}unit_{axis}") - Value(value))
        for axis, value in (("x", x), ("y", y), ("z", z))
    ]
    return queryset.annotate(
        chord2=ExpressionWrapper(
            terms[0] + terms[1] + terms[2], output_field=FloatField()
        )
    )


def _card(row: dict, point: Point | None, *, prefix: str = "") -> SearchHit:
    def value(name: str):
        return row[f"{prefix}{name}"]

    names = {
        "name_en": value("listing__category__name_en"),
        "name_zh_hans": value("listing__category__name_zh_hans"),
        "name_zh_hant": value("listing__category__name_zh_hant"),
    }
    category_name = localized(_Names(names), "name", get_language())
    latitude, longitude = value("latitude"), value("longitude")
    amount = value("price_amount")
    return SearchHit(
        listing_id=value("listing_id"),
        public_id=value("public_id"),
        title=value("title"),
        category_slug=value("listing__category__slug"),
        category_name=category_name,
        provider_public_id=value("provider_public_id"),
        provider_name=value("provider_name"),
        provider_verified=bool(value("provider_verified")),
        pricing_model=value("pricing_model"),
        price=Money(amount, value("currency")) if amount is not None else None,
        distance_km=(
            distance_km(point[0], point[1], latitude, longitude) if point else None
        ),
        rating_mean=value("rating_mean"),
        rating_count=value("rating_count"),
        latitude=latitude,
        longitude=longitude,
        thumbnail_url=value("thumbnail_url") or None,
        instant_book=bool(value("instant_book")),
        is_promoted=False,
        rating_score=value("rating_score"),
    )


class _Names:
    def __init__(self, names: dict[str, str]) -> None:
        self.__dict__.update(names)


# --- Where the customer is ----------------------------------------------------------


def customer_point(customer: User) -> Point | None:
    """Where ``customer`` books: their default saved address, else any saved
    address, else their last order's place (one query)."""
    address = (
        SavedAddress.objects.filter(user=customer)
        .order_by("-is_default", "-created_at")
        .values_list("latitude", "longitude")
        .first()
    )
    if address is not None:
        return address
    return (
        Order.objects.filter(customer=customer)
        .order_by("-created_at")
        .values_list("latitude", "longitude")
        .first()
    )


# --- Similar services ---------------------------------------------------------------


def similar_listings(
    *, listing_id: int, point: Point | None, limit: int = DEFAULT_LIMIT
) -> list[SearchHit]:
    """The neighbours of a listing that the customer at ``point`` can book,
    best first (one query)."""
    prefix = "neighbour__search_document__"
    rows = (
        with_chord2(
            ListingNeighbour.objects.filter(listing_id=listing_id), point, prefix=prefix
        )
        .filter(bookable_documents(point, prefix=prefix))
        .order_by("-score", "neighbour_id")
        .values(*(prefix + name for name in _CARD_FIELDS))[:limit]
    )
    return [_card(row, point, prefix=prefix) for row in rows]


# --- For you --------------------------------------------------------------------------


def _seed_weight(customer: User) -> Coalesce:
    """The weight of ``ListingNeighbour.listing`` for the customer: the largest
    of booked, favourite (the listing or its provider) and viewed."""
    booked = Order.objects.filter(
        customer=customer, listing_id=OuterRef("listing_id")
    ).exclude(state__in=NOT_BOOKED_STATES)
    saved = Favourite.objects.filter(customer=customer).filter(
        Q(listing_id=OuterRef("listing_id"))
        | Q(provider_id=OuterRef("listing__provider_id"))
    )
    viewed = ListingVisit.objects.filter(
        customer=customer, listing_id=OuterRef("listing_id")
    )
    from django.db.models import Case, When

    return Case(
        When(Exists(booked), then=Value(scoring.BOOKED)),
        When(Exists(saved), then=Value(scoring.FAVOURITE)),
        When(Exists(viewed), then=Value(scoring.VIEWED)),
        default=Value(0.0),
        output_field=FloatField(),
    )


def recommended_for(
    *, customer: User, point: Point | None, limit: int = DEFAULT_LIMIT
) -> list[SearchHit]:
    """ "For you": listings near the customer's touched ones, weighted by how
    they touched them (one query), topped up from :func:`popular_near` (a
    second) when that gives fewer than ``limit``."""
    prefix = "neighbour__search_document__"
    booked_ids = (
        Order.objects.filter(customer=customer, listing__isnull=False)
        .exclude(state__in=NOT_BOOKED_STATES)
        .values("listing_id")
    )
    touched = (
        Q(listing_id__in=booked_ids)
        | Q(
            listing_id__in=Favourite.objects.filter(customer=customer).values(
                "listing_id"
            )
        )
        | Q(
            listing__provider_id__in=Favourite.objects.filter(
                customer=customer, provider__isnull=False
            ).values("provider_id")
        )
        | Q(
            listing_id__in=ListingVisit.objects.filter(customer=customer).values(
                "listing_id"
            )
        )
    )
    rows = list(
        with_chord2(ListingNeighbour.objects.filter(touched), point, prefix=prefix)
        .filter(bookable_documents(point, prefix=prefix))
        .exclude(neighbour_id__in=booked_ids)
        .values(*(prefix + name for name in _CARD_FIELDS))
        .annotate(total=Sum(F("score") * _seed_weight(customer)))
        .order_by("-total", prefix + "listing_id")[:limit]
    )
    hits = [_card(row, point, prefix=prefix) for row in rows]
    if len(hits) < limit:
        seen = [hit.listing_id for hit in hits]
        hits.extend(popular_near(point=point, limit=limit - len(hits), excluding=seen))
    return hits


def popular_near(
    *, point: Point | None, limit: int = DEFAULT_LIMIT, excluding: list[int] = ()
) -> list[SearchHit]:
    """Cold start: well-rated, busy listings the customer at ``point`` can
    book, by search's static score then completed jobs (one query)."""
    rows = (
        with_chord2(SearchDocument.objects.all(), point)
        .filter(bookable_documents(point))
        .exclude(listing_id__in=list(excluding))
        .order_by("-static_score", "-completed_jobs", "listing_id")
        .values(*_CARD_FIELDS)[:limit]
    )
    return [_card(row, point) for row in rows]


# --- Favourites ---------------------------------------------------------------------


@dataclass(frozen=True)
class SavedListing:
    favourite: Favourite
    listing: Listing
    bookable: bool
    last_order: Order | None


def favourites_of(customer: User) -> list[Favourite]:
    """The customer's favourites, newest first, with their listing or provider."""
    return list(
        Favourite.objects.filter(customer=customer).select_related(
            "listing__provider", "listing__category", "provider__user"
        )
    )


def saved_targets(customer: User) -> tuple[set[int], set[int]]:
    """The ids of the listings and providers the customer saved (hearts)."""
    listings, providers = set(), set()
    for listing_id, provider_id in Favourite.objects.filter(
        customer=customer
    ).values_list("listing_id", "provider_id"):
        if listing_id:
            listings.add(listing_id)
        else:
            providers.add(provider_id)
    return listings, providers


def last_orders_of(customer: User, listing_ids: list[int]) -> dict[int, Order]:
    """The customer's latest order of each listing (for "Book again")."""
    latest: dict[int, Order] = {}
    for order in Order.objects.filter(
        customer=customer, listing_id__in=listing_ids
    ).order_by("listing_id", "-created_at"):
        latest.setdefault(order.listing_id, order)
    return latest


def own_order(*, customer: User, order_id: str) -> Order:
    """One of ``customer``'s orders of a listing; ``order_not_found`` (404)
    for anyone else's."""
    order = (
        Order.objects.select_related("listing__provider", "listing__category", "staff")
        .filter(customer=customer, public_id=order_id, listing__isnull=False)
        .first()
    )
    if order is None:
        raise NotFound("order_not_found", _("No such order."))
    return order
