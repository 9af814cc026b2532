"""Every write of favourites and recommendations: saving and removing a
favourite, counting a customer's view, and the periodic update of the
neighbour and opening tables: incremental each hour, in full once a day
(scoring: ``recommendations.scoring``)."""

import hashlib
import json
import logging
import math
from collections import defaultdict
from dataclasses import dataclass
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
    NeighbourInput,
    NeighbourRun,
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


# A full rebuild at least this often, whatever changed: it also picks up a
# change of the scoring itself (a new release) and heals anything an
# incremental run could not see.
FULL_REBUILD_EVERY = timedelta(hours=24)


@dataclass(frozen=True)
class _Inputs:
    """Everything the neighbours are computed from, read once per run."""

    docs: dict[int, tuple]
    parents: dict[int, int | None]
    weights: dict[int, dict[int, float]]
    roots: dict[int, int]
    grid: dict[tuple[int, int, int], list[int]]
    by_customer: dict[int, list[int]]

    def cell(self, listing_id: int) -> tuple[int, int, int]:
        doc = self.docs[listing_id]
        return (self.roots[listing_id], *_grid_key(doc[5], doc[6]))

    def around(self, root: int, cell_y: int, cell_x: int) -> set[int]:
        """The listings of root category ``root`` in the 3×3 cells around."""
        return {
            listing_id
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
            for listing_id in self.grid.get((root, cell_y + dy, cell_x + dx), ())
        }

    def co_touched(self, listing_id: int) -> set[int]:
        """Listings sharing a customer with ``listing_id`` (itself included)."""
        return {
            other
            for customer_id in self.weights.get(listing_id, {})
            for other in self.by_customer[customer_id]
        }

    def fingerprint(self, listing_id: int) -> str:
        weights = sorted(self.weights.get(listing_id, {}).items())
        text = json.dumps([self.docs[listing_id], weights], default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _read_inputs() -> _Inputs:
    docs = {
        doc[0]: doc
        for doc in SearchDocument.objects.values_list(
            "listing_id",
            "category_id",
            "title_text",
            "price_band",
            "currency",
            "latitude",
            "longitude",
        )
    }
    parents = dict(Category.objects.values_list("pk", "parent_id"))

    def root(category_id: int) -> int:
        seen = set()
        while parents.get(category_id) and category_id not in seen:
            seen.add(category_id)
            category_id = parents[category_id]
        return category_id

    roots = {listing_id: root(doc[1]) for listing_id, doc in docs.items()}
    grid: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for listing_id, doc in docs.items():
        grid[(roots[listing_id], *_grid_key(doc[5], doc[6]))].append(listing_id)
    weights = customer_weights()
    by_customer: dict[int, list[int]] = defaultdict(list)
    for listing_id, customers in weights.items():
        for customer_id in customers:
            by_customer[customer_id].append(listing_id)
    return _Inputs(docs, parents, weights, roots, grid, by_customer)


def _neighbours_of(listing_id: int, inputs: _Inputs) -> list[ListingNeighbour]:
    """The :data:`scoring.NEIGHBOURS` best neighbours of one visible listing:
    candidates are the listings of its root category in the 3×3 grid cells
    around it and, across categories and cities, those co-touched by one of
    its customers. A pure function of the two listings' documents and
    weights (and the category tree), which is what makes an incremental
    update exact."""
    docs, weights = inputs.docs, inputs.weights
    _id, category_id, title_text, band, currency, lat, lng = docs[listing_id]
    candidates = inputs.around(*inputs.cell(listing_id)) | inputs.co_touched(listing_id)
    candidates.discard(listing_id)
    terms = title_text.split()
    scored = []
    for other_id in candidates:
        other = docs[other_id]
        km = distance_km(lat, lng, other[5], other[6])
        category = scoring.category_match(category_id, other[1], inputs.parents)
        together, shared = scoring.together(
            weights.get(listing_id, {}), weights.get(other_id, {})
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
        score = scoring.blend(together_score=together, shared=shared, alike_score=alike)
        if score > 0:
            scored.append((score, other_id, together, alike))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [
        ListingNeighbour(
            listing_id=listing_id,
            neighbour_id=other_id,
            score=score,
            together=together,
            alike=alike,
        )
        for score, other_id, together, alike in scored[: scoring.NEIGHBOURS]
    ]


def _categories_fingerprint(parents: dict[int, int | None]) -> str:
    return hashlib.sha256(json.dumps(sorted(parents.items())).encode()).hexdigest()


def _affected(inputs: _Inputs, known: dict[int, NeighbourInput]) -> tuple[set, set]:
    """The listings whose inputs changed since the last run (new, gone,
    another document or other weights), and every listing whose neighbours
    they may change: those that have or had one of them as a candidate.

    Candidacy is symmetric (the 3×3 cells of one root category; a shared
    customer), so for a changed listing X the listings to redo are X, the
    listings now in the cells around X's old and new cells, and the listings
    now touched by X's old and new customers. A listing that did not change
    itself is where it was and has the customers it had, so looking it up
    in today's grid and customers finds it; one that changed is redone
    anyway."""
    changed = {
        listing_id
        for listing_id in inputs.docs
        if listing_id not in known
        or known[listing_id].fingerprint != inputs.fingerprint(listing_id)
    } | (known.keys() - inputs.docs.keys())
    dirty = set(changed)
    for listing_id in changed:
        before = known.get(listing_id)
        if before is not None:
            dirty |= inputs.around(before.root_category, before.cell_y, before.cell_x)
            for customer_id in before.customers:
                dirty.update(inputs.by_customer.get(customer_id, ()))
        if listing_id in inputs.docs:
            dirty |= inputs.around(*inputs.cell(listing_id))
            dirty |= inputs.co_touched(listing_id)
    return changed, dirty


def _input_row(listing_id: int, inputs: _Inputs) -> NeighbourInput:
    root, cell_y, cell_x = inputs.cell(listing_id)
    return NeighbourInput(
        listing_id=listing_id,
        fingerprint=inputs.fingerprint(listing_id),
        root_category=root,
        cell_y=cell_y,
        cell_x=cell_x,
        customers=sorted(inputs.weights.get(listing_id, {})),
    )


def update_neighbours(
    *, now: datetime | None = None, full: bool = False
) -> dict[str, int]:
    """The hourly job: recompute the neighbours of only the listings whose
    text, place, price or customers (bookings, favourites, views) changed
    since the last run, and of the listings that had those as candidates
    (``_affected``); a full rebuild instead with ``full``, on the first run,
    when the category tree changed, or when the last full one is older than
    :data:`FULL_REBUILD_EVERY`. Either way the result is what a full
    recompute gives (``tests/test_incremental.py`` checks it after random
    changes). Writes in one transaction (readers see the old rows until it
    commits); the availability of every listing is refreshed after
    (``refresh_openings``). Returns counts for the ops schedule page."""
    now = now or timezone.now()
    with transaction.atomic():
        # Read under the run's lock: a run that overlapped would otherwise
        # store fingerprints of data other than what it computed from.
        run = NeighbourRun.objects.select_for_update().first()
        inputs = _read_inputs()
        categories = _categories_fingerprint(inputs.parents)
        full = (
            full
            or run is None
            or run.categories_fingerprint != categories
            or run.full_at <= now - FULL_REBUILD_EVERY
        )
        if full:
            changed = dirty = set(inputs.docs)
            ListingNeighbour.objects.all().delete()
            NeighbourInput.objects.all().delete()
        else:
            known = {row.listing_id: row for row in NeighbourInput.objects.all()}
            changed, dirty = _affected(inputs, known)
            ListingNeighbour.objects.filter(listing_id__in=dirty).delete()
            NeighbourInput.objects.filter(listing_id__in=changed).delete()
        rows = [
            row
            for listing_id in sorted(dirty & inputs.docs.keys())
            for row in _neighbours_of(listing_id, inputs)
        ]
        ListingNeighbour.objects.bulk_create(rows, batch_size=2000)
        NeighbourInput.objects.bulk_create(
            [_input_row(i, inputs) for i in sorted(changed & inputs.docs.keys())],
            batch_size=2000,
        )
        if run is None:
            run = NeighbourRun(categories_fingerprint=categories)
        run.categories_fingerprint = categories
        run.updated_at = now
        if full:
            run.full_at = now
        run.save()
    openings = refresh_openings(now=now)
    return {
        "listings": len(inputs.docs),
        "recomputed": len(dirty & inputs.docs.keys()),
        "full": int(full),
        "neighbours": len(rows),
        **openings,
    }


def rebuild_neighbours(*, now: datetime | None = None) -> dict[str, int]:
    """Recompute every visible listing's neighbours from scratch
    (``update_neighbours`` in full): the demo, the ``doorstep
    recommendations`` command, and the periodic full rebuild."""
    return update_neighbours(now=now, full=True)


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
