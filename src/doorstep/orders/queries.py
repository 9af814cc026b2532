"""Reads of orders, each with the caller's right to see them built in.

Customer and provider screens and the API see the orders a person is a party to;
the back office (``ops_*``) sees every order and is reached only through
``backoffice.access.can_use_back_office``.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, StaffMember, User
from doorstep.catalog.models import Listing
from doorstep.catalog.queries import published_listing
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.money import Money
from doorstep.messaging.masking import mask_contact_details
from doorstep.orders.engine import allowed_transitions, roles_of
from doorstep.orders.models import BuyingMode, Order, OrderEvent, RescheduleRequest
from doorstep.orders.pricing import PriceBreakdown, chosen_add_ons, price_booking
from doorstep.orders.process import Actor, Transition, TransitionContext
from doorstep.orders.processes import process_for
from doorstep.orders.processes.book_provider import (
    cancellation_fee_for,
    paid_in_cash,
    start_time_has_passed,
    start_window_has_opened,
)
from doorstep.orders.states import (
    CONTACT_ALLOWED_STATES,
    SCHEDULED_STATES,
    UNPAID_STATES,
    OrderState,
)
from doorstep.payments.after_service import with_payment_status
from doorstep.scheduling.queries import provider_zone
from doorstep.scheduling.slots import job_minutes, serving_staff


def _terminal_condition() -> Q:
    """Orders in a state their process ends in, whatever the mode."""
    condition = Q(pk__in=[])
    for mode in BuyingMode.values:
        try:
            process = process_for(mode)
        except KeyError:  # a buying mode whose process is not written yet
            continue
        terminal = [state.name for state in process.states if state.terminal]
        condition |= Q(mode=mode, state__in=terminal)
    return condition


def _open(queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.exclude(_terminal_condition())


def _closed(queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.filter(_terminal_condition())


def _with_parties(queryset: QuerySet[Order]) -> QuerySet[Order]:
    return queryset.select_related("customer", "provider__user", "listing", "staff")


def _as_provider(user: User) -> Q:
    """The orders ``user`` works on the provider's side once paid for: as the
    provider, as the agency staff member sent, or as a manager of that staff
    member's agency (``engine.roles_of`` gives each the provider's role). An
    order waiting for payment (or lapsed unpaid) is none of their business."""
    managed = StaffMember.objects.filter(
        user=user, is_active=True, role__in=StaffMember.MANAGING_ROLES
    ).values("agency_id")
    works = Q(provider__user=user) | Q(staff__user=user)
    works |= Q(staff__agency_id__in=managed)
    return works & ~Q(state__in=UNPAID_STATES)


def _as_party(user: User) -> Q:
    """The customer's orders, and those ``user`` works on (``_as_provider``)."""
    return Q(customer=user) | _as_provider(user)


def party_orders(user: User) -> QuerySet[Order]:
    """Every order ``user`` is the customer or the provider of."""
    return _with_parties(Order.objects.filter(_as_party(user)))


def access_order(user: User, order_id: str, *, as_role: Actor | None = None) -> Order:
    """The one access check for an order outside the back office: the order
    ``order_id`` if ``user`` is a party to it — as ``as_role`` (``Actor.CUSTOMER``
    or ``Actor.PROVIDER``) when given, as either otherwise. A provider does not
    see an order until it is paid for.

    Raises ``NotFound`` for anyone else, also for orders that exist: a stranger
    learns nothing. Being staff grants nothing here; ops reach other people's
    orders only through the back office (``ops_order``, behind
    ``backoffice.access.can_use_back_office``)."""
    as_provider = _as_provider(user)
    if as_role == Actor.CUSTOMER:
        parties = Q(customer=user)
    elif as_role == Actor.PROVIDER:
        parties = as_provider
    elif as_role is None:
        parties = _as_party(user)
    else:
        raise ValueError(f"access_order is for parties, not {as_role}")
    order = _with_parties(
        Order.objects.filter(parties, public_id=order_id).select_related(
            "listing__category"
        )
    ).first()
    if order is None:
        raise NotFound("order_not_found", _("No such order."))
    return order


def ops_order(public_id: str) -> Order:
    order = _with_parties(Order.objects.filter(public_id=public_id)).first()
    if order is None:
        raise NotFound("order_not_found", _("No such order."))
    return order


def api_orders(user: User, *, role: str | None, state: str | None) -> QuerySet[Order]:
    """The caller's orders as customer, as provider, or both (``role=None``),
    with everything the API's order shows (parties, lines, taxes, payment
    status) fetched in a fixed number of queries, however many orders."""
    if role == Actor.CUSTOMER:
        queryset = Order.objects.filter(customer=user)
    elif role == Actor.PROVIDER:
        queryset = Order.objects.filter(_as_provider(user))
    else:
        queryset = Order.objects.filter(_as_party(user))
    if state:
        queryset = queryset.filter(state=state)
    queryset = with_payment_status(queryset.prefetch_related("lines", "taxes"))
    return _with_parties(queryset)


@dataclass(frozen=True)
class CustomerOrders:
    upcoming: list[Order]
    past: list[Order]
    # Booked but not paid for yet: the payment can still be completed.
    unpaid: list[Order]


def customer_orders(user: User, *, limit: int = 100) -> CustomerOrders:
    """The customer's bookings still in progress (soonest first) and finished
    ones (latest first), and apart from them the orders whose payment is not
    completed yet. An order that lapsed unpaid was never a booking: not listed
    (as Airbnb and TaskRabbit drop an unfinished checkout)."""
    orders = _with_parties(Order.objects.filter(customer=user))
    mine = orders.exclude(state__in=UNPAID_STATES)
    return CustomerOrders(
        upcoming=list(_open(mine).order_by("starts_at")[:limit]),
        past=list(_closed(mine).order_by("-starts_at")[:limit]),
        unpaid=list(
            orders.filter(state=OrderState.AWAITING_PAYMENT).order_by("-created_at")[
                :limit
            ]
        ),
    )


@dataclass(frozen=True)
class ProviderInbox:
    requests: list[Order]
    today: list[Order]
    upcoming: list[Order]
    time_zone: str


def provider_inbox(
    provider: ProviderProfile, *, now: datetime | None = None, limit: int = 100
) -> ProviderInbox:
    """Requests waiting for the provider's answer (most urgent first), today's
    jobs (in the provider's zone) and the ones after today."""
    now = now or timezone.now()
    zone = provider_zone(provider)
    today = now.astimezone(zone).date()
    day_start = timezone.make_aware(datetime.combine(today, datetime.min.time()), zone)
    day_end = timezone.make_aware(
        datetime.combine(today + timedelta(days=1), datetime.min.time()), zone
    )
    mine = _with_parties(Order.objects.filter(provider=provider))
    scheduled = mine.filter(state__in=SCHEDULED_STATES)
    return ProviderInbox(
        requests=list(
            mine.filter(state=OrderState.REQUESTED).order_by("respond_by")[:limit]
        ),
        today=list(
            scheduled.filter(starts_at__gte=day_start, starts_at__lt=day_end).order_by(
                "starts_at"
            )[:limit]
        ),
        upcoming=list(
            mine.filter(state=OrderState.ACCEPTED, starts_at__gte=day_end).order_by(
                "starts_at"
            )[:limit]
        ),
        time_zone=str(zone),
    )


def ops_orders(*, state: str = "", search: str = "") -> QuerySet[Order]:
    """Every order, newest first, filtered by state and by order id or a
    party's e-mail."""
    queryset = _with_parties(Order.objects.all()).order_by("-created_at", "-pk")
    if state:
        queryset = queryset.filter(state=state)
    if search:
        queryset = queryset.filter(
            Q(public_id=search)
            | Q(customer__email__iexact=search)
            | Q(provider__user__email__iexact=search)
        )
    return queryset


def timeline(order: Order) -> list[OrderEvent]:
    return list(order.events.select_related("actor_user"))


# Guards that only read: a transition they refuse is not offered (a no-show
# report too early, a start before its window, "cash received" on an order
# paid by card).
_TIME_GUARDS = (start_time_has_passed, start_window_has_opened, paid_in_cash)


def notes_for_provider(order: Order) -> str:
    """The booking notes as the provider may read them: until the deal is
    confirmed, contact details are masked as in messages, so a phone number in
    the notes cannot take the deal off the platform."""
    if not order.notes or order.state in CONTACT_ALLOWED_STATES:
        return order.notes
    return mask_contact_details(order.notes).text


def address_for_provider(order: Order) -> str:
    """The address as the provider may read it: a phone number or a handle
    typed into it is masked until the deal is confirmed, like the notes."""
    if not order.address or order.state in CONTACT_ALLOWED_STATES:
        return order.address
    return mask_contact_details(order.address).text


def address_for(
    order: Order, user: User | None, *, roles: set[Actor] | None = None
) -> str:
    """The address as ``user`` may read it (see ``notes_for``)."""
    if roles is None:
        roles = roles_of(user, order)
    if Actor.CUSTOMER in roles or (Actor.OPS in roles and Actor.PROVIDER not in roles):
        return order.address
    return address_for_provider(order)


def notes_for(
    order: Order, user: User | None, *, roles: set[Actor] | None = None
) -> str:
    """The booking notes as ``user`` may read them (the customer wrote them and
    ops see everything; the provider reads them masked before acceptance).
    ``roles``: ``roles_of(user, order)``, when the caller has it already."""
    if roles is None:
        roles = roles_of(user, order)
    if Actor.CUSTOMER in roles or (Actor.OPS in roles and Actor.PROVIDER not in roles):
        return order.notes
    return notes_for_provider(order)


def _too_early(order: Order, transition: Transition, now: datetime) -> bool:
    """A no-show report before the start time (plus grace), or a start before
    its window, would be refused: do not offer it yet. Uses the process's own
    guards, which only read."""
    context = TransitionContext(actor=Actor.SYSTEM, user=None, now=now)
    for guard in _TIME_GUARDS:
        if guard not in transition.guards:
            continue
        try:
            guard(order, context)
        except DomainError:
            return True
    return False


def party_transitions(
    order: Order, user: User | None, *, now: datetime | None = None
) -> list[Transition]:
    """What ``user`` may do to the order now, as a party (ops powers are for
    the back office). Reports that only become possible later are left out."""
    roles = roles_of(user, order) - {Actor.OPS}
    now = now or timezone.now()
    return [
        transition
        for transition in allowed_transitions(order, user)
        if transition.actors & roles and not _too_early(order, transition, now)
    ]


def ops_transitions(order: Order, user: User) -> list[Transition]:
    """What ops may do to the order now, from the back office."""
    return [
        transition
        for transition in order.process.transitions_from(order.state)
        if Actor.OPS in transition.actors
    ]


def cancellation_fee_preview(
    order: Order, user: User, *, now: datetime | None = None
) -> Money:
    """What cancelling now would cost ``user`` (the fee the engine will charge)."""
    roles = roles_of(user, order) - {Actor.OPS}
    actor = Actor.CUSTOMER if Actor.CUSTOMER in roles else Actor.PROVIDER
    fee = cancellation_fee_for(
        order, actor=actor, from_state=order.state, now=now or timezone.now()
    )
    return Money(fee, order.currency)


def pending_reschedule(order: Order) -> RescheduleRequest | None:
    if not order.can_reschedule():
        return None
    return order.reschedule_requests.filter(
        status=RescheduleRequest.Status.PENDING
    ).first()


def role_on(
    order: Order, user: User, *, roles: set[Actor] | None = None
) -> Actor | None:
    """The party ``user`` is on the order, if any."""
    if roles is None:
        roles = roles_of(user, order)
    if Actor.CUSTOMER in roles:
        return Actor.CUSTOMER
    if Actor.PROVIDER in roles:
        return Actor.PROVIDER
    return None


def version_of(order: Order) -> str:
    """Changes whenever anything on the order page could: the state, a new
    event (a reschedule keeps the state), an extra charge proposed or answered.
    Polling compares it."""
    count = order.events.count()
    extras = list(order.extra_charges.values_list("status", flat=True))
    version = f"{order.state}.{count}.{len(extras)}-{extras.count('proposed')}"
    if order.mode == BuyingMode.DISPATCH:
        # While the platform looks for a worker the state stands still; each
        # offer made and an escalation change the page.
        offers, escalated = (
            Order.objects.filter(pk=order.pk)
            .values_list("dispatch_job__offers_made", "dispatch_job__escalated_at")
            .get()
        )
        version += f".{offers}{'!' if escalated else ''}"
    return version


def price_preview(
    *, listing_id: str, hours: int | None, add_on_ids: Sequence[str]
) -> tuple[PriceBreakdown, int]:
    """What booking a published listing costs with these hours and add-ons (the
    breakdown ``place_order`` would store), and how long the job takes. Raises
    ``NotFound`` ``listing_not_found``, ``DomainError`` ``quote_only``,
    ``wrong_duration`` (422) or ``unknown_add_on`` (400)."""
    listing = published_listing(listing_id)
    add_ons = chosen_add_ons(listing, add_on_ids)
    breakdown = price_booking(listing=listing, hours=hours, add_ons=add_ons)
    minutes = job_minutes(
        listing=listing, hours=hours, extra_minutes=breakdown.extra_minutes
    )
    return breakdown, minutes


# --- An agency's staff on a listing ----------------------------------------------


@dataclass(frozen=True)
class StaffCard:
    """What a customer sees of a staff member who serves a listing."""

    public_id: str
    display_name: str
    initials: str
    photo_url: str
    languages: list[str]
    rating: float | None
    review_count: int


def _initials(name: str) -> str:
    words = name.split()
    if len(words) > 1:
        return (words[0][0] + words[-1][0]).upper()
    return name[:2].upper() if name.isascii() else name[:1]


def listing_staff(listing: Listing) -> list[StaffCard]:
    """The staff who serve ``listing`` (``scheduling.slots.serving_staff``) with
    their rating: the mean stars of the public customer reviews of the orders
    they did. Empty for an individual provider's listing (no query then)."""
    from doorstep.reviews.models import Direction

    staff = serving_staff(listing)
    if not staff:
        return []
    ratings = {
        row["staff"]: row
        for row in Order.objects.filter(
            staff__in=staff,
            reviews__direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
            reviews__revealed_at__isnull=False,
            reviews__hidden_at__isnull=True,
        )
        .values("staff")
        .annotate(rating=Avg("reviews__stars"), count=Count("reviews"))
    }
    cards = []
    for member in staff:
        row = ratings.get(member.pk, {})
        photo = getattr(member, "photo", None)  # the agency part may add one
        cards.append(
            StaffCard(
                public_id=member.public_id,
                display_name=member.display_name,
                initials=_initials(member.display_name),
                photo_url=photo.url if photo else "",
                languages=list(member.languages or []),
                rating=round(row["rating"], 1) if row.get("rating") else None,
                review_count=row.get("count", 0),
            )
        )
    return cards


def repeat_booking_choices(*, customer: User, order_id: str, listing: Listing) -> dict:
    """What "Book again" fills the booking form with from one of ``customer``'s
    past orders of ``listing``: the hours, the add-ons still offered (by name),
    the staff member if they still serve it, the address and the notes. The
    customer still picks a time and books through ``place_order``; an order
    that is not theirs (or of another listing) fills nothing."""
    order = (
        Order.objects.filter(customer=customer, public_id=order_id, listing=listing)
        .select_related("staff")
        .prefetch_related("lines")
        .first()
    )
    if order is None:
        return {}
    names = {
        line.description for line in order.lines.all() if line.kind == line.Kind.ADD_ON
    }
    choices = {
        "address": order.address,
        "latitude": order.latitude,
        "longitude": order.longitude,
        "notes": order.notes,
        "add_ons": [a.public_id for a in listing.add_ons.all() if a.name in names],
    }
    if order.hours:
        choices["hours"] = order.hours
    serving = {member.pk for member in serving_staff(listing)}
    if order.staff_id and order.staff_id in serving:
        choices["staff"] = order.staff.public_id
    return choices
