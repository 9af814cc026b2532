"""Every write of recurring bookings: a series and its visits.

Each visit is an ordinary order of the ``book_provider`` process, booked by
``orders.services.place_order`` (its own time claim, so the database keeps the
provider from being double-booked) at the series' agreed price, paid with the
saved card: booked as "pay after the service" and held off session a day
before (``charge_due_visits``); the completion then captures and releases it
as for any order, and a card still refused then falls back to the pay page
(``payments.after_service``).

On a request-to-book listing the provider accepts the series once
(``accept_series``): a standing acceptance, as Handy and CleanWhale keep a
regular cleaner. Until then each visit is a request, as any booking of the
listing; under it, each visit the horizon job books is accepted for the
provider by the process' ``accept_standing`` (still claimed on their calendar
first: a usual time that is not free becomes a proposal to the customer).
The provider may decline the series (it ends) or withdraw the acceptance
(``withdraw_acceptance``: visits are requests again).

Two periodic jobs drive a series (``periodic.jobs``): ``plan_recurring_visits``
books the occurrences of the next ``DOORSTEP_RECURRING_HORIZON_DAYS``;
``charge_recurring_visits`` holds each visit's price a day before.

Locks, in this order: the series row (planning, pausing, ending, answering a
proposal), then a visit row (skipping, charging), then the order (the engine).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.catalog.models import Listing, PricingModel
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.core.geo import distance_km
from doorstep.events.services import record_event
from doorstep.orders.engine import apply_transition
from doorstep.orders.models import Order, RescheduleRequest
from doorstep.orders.pricing import PriceBreakdown, price_booking, price_fixed_service
from doorstep.orders.services import place_order, propose_reschedule
from doorstep.orders.states import OrderState
from doorstep.payments import after_service, flows
from doorstep.payments.methods import access_method, default_method, usable_token
from doorstep.payments.models import SavedPaymentMethod
from doorstep.recurring.models import (
    Cadence,
    PriceChange,
    Series,
    SeriesAcceptance,
    SeriesStatus,
    Visit,
    VisitStatus,
)
from doorstep.scheduling.queries import provider_zone
from doorstep.scheduling.slots import (
    bookable_slots,
    check_listing_bookable,
    chosen_staff,
    find_claimable,
)
from doorstep.taxes.rates import region_of_listing

MAX_VISITS = 200
MAX_SERIES_DAYS = 2 * 366
# States in which a visit's order still lies ahead (can be skipped, charged).
UPCOMING_STATES = frozenset({OrderState.REQUESTED, OrderState.ACCEPTED})
# Refusals of the usual time that another time or provider may get around.
TIME_REFUSALS = frozenset(
    {
        "slot_taken",
        "fully_booked_day",
        "day_off",
        "outside_availability",
        "too_soon",
        "too_far_ahead",
        "listing_unavailable",
        "staff_not_serving",
        "cash_limit_reached",
    }
)
CHARGE_RETRY_AFTER = timedelta(hours=6)
MAX_CHARGE_ATTEMPTS = 3


def horizon_days() -> int:
    return settings.DOORSTEP_RECURRING_HORIZON_DAYS


def charge_hours_before() -> int:
    return settings.DOORSTEP_RECURRING_CHARGE_HOURS_BEFORE


def _invalid(fields: dict[str, list[str]]) -> DomainError:
    return DomainError(
        "invalid_input", _("Some fields are not valid."), status=400, fields=fields
    )


# --- Reading a series' calendar ------------------------------------------------------


def occurrences(series: Series, *, first: date, last: date) -> list[date]:
    """The dates of the series' occurrences from ``first`` to ``last`` (both
    included), within its start, end date and number of visits."""
    days: list[date] = []
    step = {
        Cadence.WEEKLY: 7,
        Cadence.EVERY_2_WEEKS: 14,
        Cadence.EVERY_4_WEEKS: 28,
    }.get(series.cadence)
    weekdays = set(series.weekday_numbers)
    day = series.start_date
    count = 0
    final = min(last, series.end_date or last)
    while day <= final and (series.visit_count is None or count < series.visit_count):
        if step is not None or day.weekday() in weekdays:
            count += 1
            if day >= first:
                days.append(day)
        day += timedelta(days=step or 1)
    return days


def planned_start(series: Series, day: date) -> datetime:
    """The instant of the occurrence on ``day``, at the series' local time."""
    return datetime.combine(day, series.start_time, tzinfo=ZoneInfo(series.time_zone))


def visit_price(series: Series) -> PriceBreakdown:
    """The breakdown of one visit at the series' agreed price: the same fee and
    taxes as any booking (``orders.pricing``), on the fixed price."""
    return price_fixed_service(
        title=series.listing.title,
        price_amount=series.price_amount,
        currency=series.currency,
        tax_region=region_of_listing(series.listing),
    )


# --- Access -------------------------------------------------------------------------


def _is_provider(user: User, series: Series) -> bool:
    return series.provider.user_id == user.pk


def access_series(*, user: User, series_id: str) -> Series:
    """The series ``series_id`` if ``user`` is its customer or provider;
    anyone else is told it does not exist."""
    series = (
        Series.objects.select_related("provider", "listing", "customer", "staff")
        .filter(public_id=str(series_id))
        .first()
    )
    if series is None or (
        series.customer_id != user.pk and not _is_provider(user, series)
    ):
        raise NotFound("series_not_found", _("No such recurring booking."))
    return series


def access_visit(*, user: User, visit_id: str) -> Visit:
    """The visit ``visit_id`` of a series ``user`` is the customer or
    provider of; anyone else's is not found."""
    visit = (
        Visit.objects.select_related("series__provider", "series__listing", "order")
        .filter(public_id=str(visit_id))
        .first()
    )
    if visit is None or (
        visit.series.customer_id != user.pk and not _is_provider(user, visit.series)
    ):
        raise NotFound("visit_not_found", _("No such visit."))
    return visit


def _as_customer(series: Series, user: User) -> None:
    if series.customer_id != user.pk:
        raise PermissionDenied("actor_not_allowed", _("Only the customer can do this."))


def _as_provider(series: Series, user: User) -> None:
    if not _is_provider(user, series):
        raise PermissionDenied("actor_not_allowed", _("Only the provider can do this."))


def _lock_series(series: Series) -> Series:
    """Lock the series row only (``of``): on PostgreSQL a join under FOR
    UPDATE would lock the listing and provider rows too, which every booking
    of the provider's references (a deadlock with a concurrent booking)."""
    return (
        Series.objects.select_for_update(of=("self",))
        .select_related("listing", "provider")
        .get(pk=series.pk)
    )


def _lock_visit(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().get(pk=visit.pk)


def _event(topic: str, series: Series, **payload) -> None:
    record_event(
        topic=f"recurring.{topic}",
        subject=series.public_id,
        payload={key: value for key, value in payload.items() if value is not None},
    )


# --- Creating a series --------------------------------------------------------------


def _check_schedule(
    *,
    cadence: str,
    weekdays: str,
    start_date: date,
    end_date: date | None,
    visit_count: int | None,
    today: date,
) -> str:
    errors: dict[str, list[str]] = {}
    if cadence not in Cadence.values:
        errors["cadence"] = [_("Choose how often.")]
    days = "".join(sorted({d for d in (weekdays or "") if d in "0123456"}))
    if cadence == Cadence.WEEKDAYS and not days:
        errors["weekdays"] = [_("Choose at least one weekday.")]
    if cadence != Cadence.WEEKDAYS:
        days = ""
    if start_date < today:
        errors["start_date"] = [_("The first visit cannot be in the past.")]
    if end_date is None and visit_count is None:
        errors["end_date"] = [_("Give a last day or a number of visits.")]
    if end_date is not None and end_date < start_date:
        errors["end_date"] = [_("The last day comes after the first visit.")]
    if end_date is not None and (end_date - start_date).days > MAX_SERIES_DAYS:
        errors["end_date"] = [_("A recurring booking lasts at most two years.")]
    if visit_count is not None and not 1 <= visit_count <= MAX_VISITS:
        errors["visit_count"] = [_("Between 1 and 200 visits.")]
    if errors:
        raise _invalid(errors)
    return days


def _check_place(listing: Listing, *, address: str, latitude: float, longitude: float):
    if not address:
        raise _invalid({"address": [_("Tell the provider where to come.")]})
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise _invalid({"latitude": [_("Place the pin on the map.")]})
    distance = distance_km(listing.latitude, listing.longitude, latitude, longitude)
    if distance > float(listing.service_radius_km):
        message = _("This address is outside the provider's service area.")
        raise DomainError(
            "outside_service_area", message, fields={"address": [message]}
        )


def _method_for(customer: User, method_id: str) -> SavedPaymentMethod:
    method = (
        access_method(user=customer, method_id=method_id)
        if method_id
        else default_method(customer)
    )
    if method is None:
        raise DomainError(
            "card_required",
            _("Save a card under Payment methods to book visits that repeat."),
            fields={"payment_method": [_("You have no saved card.")]},
        )
    usable_token(method)
    return method


def create_series(
    *,
    customer: User,
    listing_id: str,
    cadence: str,
    start_date: date,
    start_time: time,
    address: str,
    latitude: float,
    longitude: float,
    weekdays: str = "",
    end_date: date | None = None,
    visit_count: int | None = None,
    notes: str = "",
    staff_id: str = "",
    hours: int | None = None,
    payment_method_id: str = "",
    now: datetime | None = None,
) -> Series:
    """Start a recurring booking of ``listing_id``: the price per visit is
    computed now (``orders.pricing.price_booking``) and kept; the visits of
    the horizon are booked at once (``plan_series_visits``), later ones by the
    periodic job. Each visit is paid with ``payment_method_id`` (the
    customer's default card if empty), held a day before. On a request-to-book
    listing the series waits for the provider's acceptance
    (``SeriesAcceptance.PENDING``); its first visits are requests meanwhile,
    their time claimed as for any request.

    Raises ``NotFound`` (listing, card), ``DomainError`` 400 ``invalid_input``,
    422 ``own_listing``, ``listing_unavailable``, ``quote_only``,
    ``payment_timing_unavailable`` (the listing is not paid after the service),
    ``card_required``, ``outside_service_area``, ``staff_not_serving``, or
    409 ``payment_method_unusable``."""
    now = now or timezone.now()
    address = (address or "").strip()
    listing = (
        Listing.objects.select_related("provider", "category")
        .filter(public_id=str(listing_id))
        .first()
    )
    if listing is None:
        raise NotFound("listing_not_found", _("No such service."))
    check_listing_bookable(listing)
    if listing.provider.user_id == customer.pk:
        raise DomainError("own_listing", _("You cannot book your own service."))
    zone = provider_zone(listing.provider)
    days = _check_schedule(
        cadence=cadence,
        weekdays=weekdays,
        start_date=start_date,
        end_date=end_date,
        visit_count=visit_count,
        today=now.astimezone(zone).date(),
    )
    after_service.check_timing(
        listing=listing, timing=after_service.AFTER_SERVICE, customer=customer
    )
    method = _method_for(customer, payment_method_id)
    staff = chosen_staff(listing, staff_id)
    _check_place(listing, address=address, latitude=latitude, longitude=longitude)
    if listing.pricing_model == PricingModel.HOURLY:
        hours = hours or listing.min_hours
    else:
        hours = None
    price = price_booking(listing=listing, hours=hours, add_ons=())
    with transaction.atomic():
        series = Series.objects.create(
            customer=customer,
            provider=listing.provider,
            listing=listing,
            staff=staff,
            address=address,
            latitude=float(latitude),
            longitude=float(longitude),
            notes=(notes or "").strip()[:2000],
            cadence=cadence,
            weekdays=days,
            start_time=start_time.replace(second=0, microsecond=0),
            time_zone=str(zone),
            start_date=start_date,
            end_date=end_date,
            visit_count=visit_count,
            hours=hours,
            price_amount=price.subtotal_amount,
            currency=price.currency,
            payment_method=method,
            acceptance=(
                SeriesAcceptance.NOT_NEEDED
                if listing.instant_book
                else SeriesAcceptance.PENDING
            ),
            acceptance_changed_at=now,
            created_at=now,
            status_changed_at=now,
        )
        _event(
            "series_created",
            series,
            price=price.subtotal_amount,
            currency=price.currency,
            acceptance=series.acceptance,
        )
    plan_series_visits(series=series, now=now)
    return series


# --- Booking the horizon -------------------------------------------------------------


@dataclass(frozen=True)
class Alternative:
    listing: Listing
    starts_at: datetime


def _nearest_free_time(
    series: Series, day: date, now: datetime, *, avoid: datetime | None = None
) -> datetime | None:
    """The free start of the series' listing closest to the usual time, on the
    day or up to three days after (with the series' staff member, then anyone
    of the agency); never ``avoid`` (a time the provider turned down)."""
    wanted = planned_start(series, day)
    for staff in dict.fromkeys((series.staff, None)):
        try:
            slots = bookable_slots(
                listing=series.listing,
                start_date=day,
                end_date=day + timedelta(days=3),
                hours=series.hours,
                now=now,
                staff=staff,
            )
        except DomainError:
            return None
        slots = [slot for slot in slots if slot.starts_at != avoid]
        if slots:
            best = min(slots, key=lambda slot: abs(slot.starts_at - wanted))
            return best.starts_at
    return None


def _other_provider(series: Series, day: date, now: datetime) -> Listing | None:
    """A listing of another provider in the same category, paid after the
    service in the same currency, that serves the address and is free at the
    usual time; the nearest first."""
    candidates = (
        Listing.objects.select_related("provider")
        .filter(
            category_id=series.listing.category_id,
            status=Listing.Status.PUBLISHED,
            offers_pay_after_service=True,
            currency=series.currency,
        )
        .exclude(provider_id=series.provider_id)
        .exclude(provider__user_id=series.customer_id)
        .exclude(pricing_model=PricingModel.QUOTE)
    )
    reachable = sorted(
        (
            (distance_km(c.latitude, c.longitude, series.latitude, series.longitude), c)
            for c in candidates[:200]
            if c.latitude is not None
        ),
        key=lambda pair: (pair[0], pair[1].pk),
    )
    wanted = planned_start(series, day)
    for distance, listing in reachable:
        if distance > float(listing.service_radius_km):
            continue
        if after_service.AFTER_SERVICE not in after_service.timings_for(listing):
            continue
        try:
            find_claimable(
                listing=listing,
                starts_at=wanted,
                hours=series.hours if listing.pricing_model == "hourly" else None,
                now=now,
            )
        except DomainError:
            continue
        return listing
    return None


def find_alternative(
    series: Series, day: date, now: datetime, *, turned_down: bool = False
) -> Alternative | None:
    """What to offer when the usual time on ``day`` is not free: another time
    with the same provider, else another provider at the usual time. When the
    provider turned the visit down (``turned_down``), another provider first,
    then another time with them."""
    wanted = planned_start(series, day)
    if turned_down:
        listing = _other_provider(series, day, now)
        if listing is not None:
            return Alternative(listing, wanted)
        starts_at = _nearest_free_time(series, day, now, avoid=wanted)
        return Alternative(series.listing, starts_at) if starts_at else None
    starts_at = _nearest_free_time(series, day, now)
    if starts_at is not None:
        return Alternative(series.listing, starts_at)
    listing = _other_provider(series, day, now)
    if listing is not None:
        return Alternative(listing, planned_start(series, day))
    return None


def visit_key(visit: Visit) -> str:
    """The idempotency key of the visit's order: one order per occurrence and
    attempt, whoever books it and however often."""
    return f"visit:{visit.public_id}:{visit.attempt}"


def _book(
    series: Series, visit: Visit, *, listing: Listing, starts_at: datetime
) -> Order:
    same = listing.pk == series.listing_id
    return place_order(
        customer=series.customer,
        listing_id=listing.public_id,
        starts_at=starts_at,
        hours=series.hours if listing.pricing_model == PricingModel.HOURLY else None,
        address=series.address,
        latitude=series.latitude,
        longitude=series.longitude,
        notes=series.notes,
        idempotency_key=visit_key(visit),
        staff_id=series.staff.public_id if same and series.staff else "",
        payment_timing=after_service.AFTER_SERVICE,
        agreed_price=visit_price(series) if same else None,
    )


def _book_occurrence(series: Series, day: date, now: datetime) -> Visit | None:
    with transaction.atomic():
        series = _lock_series(series)
        if series.status != SeriesStatus.ACTIVE:
            return None
        if Visit.objects.filter(series=series, occurrence=day).exists():
            return None  # booked by an earlier (or concurrent) run
        visit = Visit.objects.create(
            series=series,
            occurrence=day,
            planned_starts_at=planned_start(series, day).astimezone(UTC),
            status=VisitStatus.BOOKED,
            created_at=now,
        )
        try:
            order = _book(
                series, visit, listing=series.listing, starts_at=visit.planned_starts_at
            )
        except DomainError as refusal:
            # Whatever stands in the way, the occurrence is settled: another
            # time or provider offered, or the customer told it is not served
            # (a card to add, a listing gone), never retried into a loop.
            _offer_alternative(series, visit, problem=refusal.code, now=now)
            return visit
        visit.order = order
        visit.save(update_fields=["order"])
        _event("visit_booked", series, visit=visit.public_id, order=order.public_id)
        _accept_under_standing(series, visit, order)
    return visit


def _accept_under_standing(series: Series, visit: Visit, order: Order) -> Order:
    """A visit booked as a request on the series' own listing, while the
    provider's standing acceptance holds (the series row locked by the
    caller), is accepted for them through the process (``accept_standing``).
    Refused by its guards (a provider over their cash limit), it stays a
    request for the provider to answer, as any other. Returns the order as it
    now stands."""
    if (
        series.acceptance != SeriesAcceptance.STANDING
        or order.listing_id != series.listing_id
        or order.state != OrderState.REQUESTED
    ):
        return order
    try:
        return apply_transition(
            order_id=order.pk,
            name="accept_standing",
            user=None,
            system=True,
            data={"standing_acceptance": series.public_id},
            expected_state=OrderState.REQUESTED,
        )
    except DomainError as refusal:
        _event(
            "visit_left_as_request",
            series,
            visit=visit.public_id,
            order=order.public_id,
            reason=refusal.code,
        )
        return order


def _offer_alternative(series: Series, visit: Visit, *, problem: str, now) -> None:
    turned_down = problem.startswith("order_")
    alternative = (
        find_alternative(series, visit.occurrence, now, turned_down=turned_down)
        if problem in TIME_REFUSALS or turned_down
        else None
    )
    visit.problem = problem
    if alternative is None:
        visit.status = VisitStatus.NOT_SERVED
        visit.save(update_fields=["status", "problem"])
        _event("visit_not_served", series, visit=visit.public_id, problem=problem)
        return
    visit.status = VisitStatus.PROPOSED
    visit.proposed_listing = alternative.listing
    visit.proposed_starts_at = alternative.starts_at
    visit.save(
        update_fields=["status", "problem", "proposed_listing", "proposed_starts_at"]
    )
    _event(
        "visit_proposed",
        series,
        visit=visit.public_id,
        problem=problem,
        starts_at=alternative.starts_at.isoformat(),
        listing=alternative.listing.public_id,
    )


# A visit's order that ended before it was served, by the provider's doing:
# the occurrence is offered again. One the customer cancelled is a skip.
UNSERVED_STATES = frozenset(
    {OrderState.DECLINED, OrderState.EXPIRED, OrderState.CANCELLED}
)


def _settle_unserved(series: Series, now: datetime) -> int:
    """Visits ahead whose order the provider declined, let expire or
    cancelled: the customer is offered another time or provider (a new
    attempt); one they cancelled themselves from the order page is skipped."""
    settled = 0
    for visit in series.visits.filter(
        status=VisitStatus.BOOKED,
        order__state__in=UNSERVED_STATES,
        planned_starts_at__gt=now,
    ).select_related("order"):
        with transaction.atomic():
            series = _lock_series(series)
            visit = _lock_visit(visit)
            order = Order.objects.get(pk=visit.order_id)
            if visit.status != VisitStatus.BOOKED or order.state not in (
                UNSERVED_STATES
            ):
                continue
            if order.cancelled_by == "customer":
                visit.status = VisitStatus.SKIPPED
                visit.skip_reason = "cancelled"
                visit.save(update_fields=["status", "skip_reason"])
                continue
            visit.order = None
            visit.attempt += 1
            visit.charged_at = None
            visit.save(update_fields=["order", "attempt", "charged_at"])
            _offer_alternative(
                series, visit, problem=f"order_{order.state}"[:40], now=now
            )
            settled += 1
    return settled


def _lapse_unanswered(series: Series, now: datetime) -> None:
    """An alternative nobody answered before its time is gone: that
    occurrence is not served (and never charged)."""
    with transaction.atomic():
        lapsed = list(
            series.visits.select_for_update().filter(
                status=VisitStatus.PROPOSED, proposed_starts_at__lte=now
            )
        )
        for visit in lapsed:
            visit.status = VisitStatus.NOT_SERVED
            visit.skip_reason = "unanswered"
            visit.save(update_fields=["status", "skip_reason"])
            _event(
                "visit_not_served", series, visit=visit.public_id, problem="unanswered"
            )


def plan_series_visits(*, series: Series, now: datetime | None = None) -> int:
    """Book every occurrence of ``series`` from now to the horizon that has no
    visit yet, each in its own transaction. Idempotent: an occurrence with a
    visit (booked, skipped, proposed or not served) is left alone. Returns how
    many visits it made."""
    now = now or timezone.now()
    if series.status != SeriesStatus.ACTIVE:
        return 0
    _settle_unserved(series, now)
    _lapse_unanswered(series, now)
    zone = ZoneInfo(series.time_zone)
    today = now.astimezone(zone).date()
    made = 0
    known = set(series.visits.values_list("occurrence", flat=True))
    for day in occurrences(
        series, first=today, last=today + timedelta(days=horizon_days())
    ):
        if day in known or planned_start(series, day) <= now:
            continue
        made += _book_occurrence(series, day, now) is not None
    if (
        series.end_date is None
        and series.visit_count is not None
        and not occurrences(series, first=today + timedelta(days=1), last=date.max)
    ) or (series.end_date is not None and series.end_date < today):
        _end_when_done(series, now)
    return made


def _end_when_done(series: Series, now: datetime) -> None:
    """A series whose last occurrence is behind it has ended."""
    with transaction.atomic():
        series = _lock_series(series)
        if series.status == SeriesStatus.ENDED:
            return
        last = series.visits.order_by("-occurrence").first()
        if last is not None and last.planned_starts_at > now:
            return
        series.status = SeriesStatus.ENDED
        series.status_changed_at = now
        series.save(update_fields=["status", "status_changed_at"])
        _event("series_ended", series, reason="finished")


def plan_visits(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: book the horizon of every active series."""
    now = now or timezone.now()
    made = 0
    series_ids = list(
        Series.objects.filter(status=SeriesStatus.ACTIVE).values_list("pk", flat=True)
    )
    for series in Series.objects.filter(pk__in=series_ids).select_related(
        "listing", "provider", "customer", "staff"
    ):
        made += plan_series_visits(series=series, now=now)
    return {"series": len(series_ids), "visits_booked": made}


# --- Charging a day before -----------------------------------------------------------


def _claim_charge(visit: Visit, now: datetime) -> Visit | None:
    with transaction.atomic():
        visit = _lock_visit(visit)
        if (
            visit.status != VisitStatus.BOOKED
            or visit.charged_at is not None
            or (
                visit.charging_since is not None
                and visit.charging_since > now - timedelta(minutes=30)
            )
        ):
            return None
        visit.charging_since = now
        visit.save(update_fields=["charging_since"])
    return visit


def charge_visit(*, visit: Visit, now: datetime | None = None) -> bool:
    """Hold the visit's price on the series' saved card, off session, through
    the order's payment (``payments.flows.authorise_order``). Claims the visit
    first (a skip waits for, then refuses, a visit being charged). Returns
    whether the money is held. A refusal tells the customer and is tried again
    later (``MAX_CHARGE_ATTEMPTS``); still refused at completion, the order
    falls back to the pay page as any order paid after the service. Call
    outside any transaction (the gateway holds no row locks)."""
    now = now or timezone.now()
    claimed = _claim_charge(visit, now)
    if claimed is None:
        return False
    series = Series.objects.select_related("payment_method", "customer").get(
        pk=claimed.series_id
    )
    order = Order.objects.get(pk=claimed.order_id)
    error_code = ""
    try:
        if series.payment_method is None:
            raise DomainError("card_required", _("The series has no saved card."))
        flows.authorise_order(
            order=order, payment_method=usable_token(series.payment_method)
        )
    except DomainError as error:
        error_code = error.code
    with transaction.atomic():
        visit = _lock_visit(claimed)
        visit.charging_since = None
        visit.last_charge_attempt_at = now
        visit.charge_attempts += 1
        if not error_code:
            visit.charged_at = now
            visit.charge_error = ""
        else:
            visit.charge_error = error_code[:40]
            _event(
                "visit_charge_failed",
                series,
                visit=visit.public_id,
                order=order.public_id,
                reason=error_code,
                final=visit.charge_attempts >= MAX_CHARGE_ATTEMPTS or None,
            )
        visit.save(
            update_fields=[
                "charging_since",
                "charged_at",
                "charge_attempts",
                "last_charge_attempt_at",
                "charge_error",
            ]
        )
    return not error_code


def visits_due_for_charge(now: datetime):
    """Booked visits starting within the charge window, not charged, not
    given up on, whose order still lies ahead."""
    return (
        Visit.objects.filter(
            status=VisitStatus.BOOKED,
            charged_at__isnull=True,
            charge_attempts__lt=MAX_CHARGE_ATTEMPTS,
            order__state__in=UPCOMING_STATES,
            order__starts_at__gt=now,
            order__starts_at__lte=now + timedelta(hours=charge_hours_before()),
        )
        .exclude(last_charge_attempt_at__gt=now - CHARGE_RETRY_AFTER)
        .order_by("order__starts_at", "pk")
    )


def charge_due_visits(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: hold the price of each visit due within a day."""
    now = now or timezone.now()
    held = failed = 0
    for visit in list(visits_due_for_charge(now)[:500]):
        if charge_visit(visit=visit, now=now):
            held += 1
        else:
            failed += 1
    return {"held": held, "refused": failed}


# --- The customer's changes ----------------------------------------------------------


def _skip(visit: Visit, *, reason: str, now: datetime) -> bool:
    """Skip ``visit`` (locked by the caller's series lock): its order, if still
    ahead, is cancelled by the system, free (nothing was charged)."""
    visit = _lock_visit(visit)
    if not visit.can_skip():
        return False
    order = visit.order
    if order is not None:
        order.refresh_from_db(fields=["state"])
        if order.state in UPCOMING_STATES:
            apply_transition(
                order_id=order.pk,
                name="cancel",
                user=None,
                system=True,
                data={"reason": f"recurring:{reason}"},
            )
    visit.status = VisitStatus.SKIPPED
    visit.skip_reason = reason
    visit.save(update_fields=["status", "skip_reason"])
    return True


def skip_visit(*, user: User, visit_id: str) -> Visit:
    """The customer skips one visit: its order is cancelled free and it is
    never charged. Raises ``NotFound``, ``PermissionDenied`` (the provider),
    ``Conflict`` ``visit_not_skippable`` (being or already charged, or no
    longer upcoming: cancel the order itself instead)."""
    visit = access_visit(user=user, visit_id=visit_id)
    _as_customer(visit.series, user)
    now = timezone.now()
    with transaction.atomic():
        _lock_series(visit.series)
        if not _skip(visit, reason="skipped", now=now):
            raise Conflict(
                "visit_not_skippable",
                _("This visit can no longer be skipped. Cancel its booking instead."),
            )
        _event("visit_skipped", visit.series, visit=visit.public_id)
    visit.refresh_from_db()
    return visit


def move_visit(*, user: User, visit_id: str, starts_at: datetime) -> RescheduleRequest:
    """The customer asks to move one visit to another free time: the order's
    reschedule (``orders.services.propose_reschedule``), which the provider
    accepts, moving the order and its time claim together."""
    visit = access_visit(user=user, visit_id=visit_id)
    _as_customer(visit.series, user)
    order = visit.order
    if (
        visit.status != VisitStatus.BOOKED
        or order is None
        or not order.can_reschedule()
    ):
        raise Conflict("visit_not_movable", _("This visit cannot be moved now."))
    return propose_reschedule(order=order, user=user, starts_at=starts_at)


def accept_alternative(*, user: User, visit_id: str) -> Visit:
    """The customer takes the other time or provider offered for a visit: it
    is booked as any visit (another provider at their own price). Raises
    ``Conflict`` ``no_open_proposal``, and the booking's refusals (``slot_taken``
    when the time went meanwhile: decline, or wait for the next proposal)."""
    visit = access_visit(user=user, visit_id=visit_id)
    _as_customer(visit.series, user)
    with transaction.atomic():
        series = _lock_series(visit.series)
        visit = _lock_visit(visit)
        if visit.status != VisitStatus.PROPOSED or visit.proposed_listing is None:
            raise Conflict("no_open_proposal", _("There is nothing to answer."))
        if series.status == SeriesStatus.ENDED:
            raise Conflict("series_ended", _("This recurring booking has ended."))
        order = _book(
            series,
            visit,
            listing=visit.proposed_listing,
            starts_at=visit.proposed_starts_at,
        )
        visit.order = order
        visit.status = VisitStatus.BOOKED
        visit.save(update_fields=["order", "status"])
        _event("visit_booked", series, visit=visit.public_id, order=order.public_id)
        visit.order = _accept_under_standing(series, visit, order)
    return visit


def decline_alternative(*, user: User, visit_id: str) -> Visit:
    """The customer declines the alternative: this occurrence is not served
    (and never charged)."""
    visit = access_visit(user=user, visit_id=visit_id)
    _as_customer(visit.series, user)
    with transaction.atomic():
        visit = _lock_visit(visit)
        if visit.status != VisitStatus.PROPOSED:
            raise Conflict("no_open_proposal", _("There is nothing to answer."))
        visit.status = VisitStatus.NOT_SERVED
        visit.skip_reason = "declined"
        visit.save(update_fields=["status", "skip_reason"])
        _event("visit_declined", visit.series, visit=visit.public_id)
    return visit


def _skip_ahead(series: Series, *, reason: str, now: datetime) -> int:
    skipped = 0
    for visit in series.visits.filter(
        status__in=(VisitStatus.BOOKED, VisitStatus.PROPOSED),
        planned_starts_at__gt=now - timedelta(days=4),
    ).select_related("order"):
        if visit.starts_at > now:
            skipped += _skip(visit, reason=reason, now=now)
    return skipped


def pause_series(*, user: User, series_id: str) -> Series:
    """The customer pauses: visits ahead not yet charged are skipped and no
    new ones are booked until they resume. Raises ``Conflict``
    ``series_not_active``."""
    series = access_series(user=user, series_id=series_id)
    _as_customer(series, user)
    now = timezone.now()
    with transaction.atomic():
        series = _lock_series(series)
        if series.status != SeriesStatus.ACTIVE:
            raise Conflict(
                "series_not_active", _("Only an active recurring booking can pause.")
            )
        _skip_ahead(series, reason="paused", now=now)
        series.status = SeriesStatus.PAUSED
        series.status_changed_at = now
        series.save(update_fields=["status", "status_changed_at"])
        _event("series_paused", series)
    return series


def resume_series(*, user: User, series_id: str) -> Series:
    """The customer resumes a paused series: occurrences ahead (those the
    pause skipped too) are booked again from now on."""
    series = access_series(user=user, series_id=series_id)
    _as_customer(series, user)
    now = timezone.now()
    with transaction.atomic():
        series = _lock_series(series)
        if series.status != SeriesStatus.PAUSED:
            raise Conflict(
                "series_not_paused", _("Only a paused recurring booking resumes.")
            )
        # The pause's skips ahead make way for new visits; their cancelled
        # orders stay in the customer's history.
        series.visits.filter(
            status=VisitStatus.SKIPPED, skip_reason="paused", planned_starts_at__gt=now
        ).delete()
        series.status = SeriesStatus.ACTIVE
        series.status_changed_at = now
        series.save(update_fields=["status", "status_changed_at"])
        _event("series_resumed", series)
    plan_series_visits(series=series, now=now)
    return series


def end_series(*, user: User, series_id: str) -> Series:
    """Either side ends the series: visits ahead not yet charged are skipped
    (free); a visit already charged stays booked (cancel its order under the
    usual policy)."""
    series = access_series(user=user, series_id=series_id)
    now = timezone.now()
    with transaction.atomic():
        series = _lock_series(series)
        if series.status == SeriesStatus.ENDED:
            raise Conflict("series_ended", _("This recurring booking has ended."))
        _skip_ahead(series, reason="ended", now=now)
        series.status = SeriesStatus.ENDED
        series.status_changed_at = now
        series.save(update_fields=["status", "status_changed_at"])
        by = "customer" if series.customer_id == user.pk else "provider"
        _event("series_ended", series, reason=by)
    return series


def set_series_card(*, user: User, series_id: str, method_id: str) -> Series:
    """The customer pays the series' visits with another saved card (after a
    refusal, the next charge attempt uses it)."""
    series = access_series(user=user, series_id=series_id)
    _as_customer(series, user)
    method = _method_for(user, method_id)
    with transaction.atomic():
        series = _lock_series(series)
        if series.status == SeriesStatus.ENDED:
            raise Conflict("series_ended", _("This recurring booking has ended."))
        series.payment_method = method
        series.save(update_fields=["payment_method"])
        # A refused visit gets its attempts back with the new card.
        series.visits.filter(status=VisitStatus.BOOKED, charged_at__isnull=True).update(
            charge_attempts=0, last_charge_attempt_at=None
        )
    return series


# --- The provider's word on the series (request-to-book listings) --------------------


def _awaiting_provider(series: Series):
    """The series' visits ahead booked as requests on its own listing: what
    the provider's answer to the series answers too."""
    return series.visits.filter(
        status=VisitStatus.BOOKED,
        order__state=OrderState.REQUESTED,
        order__listing_id=series.listing_id,
    ).select_related("order")


@contextmanager
def _answering(
    *, user: User, series_id: str, allowed: tuple[str, ...], refusal: Conflict
) -> Iterator[Series]:
    """The series as its provider answers it: locked, in a transaction, not
    ended, and in one of the ``allowed`` acceptance states (else ``refusal``)."""
    series = access_series(user=user, series_id=series_id)
    _as_provider(series, user)
    with transaction.atomic():
        series = _lock_series(series)
        if series.status == SeriesStatus.ENDED:
            raise Conflict("series_ended", _("This recurring booking has ended."))
        if series.acceptance not in allowed:
            raise refusal
        yield series


def _not_awaiting() -> Conflict:
    return Conflict(
        "series_not_awaiting_acceptance",
        _("This recurring booking is not waiting for your acceptance."),
    )


def _set_acceptance(series: Series, acceptance: str, now: datetime, *more: str):
    series.acceptance = acceptance
    series.acceptance_changed_at = now
    series.save(update_fields=["acceptance", "acceptance_changed_at", *more])


def accept_series(*, user: User, series_id: str, now: datetime | None = None) -> Series:
    """The provider accepts a series of their request-to-book listing once: a
    standing acceptance. The visits waiting for them are accepted now (their
    own ``accept``, fired as the provider), and every visit booked from now on
    is accepted for them (``accept_standing``, see ``_accept_under_standing``)
    — each still claims its time first, so a usual time that is not free
    becomes a proposal to the customer, as before. Also how a provider who
    withdrew their acceptance gives it again.

    Raises ``NotFound``, ``PermissionDenied`` (the customer), ``Conflict``
    ``series_ended`` or ``series_not_awaiting_acceptance`` (already accepted,
    declined, or an instant-book listing's)."""
    now = now or timezone.now()
    with _answering(
        user=user,
        series_id=series_id,
        allowed=(SeriesAcceptance.PENDING, SeriesAcceptance.WITHDRAWN),
        refusal=_not_awaiting(),
    ) as series:
        _set_acceptance(series, SeriesAcceptance.STANDING, now)
        _event("series_accepted", series)
        for visit in _awaiting_provider(series):
            try:
                apply_transition(
                    order_id=visit.order_id,
                    name="accept",
                    user=user,
                    expected_state=OrderState.REQUESTED,
                )
            except DomainError:
                # Answered meanwhile, or refused by a guard (the cash limit):
                # that visit stays as it is, for the provider to answer.
                continue
    return series


def decline_series(
    *, user: User, series_id: str, now: datetime | None = None
) -> Series:
    """The provider declines a series waiting for their acceptance: the
    visits still waiting are declined (their own ``decline``: the time is
    released, nothing was charged), alternatives on offer lapse, and the
    series ends; the customer is told (``recurring.series_declined``). A visit
    the provider already accepted one by one stays booked: they gave their
    word on it (cancelling it goes through its order).

    Raises ``NotFound``, ``PermissionDenied`` (the customer), ``Conflict``
    ``series_ended`` or ``series_not_awaiting_acceptance`` (an accepted series
    ends with ``end_series``)."""
    now = now or timezone.now()
    with _answering(
        user=user,
        series_id=series_id,
        allowed=(SeriesAcceptance.PENDING,),
        refusal=_not_awaiting(),
    ) as series:
        for visit in _awaiting_provider(series):
            visit = _lock_visit(visit)
            try:
                apply_transition(
                    order_id=visit.order_id,
                    name="decline",
                    user=user,
                    expected_state=OrderState.REQUESTED,
                )
            except DomainError:
                continue  # accepted meanwhile: it stays booked
            visit.status = VisitStatus.NOT_SERVED
            visit.skip_reason = "series_declined"
            visit.save(update_fields=["status", "skip_reason"])
        series.visits.filter(status=VisitStatus.PROPOSED).update(
            status=VisitStatus.NOT_SERVED, skip_reason="series_declined"
        )
        series.status = SeriesStatus.ENDED
        series.status_changed_at = now
        _set_acceptance(
            series, SeriesAcceptance.DECLINED, now, "status", "status_changed_at"
        )
        _event("series_declined", series)
    return series


def withdraw_acceptance(
    *, user: User, series_id: str, now: datetime | None = None
) -> Series:
    """The provider withdraws their standing acceptance: visits already
    accepted stay booked (their word was given on those; cancelling one goes
    through its order, under the usual policy), and each visit booked from
    now on is a request again, to accept or decline one by one. The customer
    is told (``recurring.acceptance_withdrawn``).

    Why requests again rather than pausing the series: the customer did
    nothing wrong, and a pause would quietly stop their regular visits. As
    requests, each usual time is still claimed on the provider's calendar
    and the provider keeps the customer on their own terms (a changing
    schedule, a trial period); if they stop answering, a request expires and
    the customer is offered another time or provider through the proposals
    every series already has. A provider who wants out ends the series.

    Raises ``NotFound``, ``PermissionDenied`` (the customer), ``Conflict``
    ``series_ended`` or ``no_standing_acceptance``."""
    now = now or timezone.now()
    with _answering(
        user=user,
        series_id=series_id,
        allowed=(SeriesAcceptance.STANDING,),
        refusal=Conflict(
            "no_standing_acceptance",
            _("You have not accepted this recurring booking as a whole."),
        ),
    ) as series:
        _set_acceptance(series, SeriesAcceptance.WITHDRAWN, now)
        _event("acceptance_withdrawn", series)
    return series


# --- The price, changed only when both agree -----------------------------------------


def propose_price(*, user: User, series_id: str, price_amount: int) -> PriceChange:
    """The provider proposes a new price per visit; the customer answers.
    Raises ``Conflict`` ``price_change_pending`` or ``series_ended``."""
    series = access_series(user=user, series_id=series_id)
    _as_provider(series, user)
    if not isinstance(price_amount, int) or not 0 < price_amount <= 100_000_000:
        raise _invalid({"price": [_("Give a price above zero.")]})
    now = timezone.now()
    with transaction.atomic():
        series = _lock_series(series)
        if series.status == SeriesStatus.ENDED:
            raise Conflict("series_ended", _("This recurring booking has ended."))
        if series.price_changes.filter(status=PriceChange.Status.PENDING).exists():
            raise Conflict(
                "price_change_pending",
                _("Your last proposal is still waiting for the customer."),
            )
        change = PriceChange.objects.create(
            series=series,
            price_amount=price_amount,
            previous_amount=series.price_amount,
            created_at=now,
        )
        _event(
            "price_proposed",
            series,
            change=change.public_id,
            amount=price_amount,
            currency=series.currency,
        )
    return change


def answer_price(*, user: User, change_id: str, accept: bool) -> PriceChange:
    """The customer accepts (visits booked from now on cost the new price) or
    declines (the price stays) the provider's proposal."""
    change = (
        PriceChange.objects.select_related("series__provider")
        .filter(public_id=str(change_id))
        .first()
    )
    if change is None or (
        change.series.customer_id != user.pk and not _is_provider(user, change.series)
    ):
        raise NotFound("price_change_not_found", _("No such price proposal."))
    _as_customer(change.series, user)
    now = timezone.now()
    with transaction.atomic():
        series = _lock_series(change.series)
        change = PriceChange.objects.select_for_update().get(pk=change.pk)
        if change.status != PriceChange.Status.PENDING:
            raise Conflict(
                "price_change_answered", _("This proposal was already answered.")
            )
        change.status = (
            PriceChange.Status.ACCEPTED if accept else PriceChange.Status.DECLINED
        )
        change.answered_at = now
        change.save(update_fields=["status", "answered_at"])
        if accept:
            series.price_amount = change.price_amount
            series.save(update_fields=["price_amount"])
        _event(
            "price_accepted" if accept else "price_declined",
            series,
            change=change.public_id,
            amount=change.price_amount,
            currency=series.currency,
        )
    return change
