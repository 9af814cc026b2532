"""Deriving the fact tables (``analytics.models``) from the source tables.

One rule makes every path agree: **a fact row is recomputed whole from its
sources, never adjusted by a delta.** ``recompute_*`` deletes the rows of a day
range and writes them again from the orders, the ledger, the reviews, the
surveys and the searches of that range. So:

* the **rebuild** (``doorstep analytics rebuild``) is ``recompute`` over every
  month since the first order;
* the **incremental** path (``consumers.on_event`` for order, review, survey and
  dispute events, and ``follow_ledger`` for journal entries, which have no
  events of their own) works out which days of which family one change can
  touch — the order's placing day, its customer's other placing days (first
  booking or repeat), its entries' days, its reviews' and survey's days, its
  provider's sign-up day — and recomputes those days;
* the **safety net** (periodic ``refresh_analytics``) recomputes today and
  yesterday.

Each is idempotent by construction: delivering an event twice, a refund weeks
later, a late review, a review hidden by ops — the day is recomputed from what
the sources say now. Concurrent recomputes of one day conflict on the unique
slice key; the loser's event delivery rolls back and the sweep retries it.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import h3
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.analytics.models import (
    ANALYTICS_CELL_RESOLUTION,
    DURATION_BUCKETS,
    CohortActivity,
    CohortRole,
    DailyDurationFacts,
    DailyDurationPlaceFacts,
    DailyDurationTotalFacts,
    DailyMoneyFacts,
    DailyMoneyPlaceFacts,
    DailyOrderFacts,
    DailyOrderPlaceFacts,
    DailyProviderFacts,
    DailyProviderPlaceFacts,
    DailySatisfactionFacts,
    DailySatisfactionPlaceFacts,
    DailySearchFacts,
    DailySearchPlaceFacts,
    LedgerCursor,
    SearchRecord,
)
from doorstep.marketplace.queries import city_near
from doorstep.marketplace.state import served_cities
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.states import UNPAID_STATES, OrderState
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import (
    JournalEntry,
    Payment,
    PaymentKind,
    PaymentStatus,
    Posting,
)
from doorstep.reviews.models import Direction, Review
from doorstep.support.models import SurveyResponse
from doorstep.support.models.surveys import NPS_DETRACTOR_MAX, NPS_PROMOTER

# A provider is *activated* when their first completed order comes within this
# many days of signing up.
ACTIVATION_DAYS = 30

NO_SHOW_STATES = frozenset({OrderState.NO_SHOW_CUSTOMER, OrderState.NO_SHOW_PROVIDER})
UNFILLED_STATES = frozenset({OrderState.DECLINED, OrderState.EXPIRED})
# Where a paid order waits for someone to take it; leaving it is an answer.
WAITING_STATES = frozenset({OrderState.REQUESTED, OrderState.DISPATCHING})

FAMILIES = ("orders", "money", "satisfaction", "searches", "providers")


# --- Days and slices -------------------------------------------------------------


def zone() -> ZoneInfo:
    """Days are the operator's (``TIME_ZONE``), the same for every reader."""
    return ZoneInfo(settings.TIME_ZONE)


def day_of(moment: datetime) -> date:
    return moment.astimezone(zone()).date()


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone())


def today() -> date:
    return day_of(timezone.now())


def month_of(moment: datetime) -> date:
    return day_of(moment).replace(day=1)


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def analytics_cell(latitude: float | None, longitude: float | None) -> int:
    """The H3 cell (resolution :data:`ANALYTICS_CELL_RESOLUTION`) of a point,
    as an integer; 0 without a point."""
    if latitude is None or longitude is None:
        return 0
    return h3.str_to_int(
        h3.latlng_to_cell(latitude, longitude, ANALYTICS_CELL_RESOLUTION)
    )


class Slicer:
    """Turns a point into (city, cell), reading the served cities once."""

    @cached_property
    def _cities(self):
        return served_cities()

    def place(self, latitude: float | None, longitude: float | None) -> tuple[str, int]:
        if latitude is None or longitude is None:
            return "", 0
        city = city_near(latitude, longitude, cities=self._cities)
        return (city.slug if city else ""), analytics_cell(latitude, longitude)


def duration_bucket(seconds: float) -> int:
    for index, bound in enumerate(DURATION_BUCKETS):
        if seconds <= bound:
            return index
    return len(DURATION_BUCKETS)


# --- The definitions of the sources ------------------------------------------------


def bookings() -> QuerySet[Order]:
    """Orders that are bookings: paid for (left the unpaid states) and not a
    free redo under warranty. The one definition of "an order" in analytics."""
    return Order.objects.exclude(state__in=UNPAID_STATES).filter(redo_of__isnull=True)


def _captured_payment() -> Exists:
    """The order's payment was captured (possibly refunded since): it counts
    in GMV, as ``payments.queries.gmv_orders`` defines it."""
    return Exists(
        Payment.objects.filter(
            order=OuterRef("pk"),
            kind=PaymentKind.ORDER,
            status__in=[PaymentStatus.CAPTURED, PaymentStatus.REFUNDED],
            captured_amount__gt=0,
        )
    )


def _first_booking_id() -> Subquery:
    return Subquery(
        bookings()
        .filter(customer=OuterRef("customer"))
        .order_by("created_at", "pk")
        .values("pk")[:1]
    )


# --- Recomputing a day range of each family ----------------------------------------


@dataclass(frozen=True)
class DayRange:
    first: date
    last: date

    @property
    def start(self) -> datetime:
        return day_start(self.first)

    @property
    def end(self) -> datetime:
        return day_start(self.last + timedelta(days=1))

    def moments(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})

    def days(self, field: str = "day") -> Q:
        return Q(**{f"{field}__gte": self.first, f"{field}__lte": self.last})


PLACE = ("day", "category", "city")
# The coarser copies of each cell-grain table, with their key columns: written
# by summing the cell rows of the same recompute (see ``_replace``).
COARSER: dict[type, tuple[tuple[type, tuple[str, ...]], ...]] = {
    DailyOrderFacts: ((DailyOrderPlaceFacts, (*PLACE, "currency")),),
    DailyMoneyFacts: ((DailyMoneyPlaceFacts, (*PLACE, "currency")),),
    DailySatisfactionFacts: ((DailySatisfactionPlaceFacts, PLACE),),
    DailySearchFacts: ((DailySearchPlaceFacts, PLACE),),
    DailyProviderFacts: ((DailyProviderPlaceFacts, PLACE),),
    DailyDurationFacts: (
        (DailyDurationPlaceFacts, (*PLACE, "measure", "bucket")),
        (DailyDurationTotalFacts, ("day", "measure", "bucket")),
    ),
}


def _coarser_rows(model, keys: tuple[str, ...], rows: list) -> Iterable:
    """``rows`` (cell grain) summed per ``keys`` into ``model`` rows: every
    other column of ``model`` is an additive count or amount."""
    columns = [
        f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key and f.attname not in keys
    ]
    summed: dict[tuple, object] = {}
    for row in rows:
        key = tuple(getattr(row, name) for name in keys)
        target = summed.get(key)
        if target is None:
            target = summed[key] = model(**dict(zip(keys, key, strict=True)))
        for name in columns:
            setattr(target, name, getattr(target, name) + getattr(row, name))
    return summed.values()


def _replace(model, span: DayRange, rows: Iterable) -> int:
    """Replace ``span``'s rows of the cell-grain ``model`` and of its coarser
    copies (:data:`COARSER`): every grain from the same rows, in one go."""
    coarser = COARSER[model]
    model.objects.filter(span.days()).delete()
    for table, _keys in coarser:
        table.objects.filter(span.days()).delete()
    objects = list(rows)
    model.objects.bulk_create(objects, batch_size=2000)
    for table, keys in coarser:
        table.objects.bulk_create(_coarser_rows(table, keys, objects), batch_size=2000)
    return len(objects)


def recompute_orders(span: DayRange, slicer: Slicer | None = None) -> int:
    """Order facts and duration histograms of the orders placed in ``span``."""
    slicer = slicer or Slicer()
    disputed = Exists(
        OrderEvent.objects.filter(order=OuterRef("pk"), to_state=OrderState.DISPUTED)
    )
    orders = (
        Order.objects.filter(span.moments("created_at"))
        .annotate(
            paid=_captured_payment(),
            ever_disputed=disputed,
            first_booking=_first_booking_id(),
        )
        .values_list(
            "pk",
            "created_at",
            "state",
            "currency",
            "subtotal_amount",
            "redo_of_id",
            "listing__category__slug",
            "latitude",
            "longitude",
            "paid",
            "ever_disputed",
            "first_booking",
        )
    )
    facts: dict[tuple, DailyOrderFacts] = {}
    slice_of: dict[int, tuple] = {}
    for (
        pk,
        created_at,
        state,
        currency,
        subtotal,
        redo_of,
        category,
        latitude,
        longitude,
        paid,
        ever_disputed,
        first_booking,
    ) in orders.iterator(chunk_size=5000):
        key = (day_of(created_at), category or "", *slicer.place(latitude, longitude))
        slice_of[pk] = key
        row = facts.get((*key, currency))
        if row is None:
            row = facts[(*key, currency)] = DailyOrderFacts(
                day=key[0], category=key[1], city=key[2], cell=key[3], currency=currency
            )
        row.placed += 1
        if state not in UNPAID_STATES and redo_of is None:
            row.bookings += 1
            if first_booking == pk:
                row.first_bookings += 1
            else:
                row.repeat_bookings += 1
        if paid:
            row.gmv_orders += 1
            row.gmv_amount += subtotal
        row.completed += state == OrderState.COMPLETED
        row.cancelled += state == OrderState.CANCELLED
        row.no_shows += state in NO_SHOW_STATES
        row.unfilled += state in UNFILLED_STATES
        row.disputed += bool(ever_disputed)
    count = _replace(DailyOrderFacts, span, facts.values())
    _replace(DailyDurationFacts, span, _duration_rows(span, slice_of))
    return count


def order_durations(
    history: Iterable[tuple[str, str, datetime]],
) -> dict[str, float]:
    """From one order's transitions ``(from, to, at)`` in order: seconds from
    the booking (entering a waiting state) to the first answer (leaving it for
    accepted or declined: ``response``) and to acceptance (``acceptance``)."""
    booked_at = None
    found: dict[str, float] = {}
    for from_state, to_state, at in history:
        if booked_at is None:
            if to_state in WAITING_STATES:
                booked_at = at
            continue
        answered = to_state in {OrderState.ACCEPTED, OrderState.DECLINED}
        if from_state in WAITING_STATES and answered and "response" not in found:
            found["response"] = (at - booked_at).total_seconds()
        if to_state == OrderState.ACCEPTED and "acceptance" not in found:
            found["acceptance"] = (at - booked_at).total_seconds()
    return found


def _duration_rows(span: DayRange, slice_of: dict[int, tuple]):
    histories: dict[int, list] = defaultdict(list)
    events = (
        OrderEvent.objects.filter(
            order__in=Order.objects.filter(span.moments("created_at"))
        )
        .order_by("order_id", "created_at", "pk")
        .values_list("order_id", "from_state", "to_state", "created_at")
    )
    for order_id, from_state, to_state, at in events.iterator(chunk_size=5000):
        histories[order_id].append((from_state, to_state, at))
    rows: dict[tuple, DailyDurationFacts] = {}
    for order_id, history in histories.items():
        key = slice_of.get(order_id)
        if key is None:
            continue
        for measure, seconds in order_durations(history).items():
            bucket = duration_bucket(seconds)
            row = rows.get((*key, measure, bucket))
            if row is None:
                row = rows[(*key, measure, bucket)] = DailyDurationFacts(
                    day=key[0],
                    category=key[1],
                    city=key[2],
                    cell=key[3],
                    measure=measure,
                    bucket=bucket,
                )
            row.count += 1
            row.seconds_sum += int(seconds)
    return rows.values()


def recompute_money(span: DayRange, slicer: Slicer | None = None) -> int:
    """Money facts of the journal entries written in ``span``."""
    slicer = slicer or Slicer()
    accounts = [
        K.GATEWAY_FUNDS,
        K.COMMISSION_REVENUE,
        K.SERVICE_FEE_REVENUE,
        K.CANCELLATION_FEE_REVENUE,
    ]
    postings = (
        Posting.objects.filter(span.moments("entry__created_at"))
        .filter(account__kind__in=accounts)
        .values_list(
            "entry__created_at",
            "entry__kind",
            "account__kind",
            "currency",
            "amount",
            "entry__order__listing__category__slug",
            "entry__order__latitude",
            "entry__order__longitude",
        )
    )
    facts: dict[tuple, DailyMoneyFacts] = {}
    for (
        at,
        entry_kind,
        account,
        currency,
        amount,
        category,
        latitude,
        longitude,
    ) in postings.iterator(chunk_size=5000):
        key = (day_of(at), category or "", *slicer.place(latitude, longitude))
        row = facts.get((*key, currency))
        if row is None:
            row = facts[(*key, currency)] = DailyMoneyFacts(
                day=key[0], category=key[1], city=key[2], cell=key[3], currency=currency
            )
        if account == K.GATEWAY_FUNDS and entry_kind == "capture":
            row.captured += amount
        elif account == K.GATEWAY_FUNDS and entry_kind == "refund":
            row.refunded -= amount
        elif account == K.COMMISSION_REVENUE:
            row.commission -= amount
        elif account == K.SERVICE_FEE_REVENUE:
            row.service_fees -= amount
        elif account == K.CANCELLATION_FEE_REVENUE:
            row.cancellation_fees -= amount
    return _replace(DailyMoneyFacts, span, facts.values())


def _satisfaction_row(rows: dict, key: tuple) -> DailySatisfactionFacts:
    row = rows.get(key)
    if row is None:
        row = rows[key] = DailySatisfactionFacts(
            day=key[0], category=key[1], city=key[2], cell=key[3]
        )
    return row


def recompute_satisfaction(span: DayRange, slicer: Slicer | None = None) -> int:
    """Reviews of providers written, and survey answers given, in ``span``."""
    slicer = slicer or Slicer()
    rows: dict[tuple, DailySatisfactionFacts] = {}
    reviews = (
        Review.objects.filter(span.moments("created_at"))
        .filter(direction=Direction.CUSTOMER_REVIEWS_PROVIDER, hidden_at__isnull=True)
        .values_list(
            "created_at",
            "stars",
            "order__listing__category__slug",
            "order__latitude",
            "order__longitude",
        )
    )
    for at, stars, category, latitude, longitude in reviews.iterator(chunk_size=5000):
        key = (day_of(at), category or "", *slicer.place(latitude, longitude))
        row = _satisfaction_row(rows, key)
        row.reviews += 1
        row.stars_sum += stars
    answers = SurveyResponse.objects.filter(span.moments("answered_at")).values_list(
        "answered_at",
        "csat",
        "nps",
        "invitation__order__listing__category__slug",
        "invitation__order__latitude",
        "invitation__order__longitude",
    )
    for at, csat, nps, category, latitude, longitude in answers.iterator(
        chunk_size=5000
    ):
        key = (day_of(at), category or "", *slicer.place(latitude, longitude))
        row = _satisfaction_row(rows, key)
        row.csat_answers += 1
        row.csat_sum += csat
        if nps is not None:
            row.nps_answers += 1
            row.nps_promoters += nps >= NPS_PROMOTER
            row.nps_detractors += nps <= NPS_DETRACTOR_MAX
    return _replace(DailySatisfactionFacts, span, rows.values())


def recompute_searches(span: DayRange, slicer: Slicer | None = None) -> int:
    rows: dict[tuple, DailySearchFacts] = {}
    records = SearchRecord.objects.filter(span.moments("created_at")).values_list(
        "created_at", "category", "city", "cell", "results"
    )
    for at, category, city, cell, results in records.iterator(chunk_size=5000):
        key = (day_of(at), category, city, cell)
        row = rows.get(key)
        if row is None:
            row = rows[key] = DailySearchFacts(
                day=key[0], category=category, city=city, cell=cell
            )
        row.searches += 1
        row.zero_result += results == 0
    return _replace(DailySearchFacts, span, rows.values())


def _first_completion() -> Subquery:
    return Subquery(
        OrderEvent.objects.filter(
            order__provider=OuterRef("pk"), to_state=OrderState.COMPLETED
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )


def recompute_providers(span: DayRange, slicer: Slicer | None = None) -> int:
    """Providers who signed up in ``span``, and which of them activated."""
    slicer = slicer or Slicer()
    rows: dict[tuple, DailyProviderFacts] = {}
    providers = (
        ProviderProfile.objects.filter(span.moments("created_at"))
        .annotate(first_completed=_first_completion())
        .values_list("created_at", "latitude", "longitude", "first_completed")
    )
    for created_at, latitude, longitude, first_completed in providers.iterator(
        chunk_size=5000
    ):
        key = (day_of(created_at), "", *slicer.place(latitude, longitude))
        row = rows.get(key)
        if row is None:
            row = rows[key] = DailyProviderFacts(
                day=key[0], category="", city=key[2], cell=key[3]
            )
        row.new_providers += 1
        if first_completed is not None and first_completed <= created_at + timedelta(
            days=ACTIVATION_DAYS
        ):
            row.activated += 1
    return _replace(DailyProviderFacts, span, rows.values())


FACT_TABLES = tuple(
    table
    for model, coarser in COARSER.items()
    for table in (model, *(copy for copy, _keys in coarser))
)

RECOMPUTE = {
    "orders": recompute_orders,
    "money": recompute_money,
    "satisfaction": recompute_satisfaction,
    "searches": recompute_searches,
    "providers": recompute_providers,
}


# --- Cohorts (per party) ----------------------------------------------------------


def _cohort_rows(role: str, activity: Iterable[tuple[int, datetime]]):
    months: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for party_id, at in activity:
        months[party_id][month_of(at)] += 1
    for party_id, counts in months.items():
        cohort = min(counts)
        for month, orders in counts.items():
            yield CohortActivity(
                role=role, party_id=party_id, month=month, cohort=cohort, orders=orders
            )


def _customer_activity(customer_ids: Iterable[int] | None):
    rows = bookings()
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=list(customer_ids))
    return rows.values_list("customer_id", "created_at").iterator(chunk_size=5000)


def _provider_activity(provider_ids: Iterable[int] | None):
    rows = OrderEvent.objects.filter(to_state=OrderState.COMPLETED)
    if provider_ids is not None:
        rows = rows.filter(order__provider_id__in=list(provider_ids))
    else:
        rows = rows.filter(order__provider__isnull=False)
    return rows.values_list("order__provider_id", "created_at").iterator(
        chunk_size=5000
    )


def recompute_cohorts(
    *,
    customer_ids: Iterable[int] | None = None,
    provider_ids: Iterable[int] | None = None,
    everyone: bool = False,
) -> int:
    """Recompute the cohort activity of these parties (of everyone with
    ``everyone``) from their bookings and completed orders."""
    count = 0
    for role, ids, activity in (
        (CohortRole.CUSTOMER, customer_ids, _customer_activity),
        (CohortRole.PROVIDER, provider_ids, _provider_activity),
    ):
        if ids is None and not everyone:
            continue
        ids = None if everyone else set(ids)
        existing = CohortActivity.objects.filter(role=role)
        if ids is not None:
            existing = existing.filter(party_id__in=ids)
        existing.delete()
        rows = list(_cohort_rows(role, activity(ids)))
        CohortActivity.objects.bulk_create(rows, batch_size=2000)
        count += len(rows)
    return count


# --- What one change touches --------------------------------------------------------


@dataclass
class Touched:
    """The days of each family, and the parties, one change may have moved."""

    days: dict[str, set[date]]
    customers: set[int]
    providers: set[int]

    @classmethod
    def nothing(cls) -> "Touched":
        return cls({family: set() for family in FAMILIES}, set(), set())

    def add(self, other: "Touched") -> None:
        for family, days in other.days.items():
            self.days[family] |= days
        self.customers |= other.customers
        self.providers |= other.providers


def touched_by_order(order_id: int) -> Touched:
    touched = Touched.nothing()
    order = (
        Order.objects.filter(pk=order_id)
        .values("customer_id", "provider_id", "provider__created_at")
        .first()
    )
    if order is None:
        return touched
    # The customer's every placing day: whether each is a first booking or a
    # repeat depends on the others.
    touched.days["orders"] |= {
        day_of(at)
        for at in Order.objects.filter(customer_id=order["customer_id"]).values_list(
            "created_at", flat=True
        )
    }
    touched.days["money"] |= {
        day_of(at)
        for at in JournalEntry.objects.filter(order_id=order_id).values_list(
            "created_at", flat=True
        )
    }
    touched.days["satisfaction"] |= {
        day_of(at)
        for at in Review.objects.filter(order_id=order_id).values_list(
            "created_at", flat=True
        )
    } | {
        day_of(at)
        for at in SurveyResponse.objects.filter(
            invitation__order_id=order_id
        ).values_list("answered_at", flat=True)
    }
    if order["provider_id"]:
        touched.days["providers"].add(day_of(order["provider__created_at"]))
        touched.providers.add(order["provider_id"])
    touched.customers.add(order["customer_id"])
    return touched


def apply(touched: Touched) -> None:
    """Recompute everything ``touched`` names, one family and day at a time."""
    slicer = Slicer()
    with transaction.atomic():
        for family, days in touched.days.items():
            for day in sorted(days):
                RECOMPUTE[family](DayRange(day, day), slicer)
        if touched.customers or touched.providers:
            recompute_cohorts(
                customer_ids=touched.customers, provider_ids=touched.providers
            )


def refresh_order(order_id: int) -> None:
    apply(touched_by_order(order_id))


# The cursor only moves past entries this old: a transaction that took a lower
# id but commits later is then still read (entries newer than this are
# recomputed on every call until they settle, which is idempotent).
LEDGER_SETTLE = timedelta(seconds=60)


def follow_ledger(limit: int = 2000) -> int:
    """Recompute the days the journal entries written since the last call
    touched (money moves without an event of its own: a capture or a refund
    changes GMV and revenue). Returns how many entries were read."""
    settled_before = timezone.now() - LEDGER_SETTLE
    with transaction.atomic():
        cursor, _created = LedgerCursor.objects.select_for_update().get_or_create(
            name="ledger"
        )
        entries = list(
            JournalEntry.objects.filter(pk__gt=cursor.last_entry_id)
            .order_by("pk")
            .values_list("pk", "created_at", "order_id")[:limit]
        )
        if not entries:
            return 0
        touched = Touched.nothing()
        orders = set()
        for _pk, at, order_id in entries:
            touched.days["money"].add(day_of(at))
            if order_id:
                orders.add(order_id)
        for order_id in orders:
            touched.add(touched_by_order(order_id))
        apply(touched)
        settled = [pk for pk, at, _order in entries if at <= settled_before]
        # Up to the first entry not yet settled: everything before it is read.
        unsettled = [pk for pk, at, _order in entries if at > settled_before]
        if unsettled:
            settled = [pk for pk in settled if pk < unsettled[0]]
        if settled:
            cursor.last_entry_id = settled[-1]
            cursor.save(update_fields=["last_entry_id", "updated_at"])
        return len(entries)


def refresh_recent(*, day: date | None = None) -> dict[str, int]:
    """The safety net: recompute today and yesterday of every family, and the
    cohorts of the parties who booked or completed in them."""
    last = day or today()
    span = DayRange(last - timedelta(days=1), last)
    slicer = Slicer()
    result: dict[str, int] = {}
    with transaction.atomic():
        for family, recompute in RECOMPUTE.items():
            result[family] = recompute(span, slicer)
        customers = set(
            Order.objects.filter(span.moments("created_at")).values_list(
                "customer_id", flat=True
            )
        )
        providers = set(
            OrderEvent.objects.filter(
                span.moments("created_at"), to_state=OrderState.COMPLETED
            ).values_list("order__provider_id", flat=True)
        ) - {None}
        result["cohorts"] = recompute_cohorts(
            customer_ids=customers, provider_ids=providers
        )
    result["ledger_entries"] = follow_ledger()
    return result


# --- Rebuild ------------------------------------------------------------------------


def first_day() -> date | None:
    """The earliest day any source has a row."""
    candidates = [
        Order.objects.order_by("created_at")
        .values_list("created_at", flat=True)
        .first(),
        JournalEntry.objects.order_by("created_at")
        .values_list("created_at", flat=True)
        .first(),
        ProviderProfile.objects.order_by("created_at")
        .values_list("created_at", flat=True)
        .first(),
        SearchRecord.objects.order_by("created_at")
        .values_list("created_at", flat=True)
        .first(),
    ]
    days = [day_of(at) for at in candidates if at is not None]
    return min(days) if days else None


def rebuild_spans(since: date, until: date, *, days: int = 31) -> list[DayRange]:
    spans = []
    first = since
    while first <= until:
        last = min(until, first + timedelta(days=days - 1))
        spans.append(DayRange(first, last))
        first = last + timedelta(days=1)
    return spans


def rebuild(
    *,
    since: date | None = None,
    until: date | None = None,
    progress: Callable[[DayRange], None] | None = None,
) -> dict[str, int]:
    """Recompute every fact from ``since`` (default: the first source row) to
    ``until`` (default: today), a month at a time (``progress(span)`` after
    each), then every cohort, then move the ledger cursor to the end."""
    counts: dict[str, int] = defaultdict(int)
    if since is None:
        # From scratch: rows of days no source has any more go too.
        for model in FACT_TABLES:
            model.objects.all().delete()
    since = since or first_day() or today()
    until = until or today()
    slicer = Slicer()
    for span in rebuild_spans(since, until):
        with transaction.atomic():
            for family, recompute in RECOMPUTE.items():
                counts[family] += recompute(span, slicer)
        if progress is not None:
            progress(span)
    with transaction.atomic():
        counts["cohorts"] = recompute_cohorts(everyone=True)
        last = JournalEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        LedgerCursor.objects.update_or_create(
            name="ledger", defaults={"last_entry_id": last or 0}
        )
    return dict(counts)
