"""Every write of favourites and recommendations: saving and removing a
favourite, counting a customer's view, and the periodic rebuild of the
neighbour and opening tables (scoring: ``recommendations.scoring``)."""

import logging
import math
from collections import defaultdict
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, User
from doorstep.catalog.models import Category, Listing
from doorstep.catalog.queries import bookable_listings
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.geo import distance_km
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.recommendations import scoring
from doorstep.recommendations.models import (
    Favourite,
    ListingNeighbour,
    ListingOpening,
    ListingVisit,
)
from doorstep.scheduling.slots import bookable_slots
from doorstep.search.models import SearchDocument

logger = logging.getLogger(__name__)

# Orders that never became a booking say nothing about taste.
NOT_BOOKED_STATES = frozenset(
    {
        OrderState.AWAITING_PAYMENT,
        OrderState.PAYMENT_EXPIRED,
        OrderState.DECLINED,
        OrderState.EXPIRED,
    }
)


# --- Favourites -------------------------------------------------------------------


@transaction.atomic
def save_favourite(
    *, customer: User, listing_id: str = "", provider_id: str = ""
) -> tuple[Favourite, bool]:
    """Save a visible listing or an active provider as ``customer``'s
    favourite, and whether it is new (saving it again returns the one already
    saved). Raises
    ``listing_not_found`` / ``provider_not_found`` (404) for anything the
    customer may not see, ``favourite_target_missing`` (400) for neither or
    both."""
    if bool(listing_id) == bool(provider_id):
        raise DomainError(
            "favourite_target_missing", _("Choose a service or a provider to save.")
        )
    if listing_id:
        listing = bookable_listings().filter(public_id=listing_id).first()
        if listing is None:
            raise NotFound("listing_not_found", _("No such service."))
        target = {"listing": listing}
    else:
        provider = ProviderProfile.objects.filter(
            public_id=provider_id, status=ProviderProfile.Status.ACTIVE
        ).first()
        if provider is None:
            raise NotFound("provider_not_found", _("No such provider."))
        target = {"provider": provider}
    existing = Favourite.objects.filter(customer=customer, **target).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            return Favourite.objects.create(customer=customer, **target), True
    except IntegrityError:  # saved at the same moment by another request
        return Favourite.objects.get(customer=customer, **target), False


@transaction.atomic
def remove_favourite(*, customer: User, favourite_id: str) -> None:
    """Remove one of ``customer``'s favourites; ``favourite_not_found`` (404)
    for anyone else's or none."""
    deleted, _rows = Favourite.objects.filter(
        customer=customer, public_id=favourite_id
    ).delete()
    if not deleted:
        raise NotFound("favourite_not_found", _("No such favourite."))


@transaction.atomic
def unsave_target(
    *, customer: User, listing_id: str = "", provider_id: str = ""
) -> int:
    """Remove ``customer``'s favourite of a listing or provider by its id (the
    heart button's second press); how many were removed (0 or 1)."""
    if listing_id:
        rows = Favourite.objects.filter(
            customer=customer, listing__public_id=listing_id
        )
    elif provider_id:
        rows = Favourite.objects.filter(
            customer=customer, provider__public_id=provider_id
        )
    else:
        return 0
    deleted, _rows = rows.delete()
    return deleted


# --- Viewing history --------------------------------------------------------------


def record_visit(*, customer: User, listing_id: int) -> None:
    """Count a signed-in customer's view of a listing page (an atomic
    increment; the first view creates the row)."""
    now = timezone.now()
    updated = ListingVisit.objects.filter(
        customer=customer, listing_id=listing_id
    ).update(views=F("views") + 1, last_viewed_at=now)
    if updated:
        return
    try:
        with transaction.atomic():
            ListingVisit.objects.create(
                customer=customer, listing_id=listing_id, last_viewed_at=now
            )
    except IntegrityError:  # another request created it first
        ListingVisit.objects.filter(customer=customer, listing_id=listing_id).update(
            views=F("views") + 1, last_viewed_at=now
        )


# --- The periodic rebuild -----------------------------------------------------------


def customer_weights() -> dict[int, dict[int, float]]:
    """Per visible listing, each customer's weight for it (``scoring``)."""
    visible = set(SearchDocument.objects.values_list("listing_id", flat=True))
    weights: dict[int, dict[int, float]] = defaultdict(dict)

    def touch(listing_id: int | None, customer_id: int, weight: float) -> None:
        if listing_id in visible:
            current = weights[listing_id].get(customer_id, 0.0)
            weights[listing_id][customer_id] = max(current, weight)

    booked = (
        Order.objects.filter(listing__isnull=False)
        .exclude(state__in=NOT_BOOKED_STATES)
        .values_list("listing_id", "customer_id")
    )
    for listing_id, customer_id in booked:
        touch(listing_id, customer_id, scoring.BOOKED)
    provider_listings: dict[int, list[int]] = defaultdict(list)
    for listing_id, provider_id in SearchDocument.objects.values_list(
        "listing_id", "provider_id"
    ):
        provider_listings[provider_id].append(listing_id)
    for listing_id, provider_id, customer_id in Favourite.objects.values_list(
        "listing_id", "provider_id", "customer_id"
    ):
        targets = [listing_id] if listing_id else provider_listings[provider_id]
        for target in targets:
            touch(target, customer_id, scoring.FAVOURITE)
    for listing_id, customer_id in ListingVisit.objects.values_list(
        "listing_id", "customer_id"
    ):
        touch(listing_id, customer_id, scoring.VIEWED)
    return weights


def _grid_key(latitude: float, longitude: float) -> tuple[int, int]:
    # Cells about 55 km high: neighbours are searched in the 3×3 around.
    return (math.floor(latitude / 0.5), math.floor(longitude / 0.5))


def rebuild_neighbours(*, now: datetime | None = None) -> dict[str, int]:
    """Recompute every visible listing's :data:`scoring.NEIGHBOURS` best
    neighbours and replace the table in one transaction (readers see the old
    rows until it commits). Returns counts for the ops schedule page."""
    docs = list(
        SearchDocument.objects.values_list(
            "listing_id",
            "category_id",
            "title_text",
            "price_band",
            "currency",
            "latitude",
            "longitude",
        )
    )
    parents = dict(Category.objects.values_list("pk", "parent_id"))

    def root(category_id: int) -> int:
        seen = set()
        while parents.get(category_id) and category_id not in seen:
            seen.add(category_id)
            category_id = parents[category_id]
        return category_id

    weights = customer_weights()
    grid: dict[tuple[int, int, int], list[tuple]] = defaultdict(list)
    for doc in docs:
        key = _grid_key(doc[5], doc[6])
        grid[(root(doc[1]), *key)].append(doc)
    # Co-booked listings are compared even across categories and cities.
    co_touched: dict[int, set[int]] = defaultdict(set)
    by_customer: dict[int, list[int]] = defaultdict(list)
    for listing_id, customers in weights.items():
        for customer_id in customers:
            by_customer[customer_id].append(listing_id)
    for listing_ids in by_customer.values():
        for listing_id in listing_ids:
            co_touched[listing_id].update(listing_ids)
    by_id = {doc[0]: doc for doc in docs}
    rows: list[ListingNeighbour] = []
    for doc in docs:
        listing_id, category_id, title_text, band, currency, lat, lng = doc
        gy, gx = _grid_key(lat, lng)
        candidates = {
            other[0]: other
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            for other in grid.get((root(category_id), gy + dy, gx + dx), ())
        }
        for other_id in co_touched.get(listing_id, ()):
            candidates.setdefault(other_id, by_id[other_id])
        candidates.pop(listing_id, None)
        terms = title_text.split()
        scored = []
        for other in candidates.values():
            km = distance_km(lat, lng, other[5], other[6])
            category = scoring.category_match(category_id, other[1], parents)
            together, shared = scoring.together(
                weights.get(listing_id, {}), weights.get(other[0], {})
            )
            if km > scoring.COMPARE_KM or not category:
                alike = 0.0
            else:
                alike = scoring.alike(
                    category=category,
                    text=scoring.text_overlap(terms, other[2].split()),
                    price=scoring.price_match(band, other[3], currency, other[4]),
                    km=km,
                )
            score = scoring.blend(
                together_score=together, shared=shared, alike_score=alike
            )
            if score > 0:
                scored.append((score, other[0], together, alike))
        scored.sort(key=lambda item: (-item[0], item[1]))
        rows.extend(
            ListingNeighbour(
                listing_id=listing_id,
                neighbour_id=other_id,
                score=score,
                together=together,
                alike=alike,
            )
            for score, other_id, together, alike in scored[: scoring.NEIGHBOURS]
        )
    with transaction.atomic():
        ListingNeighbour.objects.all().delete()
        ListingNeighbour.objects.bulk_create(rows, batch_size=2000)
    openings = refresh_openings(now=now)
    return {"listings": len(docs), "neighbours": len(rows), **openings}


def refresh_openings(*, now: datetime | None = None) -> dict[str, int]:
    """Count each visible listing's free start times in the coming
    :data:`scoring.OPENING_DAYS` days with the booking page's own computation
    (``bookable_slots``) and store them in ``ListingOpening``."""
    now = now or timezone.now()
    listings = Listing.objects.select_related("provider").filter(
        pk__in=SearchDocument.objects.values("listing_id")
    )
    rows = []
    for listing in listings.prefetch_related("add_ons"):
        start = now.date()
        try:
            free = len(
                bookable_slots(
                    listing=listing,
                    start_date=start,
                    end_date=start + timedelta(days=scoring.OPENING_DAYS),
                    now=now,
                )
            )
        except DomainError:
            free = 0
        rows.append(ListingOpening(listing=listing, free_starts=free, checked_at=now))
    with transaction.atomic():
        ListingOpening.objects.all().delete()
        ListingOpening.objects.bulk_create(rows, batch_size=2000)
    return {
        "open": sum(1 for row in rows if row.free_starts),
        "closed": sum(1 for row in rows if not row.free_starts),
    }
