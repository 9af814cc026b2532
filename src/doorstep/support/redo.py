"""A free redo: the provider comes back to put a job right, as a new order of
its own — the same listing, provider (and staff member), address and length,
at a time that is free on their calendar, for nothing.

The redo enters the order process like any booking: it is created waiting for
payment, with its own claim on the provider's time (the database refuses an
overlap, as for every order), and the system books it at once through the
process's ``book_redo`` transition, whose guard lets only a zero-price order
linked to the one it redoes skip the payment. From there it is departed,
started with the start code, delivered and completed as usual; its completion
releases nothing, because nothing was paid.

Used by warranty claims (the provider's offer, accepted by the customer, or an
ops decision) and by disputes (a "free redo" outcome)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import Conflict, DomainError
from doorstep.orders.engine import apply_transition, roles_of, start_order
from doorstep.orders.models import Order, OrderLine
from doorstep.orders.process import Actor
from doorstep.orders.services import booked_extra_minutes
from doorstep.orders.states import OrderState
from doorstep.scheduling.services import claim_time
from doorstep.scheduling.slots import find_claimable

# The original was served (a redo of a job never done makes no sense).
REDOABLE_STATES = frozenset(
    {
        OrderState.DELIVERED,
        OrderState.COMPLETED,
        OrderState.DISPUTED,
        OrderState.REFUNDED,
    }
)
REASON_MAX = 200


def local_time(text: str, zone: str) -> datetime | None:
    """A redo time typed in a ``datetime-local`` field, read in the order's
    time zone (where the job is done); ``None`` when it is not a time."""
    try:
        naive = datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    if timezone.is_aware(naive):
        return naive
    return naive.replace(tzinfo=ZoneInfo(zone or "UTC"))


def _actor_of(user: User, order: Order) -> Actor:
    roles = roles_of(user, order)
    for actor in (Actor.CUSTOMER, Actor.PROVIDER):
        if actor in roles:
            return actor
    return Actor.OPS


def check_redo_time(
    *, order: Order, starts_at: datetime, now: datetime | None = None
) -> tuple[datetime, datetime, tuple[int, ...]]:
    """The span a redo of ``order`` at ``starts_at`` would claim and the
    calendars it is free on, by the rules of a new booking (availability,
    notice, buffers, the day's limit). Raises what ``find_claimable`` raises
    (``slot_taken``, ``in_past``, ``day_off``…) and ``DomainError``
    ``listing_unavailable`` for an order with no listing to redo."""
    if order.listing_id is None or order.provider_id is None:
        raise DomainError(
            "listing_unavailable",
            _("This service cannot be redone by booking: our team will help."),
        )
    claimable = find_claimable(
        listing=order.listing,
        starts_at=starts_at,
        hours=order.hours,
        extra_minutes=booked_extra_minutes(order),
        now=now or timezone.now(),
        staff=order.staff,
    )
    return claimable.starts_at, claimable.ends_at, claimable.staff_keys


@transaction.atomic
def book_redo(
    *,
    order: Order,
    starts_at: datetime,
    by: User,
    reason: str,
    now: datetime | None = None,
) -> Order:
    """Book a free redo of ``order`` at ``starts_at`` (see the module
    docstring), decided by ``by`` (the customer accepting an offer, or ops)
    for ``reason`` (recorded on the new order's first event). Returns the new
    order, accepted. All in one transaction: nothing is written when it
    raises ``Conflict`` ``slot_taken`` / ``illegal_transition`` (the original
    was not served) or what ``check_redo_time`` raises."""
    now = now or timezone.now()
    order = Order.objects.select_related("listing", "provider", "staff").get(
        pk=order.pk
    )
    if order.state not in REDOABLE_STATES:
        raise Conflict(
            "illegal_transition",
            _("This order cannot do that now (it is %(state)s).")
            % {"state": order.state_label},
        )
    claim_start, claim_end, staff_keys = check_redo_time(
        order=order, starts_at=starts_at, now=now
    )
    start = starts_at.astimezone(UTC)
    redo = Order.objects.create(
        mode=order.mode,
        state=OrderState.AWAITING_PAYMENT,
        state_changed_at=now,
        customer=order.customer,
        provider=order.provider,
        staff=order.staff,
        listing=order.listing,
        title=order.title,
        starts_at=start,
        ends_at=start + timedelta(minutes=order.duration_minutes),
        time_zone=order.time_zone,
        address=order.address,
        latitude=order.latitude,
        longitude=order.longitude,
        notes=order.notes,
        currency=order.currency,
        subtotal_amount=0,
        total_amount=0,
        hours=order.hours,
        redo_of=order,
    )
    OrderLine.objects.create(
        order=redo,
        kind=OrderLine.Kind.SERVICE,
        description=(_("Free redo: %(title)s") % {"title": order.title})[:200],
        unit_amount=0,
        amount=0,
    )
    key = order.staff_id or (staff_keys[0] if staff_keys else 0)
    claim = claim_time(
        provider=order.provider,
        starts_at=claim_start,
        ends_at=claim_end,
        staff_key=key,
        order=redo,
    )
    if claim.staff_key and redo.staff_id != claim.staff_key:
        redo.staff_id = claim.staff_key
        redo.save(update_fields=["staff"])
    start_order(
        redo,
        user=by,
        actor=_actor_of(by, order),
        data={"redo_of": order.public_id, "reason": (reason or "")[:REASON_MAX]},
    )
    return apply_transition(
        order_id=redo.pk,
        name="book_redo",
        user=None,
        system=True,
        data={"redo_of": order.public_id},
        expected_state=OrderState.AWAITING_PAYMENT,
    )
