"""Reads for the worker's phone (``/work/`` and ``/api/v1/work/``): the jobs a
person does themselves and the offers waiting for their answer.

"Their own" is narrow on purpose: an agency staff member's jobs are the orders
they were sent to (``Order.staff``); an independent provider's are their
provider profile's orders without a staff member. An agency's owner or manager
sees the agency's other jobs on the agency pages, never here.
"""

from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import NotFound
from doorstep.core.geo import distance_km
from doorstep.core.money import Money
from doorstep.dispatch.candidates import departures
from doorstep.dispatch.models import Offer
from doorstep.dispatch.queries import workers_of
from doorstep.orders import queries as order_queries
from doorstep.orders.models import Order
from doorstep.orders.process import Transition
from doorstep.orders.states import SCHEDULED_STATES, UNPAID_STATES
from doorstep.payments.queries import order_money

# The job's forward steps, in the order a worker meets them: the one button
# each job card shows (cancellations and no-show reports live on the job page).
FORWARD_STEPS = ("depart", "start", "deliver")
# Steps that need more than a tap (the customer's code, photos): the job page.
STEPS_WITH_FORMS = frozenset({"start", "deliver"})


def _own_jobs(user: User) -> Q:
    return Q(staff__user=user) | Q(provider__user=user, staff__isnull=True)


def own_jobs(user: User) -> QuerySet[Order]:
    """Every paid order ``user`` works themselves, any state."""
    return (
        Order.objects.filter(_own_jobs(user))
        .exclude(state__in=UNPAID_STATES)
        .select_related("customer", "provider__user", "staff", "listing")
    )


def access_job(user: User, order_id: str) -> Order:
    """The one access check of the phone's job pages: the order if ``user``
    works it themselves; ``NotFound`` ``order_not_found`` otherwise (also for a
    manager of the worker's agency, and for the customer)."""
    order = own_jobs(user).filter(public_id=order_id).first()
    if order is None:
        raise NotFound("order_not_found", _("No such order."))
    return order


def zone_of(order: Order) -> ZoneInfo:
    try:
        return ZoneInfo(order.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def map_links(latitude: float, longitude: float) -> dict[str, str]:
    """Links that open the job's place in the phone's map app (``geo:``) or on
    OpenStreetMap's site; built here, nothing fetched."""
    lat, lng = f"{latitude:.6f}", f"{longitude:.6f}"
    query = urlencode({"mlat": lat, "mlon": lng})
    return {
        "geo": f"geo:{lat},{lng}?q={lat},{lng}",
        "osm": f"https://www.openstreetmap.org/?{query}#map=17/{lat}/{lng}",
    }


@dataclass(frozen=True)
class JobCard:
    order: Order
    local_starts_at: datetime
    local_ends_at: datetime
    customer_name: str
    address: str
    notes: str
    map: dict[str, str]
    next_step: Transition | None
    # The job page does this step (a code or photos to give), not a bare button.
    next_step_needs_page: bool
    # When to set off for a job booked for a time, in the job's zone
    # (``candidates.departures``); None: as soon as possible, or already left.
    local_leave_by: datetime | None = None

    @property
    def public_id(self) -> str:
        return self.order.public_id


_UNSET = object()


def job_card(
    order: Order,
    user: User,
    *,
    now: datetime | None = None,
    leave_by: datetime | object | None = _UNSET,
) -> JobCard:
    """The job as the worker's phone shows it. ``leave_by`` when already known
    (``my_jobs`` reads every job's at once); read here otherwise."""
    zone = zone_of(order)
    if leave_by is _UNSET:
        departure = departures([order]).get(order.pk)
        leave_by = departure.leave_by if departure else None
    steps = {
        step.name: step
        for step in order_queries.party_transitions(order, user, now=now)
    }
    next_step = next((steps[name] for name in FORWARD_STEPS if name in steps), None)
    return JobCard(
        order=order,
        local_starts_at=order.starts_at.astimezone(zone),
        local_ends_at=order.ends_at.astimezone(zone),
        customer_name=order.customer.get_short_name(),
        address=order_queries.address_for(order, user),
        notes=order_queries.notes_for(order, user),
        map=map_links(order.latitude, order.longitude),
        next_step=next_step,
        next_step_needs_page=next_step is not None
        and next_step.name in STEPS_WITH_FORMS,
        local_leave_by=leave_by.astimezone(zone) if leave_by else None,
    )


@dataclass(frozen=True)
class WorkDays:
    # Today's jobs (in each job's own zone), and jobs still open from before.
    today: list[JobCard]
    upcoming: list[JobCard]


def my_jobs(user: User, *, now: datetime | None = None, limit: int = 100) -> WorkDays:
    """``user``'s booked jobs not yet finished, in time order: today's (each in
    its own time zone; a job left open from an earlier day counts as today's)
    and the next days'."""
    now = now or timezone.now()
    orders = own_jobs(user).filter(state__in=SCHEDULED_STATES).order_by("starts_at")
    today: list[JobCard] = []
    upcoming: list[JobCard] = []
    orders = list(orders[:limit])
    leaving = departures(orders)
    for order in orders:
        departure = leaving.get(order.pk)
        card = job_card(
            order, user, now=now, leave_by=departure.leave_by if departure else None
        )
        local_today: date = now.astimezone(zone_of(order)).date()
        (today if card.local_starts_at.date() <= local_today else upcoming).append(card)
    return WorkDays(today=today, upcoming=upcoming)


@dataclass(frozen=True)
class OfferCard:
    """What a worker sees of a job before taking it: what, roughly where, what
    they earn, how far, and how long they have. Not the address, not the
    customer: those come with the job."""

    offer: Offer
    service: str
    area: str
    distance_km: float
    pay: Money
    travel_minutes: int | None
    is_asap: bool
    local_starts_at: datetime
    expires_at: datetime
    seconds_left: int

    @property
    def public_id(self) -> str:
        return self.offer.public_id


def pending_offers(user: User, *, now: datetime | None = None) -> QuerySet[Offer]:
    now = now or timezone.now()
    return (
        Offer.objects.filter(
            worker__in=workers_of(user),
            status=Offer.Status.PENDING,
            expires_at__gt=now,
        )
        .select_related("job__order", "job__service", "job__city", "worker")
        .order_by("expires_at")
    )


def offer_card(offer: Offer, *, now: datetime | None = None) -> OfferCard:
    now = now or timezone.now()
    job, order = offer.job, offer.job.order
    distance = distance_km(*offer.worker.position, order.latitude, order.longitude)
    return OfferCard(
        offer=offer,
        service=str(job.service),
        area=job.city.name if job.city else "",
        # Rounded to the half kilometre: close enough to decide, not a pin.
        distance_km=max(round(distance * 2) / 2, 0.5),
        # The order page's own figure: price less the commission it pays.
        pay=Money(order_money(order).expected_earnings, order.currency),
        travel_minutes=offer.travel_minutes,
        is_asap=job.is_asap,
        local_starts_at=order.starts_at.astimezone(zone_of(order)),
        expires_at=offer.expires_at,
        seconds_left=max(int((offer.expires_at - now).total_seconds()), 0),
    )


def my_offers(user: User, *, now: datetime | None = None) -> list[OfferCard]:
    """The offers waiting for ``user``'s answer, the soonest to run out first."""
    now = now or timezone.now()
    return [offer_card(offer, now=now) for offer in pending_offers(user, now=now)]
