"""Every write of orders: booking a listing (and holding a slot first), firing a
transition with what it carries (a start code, delivery photos), and moving an
order to another time.

State changes go through ``orders.engine.apply_transition`` only; this module adds
what happens around them — the booking that creates an order, the photos stored
with a delivery, the reschedule that moves the time claim. The database keeps the
provider's time from being double-booked (``scheduling.services.claim_time``);
``scheduling.slots.check_bookable`` explains, first, why a time cannot be booked.
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import StaffMember, User
from doorstep.catalog.models import Listing, PricingModel
from doorstep.catalog.photos import process_photos
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.core.geo import distance_km
from doorstep.core.ids import new_public_id
from doorstep.events.services import record_event
from doorstep.orders.engine import apply_transition, rearm_timers, roles_of, start_order
from doorstep.orders.locks import lock_order
from doorstep.orders.models import (
    BuyingMode,
    Order,
    OrderEvent,
    OrderPhoto,
    RescheduleRequest,
)
from doorstep.orders.pricing import (
    PriceBreakdown,
    chosen_add_ons,
    price_booking,
    save_lines,
)
from doorstep.orders.process import Actor
from doorstep.orders.processes.book_provider import (
    is_late_change,
    policy_fee,
)
from doorstep.orders.states import OrderState
from doorstep.payments.gateways.base import IntentResult
from doorstep.scheduling.models import TimeClaim
from doorstep.scheduling.queries import policy_for, provider_zone
from doorstep.scheduling.services import (
    claim_time,
    convert_hold,
    hold_time,
    release_order_time,
)
from doorstep.scheduling.slots import (
    Claimable,
    check_bookable,
    check_listing_bookable,
    chosen_staff,
    find_claimable,
    job_minutes,
)

MAX_DELIVERY_PHOTOS = 6
MAX_ADDRESS_LENGTH = 255
MAX_NOTES_LENGTH = 2000
MAX_REASON_LENGTH = 1000
# What a client may send along with a transition; anything else is dropped so the
# order's history holds only what the process understands.
TRANSITION_DATA_KEYS = {"start_code": 10, "reason": MAX_REASON_LENGTH}


def _invalid(fields: dict[str, list[str]]) -> DomainError:
    return DomainError(
        "invalid_input", _("Some fields are not valid."), status=400, fields=fields
    )


# --- Booking ----------------------------------------------------------------------


def _bookable_listing(listing_id: str, customer: User) -> Listing:
    """The listing a customer may book, or the reason they may not."""
    listing = (
        Listing.objects.select_related("provider").filter(public_id=listing_id).first()
    )
    if listing is None:
        raise NotFound("listing_not_found", _("No such service."))
    check_listing_bookable(listing)
    if listing.provider.user_id == customer.pk:
        raise DomainError("own_listing", _("You cannot book your own service."))
    return listing


def _hours_for(listing: Listing, hours: int | None) -> int | None:
    if listing.pricing_model != PricingModel.HOURLY:
        return hours  # the scheduler refuses hours on a fixed-length job
    return listing.min_hours if hours is None else hours


def _priced(
    listing: Listing, hours: int | None, add_on_ids: Sequence[str]
) -> PriceBreakdown:
    return price_booking(
        listing=listing,
        hours=_hours_for(listing, hours),
        add_ons=chosen_add_ons(listing, add_on_ids),
    )


def _check_place(
    listing: Listing, *, address: str, latitude: float, longitude: float, notes: str
) -> None:
    errors: dict[str, list[str]] = {}
    if not address:
        errors["address"] = [_("Tell the provider where to come.")]
    elif len(address) > MAX_ADDRESS_LENGTH:
        errors["address"] = [_("Keep the address under 255 characters.")]
    if not -90 <= latitude <= 90:
        errors["latitude"] = [_("Place the pin on the map.")]
    if not -180 <= longitude <= 180:
        errors["longitude"] = [_("Place the pin on the map.")]
    if len(notes) > MAX_NOTES_LENGTH:
        errors["notes"] = [_("Keep the notes under 2,000 characters.")]
    if errors:
        raise _invalid(errors)
    distance = distance_km(listing.latitude, listing.longitude, latitude, longitude)
    if distance > float(listing.service_radius_km):
        message = _(
            "This address is outside the provider's service area "
            "(%(radius)s km around their base)."
        ) % {"radius": f"{listing.service_radius_km:g}"}
        raise DomainError(
            "outside_service_area", message, fields={"address": [message]}
        )


def _claim_span(
    listing: Listing, starts_at: datetime, minutes: int
) -> tuple[datetime, datetime]:
    """The span a job of ``minutes`` at ``starts_at`` claims, buffers included
    (what ``check_bookable`` returns when nothing is in the way)."""
    policy = policy_for(listing.provider)
    start = starts_at.astimezone(UTC)
    return (
        start - timedelta(minutes=policy.buffer_before_minutes),
        start + timedelta(minutes=minutes + policy.buffer_after_minutes),
    )


def _check_time(
    listing: Listing,
    starts_at: datetime,
    *,
    hours: int | None,
    extra_minutes: int,
    now: datetime,
    holding: bool,
    staff: StaffMember | None,
) -> Claimable:
    """``find_claimable``'s answer. With a hold, the hold itself makes the slot
    look taken (and may fill the day): those refusals are left to the
    conversion, which proves the hold covers exactly this span (on the held
    calendar)."""
    try:
        return find_claimable(
            listing=listing,
            starts_at=starts_at,
            hours=hours,
            extra_minutes=extra_minutes,
            now=now,
            staff=staff,
        )
    except DomainError as error:
        if not holding or error.code not in {"slot_taken", "fully_booked_day"}:
            raise
    minutes = job_minutes(listing=listing, hours=hours, extra_minutes=extra_minutes)
    claim_start, claim_end = _claim_span(listing, starts_at, minutes)
    return Claimable(starts_at=claim_start, ends_at=claim_end, staff_keys=())


def _claim_first_free(
    *,
    listing: Listing,
    claimable: Claimable,
    claim: Any,
) -> TimeClaim:
    """Claim ``claimable``'s span on the first of its calendars the database
    lets us have: under a race for "any" staff, the loser of one calendar gets
    the next free one. Raises ``Conflict`` ``slot_taken`` when none is left."""
    keys = claimable.staff_keys or (0,)
    for key in keys[:-1]:
        try:
            return claim(
                provider=listing.provider,
                starts_at=claimable.starts_at,
                ends_at=claimable.ends_at,
                staff_key=key,
            )
        except Conflict:
            continue
    return claim(
        provider=listing.provider,
        starts_at=claimable.starts_at,
        ends_at=claimable.ends_at,
        staff_key=keys[-1],
    )


def _fingerprint(**parameters: Any) -> str:
    canonical = json.dumps(parameters, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(order: Order, fingerprint: str) -> Order:
    if order.request_fingerprint != fingerprint:
        raise DomainError(
            "idempotency_mismatch",
            _(
                "This Idempotency-Key was already used for a different booking. "
                "Send a new key for a new booking."
            ),
        )
    order.replayed = True
    return order


def _order_with_key(customer: User, key: str) -> Order | None:
    if not key:
        return None
    return Order.objects.filter(customer=customer, idempotency_key=key).first()


def place_order(
    *,
    customer: User,
    listing_id: str,
    starts_at: datetime,
    hours: int | None = None,
    add_on_ids: Sequence[str] = (),
    address: str,
    latitude: float,
    longitude: float,
    notes: str = "",
    idempotency_key: str = "",
    hold_token: str = "",
    staff_id: str = "",
    payment_timing: str = "",
    agreed_price: PriceBreakdown | None = None,
) -> Order:
    """Book ``listing_id`` at ``starts_at`` for ``customer``: price it, claim the
    provider's time (or convert the customer's hold on it), create the order in
    ``awaiting_payment`` and start its process: the time is held for
    ``DOORSTEP_PAYMENT_WINDOW_MINUTES`` while the customer pays
    (``start_order_payment``); paid, the provider is asked (or, for an
    instant-book listing, it is booked); unpaid, it lapses. All in one
    transaction; nothing is written when it raises.

    With ``idempotency_key``, a repeat with the same parameters returns the
    order the first call made (``order.replayed`` is then ``True``) and claims
    nothing; with other parameters it raises ``idempotency_mismatch`` (422).

    For an agency's listing, ``staff_id`` (a ``StaffMember`` public id) books
    that staff member; without it any serving staff member free then is taken
    (the least busy that day, then the lowest id). ``order.staff`` is set and
    the time is claimed on their calendar (see ``scheduling.slots``).

    ``payment_timing`` (``catalog.PaymentTiming``, default paying now): an
    order paid after the service or in cash is booked at once, without a
    payment (``payments.after_service``); it must be one the listing offers
    (422 ``payment_timing_unavailable``, ``card_required``,
    ``cash_limit_reached``).

    ``agreed_price``: a price both sides agreed beforehand (a recurring
    booking's, ``recurring.services.visit_price``), used instead of the
    listing's current one.

    Raises ``NotFound`` (no such listing), ``DomainError`` 422
    (``listing_unavailable``, ``own_listing``, ``quote_only``, ``wrong_duration``,
    ``in_past``, ``too_soon``, ``too_far_ahead``, ``day_off``,
    ``outside_availability``, ``fully_booked_day``, ``outside_service_area``,
    ``staff_not_serving``),
    400 (``invalid_input``, ``invalid_time``, ``unknown_add_on``) or ``Conflict``
    409 (``slot_taken``, ``hold_expired``, ``hold_mismatch``).
    """
    address = (address or "").strip()
    notes = (notes or "").strip()
    key = (idempotency_key or "").strip()[:100]
    add_on_ids = sorted({str(add_on_id) for add_on_id in add_on_ids})
    fingerprint = _fingerprint(
        listing=listing_id,
        starts_at=starts_at.astimezone(UTC).isoformat()
        if timezone.is_aware(starts_at)
        else starts_at.isoformat(),
        hours=hours,
        add_ons=add_on_ids,
        address=address,
        latitude=round(float(latitude), 6),
        longitude=round(float(longitude), 6),
        notes=notes,
        **({"staff": staff_id.strip()} if staff_id and staff_id.strip() else {}),
        **({"payment": payment_timing} if payment_timing else {}),
    )
    existing = _order_with_key(customer, key)
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        order = _create_order(
            customer=customer,
            listing_id=listing_id,
            starts_at=starts_at,
            hours=hours,
            add_on_ids=add_on_ids,
            address=address,
            latitude=float(latitude),
            longitude=float(longitude),
            notes=notes,
            key=key,
            fingerprint=fingerprint,
            hold_token=(hold_token or "").strip(),
            staff_id=staff_id,
            payment_timing=payment_timing,
            agreed_price=agreed_price,
        )
    except (IntegrityError, Conflict):
        # A concurrent request with the same key won the race (its order holds
        # the key, or the slot): answer as its repeat.
        existing = _order_with_key(customer, key)
        if existing is None:
            raise
        return _replay(existing, fingerprint)
    order.replayed = False
    return order


# --- Paying for an order ------------------------------------------------------------


def _customers_order(order: Order, user: User) -> Order:
    """Only the customer pays for (or even hears of the payment of) an order;
    everyone else is told it does not exist."""
    if order.customer_id != user.pk:
        raise NotFound("order_not_found", _("No such order."))
    return order


def payment_return_url(order: Order) -> str:
    """Where the gateway's page sends the customer back: a page that asks the
    gateway how the payment stands (``sync_order_payment``)."""
    path = reverse("orders:payment_return", args=[order.public_id])
    return f"{settings.DOORSTEP_BASE_URL.rstrip('/')}{path}"


def start_order_payment(
    *,
    order: Order,
    user: User,
    return_url: str = "",
    gateway: str | None = None,
    save_card: bool = False,
) -> IntentResult:
    """Open (or reopen) the payment intent of ``user``'s order waiting for
    payment: the browser or the mobile app confirms it with the gateway, card
    data never reaching us. Call outside any transaction (a gateway call holds
    no row locks). Returns the intent (its ``client_secret`` or
    ``next_action_url``); for an order already paid, its intent as it stands.

    Raises ``NotFound`` (not the caller's order), ``Conflict`` 409
    ``payment_window_closed`` (the order lapsed unpaid: book again) or
    ``order_not_payable``, and ``PaymentError`` when the gateway cannot
    answer. ``gateway``: an enabled wallet to pay with instead of a card
    (422 ``payment_gateway_unavailable`` otherwise). ``save_card``: the
    customer asked to keep the card for next time (``flows.open_order_intent``)."""
    from doorstep.payments import flows

    order = _customers_order(order, user)
    order.refresh_from_db(fields=["state"])
    if order.state == OrderState.PAYMENT_EXPIRED:
        raise Conflict(
            "payment_window_closed",
            _("This booking was not paid in time and has lapsed. Book again."),
        )
    from doorstep.payments.after_service import awaits_customer_payment

    payment = flows.order_payment(order)
    if (
        order.state != OrderState.AWAITING_PAYMENT
        and (payment is None or not payment.gateway_charge_id)
        and not awaits_customer_payment(order)
    ):
        raise Conflict(
            "order_not_payable",
            _("This order cannot be paid for now (it is %(state)s).")
            % {"state": order.state_label},
        )
    intent = flows.open_order_intent(
        order=order,
        return_url=return_url or payment_return_url(order),
        gateway_name=gateway,
        save_card=save_card,
    )
    if intent.authorised:
        confirm_order_payment(order_id=order.pk)
    return intent


def sync_order_payment(*, order: Order, user: User) -> Order:
    """The return URL's step: read the intent from the gateway (never the
    query string) and, if the money is held, move the order on. Safe to repeat
    and to race the webhook."""
    from doorstep.payments import flows

    order = _customers_order(order, user)
    flows.refresh_order_payment(order=order)
    return confirm_order_payment(order_id=order.pk)


def _booked_instantly(order: Order) -> bool:
    created = order.events.filter(transition="create").first()
    return bool(created and created.data.get("instant_book"))


def confirm_order_payment(*, order_id: int) -> Order:
    """Once the order's payment is authorised, offer the order to the provider
    (``pay``: requested) or, for an instant-book listing, book it (``pay_instant``:
    accepted). Idempotent: the webhook and the return URL both call it. A
    payment that arrives after the order lapsed is released at once."""
    from doorstep.payments import flows
    from doorstep.payments.models import PaymentStatus
    from doorstep.payments.pending_flows import schedule_money_flow

    order = Order.objects.get(pk=order_id)
    payment = flows.order_payment(order)
    if payment is None or payment.status in {
        PaymentStatus.PENDING,
        PaymentStatus.FAILED,
    }:
        return order
    if order.state == OrderState.AWAITING_PAYMENT:
        try:
            order = apply_transition(
                order_id=order.pk,
                name="pay_instant" if _booked_instantly(order) else "pay",
                user=None,
                system=True,
                expected_state=OrderState.AWAITING_PAYMENT,
            )
        except Conflict:
            order.refresh_from_db()  # the other caller, or the window, was first
    if (
        order.state == OrderState.PAYMENT_EXPIRED
        and payment.status == PaymentStatus.AUTHORISED
    ):
        with transaction.atomic():
            schedule_money_flow(order=order, flow="void_order")
    if (
        order.state == OrderState.COMPLETED
        and payment.status == PaymentStatus.AUTHORISED
    ):
        # Paid after the service on the pay page, once the saved card was
        # refused: the provider is paid now.
        with transaction.atomic():
            schedule_money_flow(order=order, flow="release_order")
    return order


@transaction.atomic
def _create_order(
    *,
    customer: User,
    listing_id: str,
    starts_at: datetime,
    hours: int | None,
    add_on_ids: Sequence[str],
    address: str,
    latitude: float,
    longitude: float,
    notes: str,
    key: str,
    fingerprint: str,
    hold_token: str,
    staff_id: str,
    payment_timing: str,
    agreed_price: PriceBreakdown | None = None,
) -> Order:
    from doorstep.payments import after_service

    listing = _bookable_listing(listing_id, customer)
    payment_timing = after_service.check_timing(
        listing=listing, timing=payment_timing, customer=customer
    )
    staff = chosen_staff(listing, staff_id)
    breakdown = agreed_price or _priced(listing, hours, add_on_ids)
    hours = _hours_for(listing, hours)
    _check_place(
        listing, address=address, latitude=latitude, longitude=longitude, notes=notes
    )
    now = timezone.now()
    claimable = _check_time(
        listing,
        starts_at,
        hours=hours,
        extra_minutes=breakdown.extra_minutes,
        now=now,
        holding=bool(hold_token),
        staff=staff,
    )
    minutes = job_minutes(
        listing=listing, hours=hours, extra_minutes=breakdown.extra_minutes
    )
    start = starts_at.astimezone(UTC)
    order = Order.objects.create(
        mode=BuyingMode.BOOK_PROVIDER,
        state=OrderState.AWAITING_PAYMENT,
        state_changed_at=now,
        customer=customer,
        provider=listing.provider,
        listing=listing,
        title=listing.title,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        time_zone=str(provider_zone(listing.provider)),
        address=address,
        latitude=latitude,
        longitude=longitude,
        notes=notes,
        **breakdown.order_figures(),
        hours=hours if listing.pricing_model == PricingModel.HOURLY else None,
        idempotency_key=key,
        request_fingerprint=fingerprint if key else "",
        payment_timing=payment_timing,
    )
    # What the customer typed for the provider: masked for them until the deal
    # is confirmed; contact details or an off-platform request flag for ops.
    from doorstep.messaging.services import check_booking_text

    order.booking_text_warning = check_booking_text(order=order).warning
    save_lines(order, breakdown)
    if hold_token:
        claim = convert_hold(
            provider=listing.provider, hold_token=hold_token, order=order
        )
        if (claim.starts_at, claim.ends_at) != (
            claimable.starts_at,
            claimable.ends_at,
        ):
            raise Conflict(
                "hold_mismatch",
                _("Your hold is for another time. Please pick the time again."),
                fields={"starts_at": [_("This is not the time you held.")]},
            )
        if staff is not None and claim.staff_key != staff.pk:
            raise Conflict(
                "hold_mismatch",
                _("Your hold is for another staff member. Please pick again."),
                fields={"staff_id": [_("This is not the staff member you held.")]},
            )
    else:
        claim = _claim_first_free(
            listing=listing,
            claimable=claimable,
            claim=lambda **span: claim_time(order=order, **span),
        )
    if claim.staff_key:
        order.staff_id = claim.staff_key
        order.save(update_fields=["staff"])
    start_order(
        order,
        user=customer,
        actor=Actor.CUSTOMER,
        data={"instant_book": listing.instant_book},
    )
    if payment_timing in after_service.PAYS_LATER:
        order = apply_transition(
            order_id=order.pk,
            name="book_pay_later_instant" if listing.instant_book else "book_pay_later",
            user=None,
            system=True,
            expected_state=OrderState.AWAITING_PAYMENT,
        )
    return order


@transaction.atomic
def hold_slot(
    *,
    customer: User,
    listing_id: str,
    starts_at: datetime,
    hours: int | None = None,
    add_on_ids: Sequence[str] = (),
    staff_id: str = "",
) -> TimeClaim:
    """Hold a bookable time for ``customer`` for ``DOORSTEP_HOLD_MINUTES`` while
    they finish (pay, fill the address). The returned claim's ``hold_token``
    goes to ``place_order``; an unused hold lapses on its own. For an agency's
    listing the hold is on ``staff_id``'s calendar, or on the one "any" picks
    (the claim's ``staff_key``). Raises what ``place_order`` raises about the
    listing, the staff member and the time."""
    listing = _bookable_listing(listing_id, customer)
    staff = chosen_staff(listing, staff_id)
    breakdown = _priced(listing, hours, add_on_ids)
    hours = _hours_for(listing, hours)
    claimable = find_claimable(
        listing=listing,
        starts_at=starts_at,
        hours=hours,
        extra_minutes=breakdown.extra_minutes,
        staff=staff,
    )
    return _claim_first_free(
        listing=listing,
        claimable=claimable,
        claim=lambda **span: hold_time(held_by=customer, **span),
    )


# --- Transitions --------------------------------------------------------------------


def _clean_data(data: dict[str, Any] | None) -> dict[str, str]:
    return {
        key: str(value).strip()[:limit]
        for key, limit in TRANSITION_DATA_KEYS.items()
        if (value := (data or {}).get(key)) not in (None, "")
    }


def check_party_may(order: Order, name: str, user: User, *, as_ops: bool) -> None:
    """Refuse early what only ops may do when the caller acts as a party.

    The engine treats every staff member as ops; customer and provider screens
    and the public API do not (ops act from the back office, behind MFA). So a
    staff member who is not a party does not see the order here (404), and one
    who is a party acts only as that party (403 for ops-only transitions).
    """
    roles = roles_of(user, order)
    if not as_ops:
        roles.discard(Actor.OPS)
    if not roles:
        raise NotFound("order_not_found", _("No such order."))
    transition = order.process.transition(name)
    if (
        transition is not None
        and order.state in transition.sources
        and not transition.actors & roles
    ):
        raise PermissionDenied(
            "actor_not_allowed", _("You are not allowed to do this.")
        )


def transition_order(
    *,
    order: Order,
    name: str,
    user: User,
    data: dict[str, Any] | None = None,
    photos: Sequence[File] = (),
    expected_state: str | None = None,
    as_ops: bool = False,
) -> Order:
    """Fire transition ``name`` as ``user`` through the engine, with the data
    it carries (``start_code``, ``reason``) and, for ``deliver``, up to
    ``MAX_DELIVERY_PHOTOS`` photos stored with it in the same transaction.

    ``expected_state`` is the state the person saw when they clicked: if the
    order moved on since (a double click, the other side acted), the engine
    answers 409 ``state_changed`` and nothing happens. Raises what
    ``apply_transition`` raises, and ``DomainError`` 400 for bad photos.
    """
    check_party_may(order, name, user, as_ops=as_ops)
    if photos and name != "deliver":
        message = _("Photos can only be attached when marking the job as done.")
        raise DomainError(
            "photos_not_allowed", message, status=400, fields={"photos": [message]}
        )
    processed = process_photos(photos, at_most=MAX_DELIVERY_PHOTOS)
    clean = _clean_data(data)
    rows = [
        OrderPhoto(
            public_id=new_public_id("oph"),
            width=photo.width,
            height=photo.height,
            uploaded_by=user,
        )
        for photo in processed
    ]
    if rows:
        clean["photos"] = [row.public_id for row in rows]
    with transaction.atomic():
        order = apply_transition(
            order_id=order.pk,
            name=name,
            user=user,
            data=clean,
            expected_state=expected_state,
        )
        for row, photo in zip(rows, processed, strict=True):
            row.order = order
            row.image.save(photo.image_name, photo.image, save=False)
            row.thumbnail.save(photo.thumbnail_name, photo.thumbnail, save=False)
            row.save()
    return order


# --- Reschedule ---------------------------------------------------------------------


def _party(order: Order, user: User) -> Actor:
    roles = roles_of(user, order)
    if Actor.CUSTOMER in roles:
        return Actor.CUSTOMER
    if Actor.PROVIDER in roles:
        return Actor.PROVIDER
    raise NotFound("order_not_found", _("No such order."))


def booked_extra_minutes(order: Order) -> int:
    """The add-ons' share of the job's length, as booked."""
    listing = order.listing
    base = (
        (order.hours or listing.min_hours) * 60
        if listing.pricing_model == PricingModel.HOURLY
        else listing.duration_minutes
    )
    return max(order.duration_minutes - base, 0)


def _check_new_time(
    order: Order, starts_at: datetime, *, now: datetime
) -> tuple[datetime, datetime]:
    """The span ``order`` would claim at ``starts_at``, by the same rules as a
    new booking, with the order's own claim set aside (it may overlap the new
    time). Leaves nothing changed."""
    savepoint = transaction.savepoint()
    try:
        release_order_time(order=order, now=now)
        return check_bookable(
            listing=order.listing,
            starts_at=starts_at,
            hours=order.hours,
            extra_minutes=booked_extra_minutes(order),
            now=now,
            staff=order.staff,
        )
    finally:
        transaction.savepoint_rollback(savepoint)


def _cannot_reschedule(order: Order) -> Conflict:
    return Conflict(
        "cannot_reschedule",
        _("This order cannot be moved now (it is %(state)s).")
        % {"state": order.state_label},
    )


def _record(
    order: Order,
    *,
    transition: str,
    actor: Actor,
    user: User,
    now: datetime,
    data: dict[str, Any],
    topic: str,
) -> None:
    OrderEvent.objects.create(
        order=order,
        transition=transition,
        from_state=order.state,
        to_state=order.state,
        actor=actor,
        actor_user=user,
        data=data,
        created_at=now,
    )
    record_event(topic=topic, subject=order.public_id, payload=data)


@transaction.atomic
def propose_reschedule(
    *, order: Order, user: User, starts_at: datetime
) -> RescheduleRequest:
    """Ask the other side to move ``order`` to ``starts_at``.

    Either party may ask before the job starts. The new time must be bookable
    now (the same rules as a booking). A customer asking inside the
    free-cancellation window is told the policy's fee applies (recorded on the
    request and, on acceptance, in the order's history). A new proposal
    replaces the proposer's pending one; the other side's must be answered
    first. Raises ``NotFound``, ``Conflict`` (``cannot_reschedule``,
    ``reschedule_pending``) or the scheduler's ``DomainError``.
    """
    order = lock_order(order.pk)
    actor = _party(order, user)
    if not order.can_reschedule() or order.listing is None:
        raise _cannot_reschedule(order)
    if timezone.is_naive(starts_at):
        message = _("Give the start time with its time zone.")
        raise DomainError(
            "invalid_time", message, status=400, fields={"starts_at": [message]}
        )
    if starts_at == order.starts_at:
        message = _("Pick a time other than the current one.")
        raise DomainError("same_time", message, fields={"starts_at": [message]})
    now = timezone.now()
    pending = order.reschedule_requests.filter(
        status=RescheduleRequest.Status.PENDING
    ).first()
    if pending is not None and pending.proposed_by != actor:
        raise Conflict(
            "reschedule_pending",
            _("The other side has proposed a new time. Answer it first."),
        )
    _check_new_time(order, starts_at, now=now)
    if pending is not None:
        pending.status = RescheduleRequest.Status.WITHDRAWN
        pending.answered_at = now
        pending.save(update_fields=["status", "answered_at"])
    late = actor == Actor.CUSTOMER and order.state == OrderState.ACCEPTED
    late = late and is_late_change(order, now)
    start = starts_at.astimezone(UTC)
    request = RescheduleRequest.objects.create(
        order=order,
        proposed_by=actor,
        proposed_by_user=user,
        starts_at=start,
        ends_at=start + (order.ends_at - order.starts_at),
        previous_starts_at=order.starts_at,
        is_late=late,
        fee_amount=policy_fee(order) if late else 0,
        created_at=now,
    )
    _record(
        order,
        transition="reschedule_proposed",
        actor=actor,
        user=user,
        now=now,
        data=_reschedule_data(request),
        topic="order.reschedule_proposed",
    )
    return request


def _reschedule_data(request: RescheduleRequest) -> dict[str, Any]:
    data: dict[str, Any] = {
        "request": request.public_id,
        "from": request.previous_starts_at.isoformat(),
        "to": request.starts_at.isoformat(),
        "proposed_by": request.proposed_by,
    }
    if request.is_late:
        data["late"] = True
        data["policy_fee"] = {
            "amount": request.fee_amount,
            "currency": request.order.currency,
        }
    return data


@transaction.atomic
def answer_reschedule(
    *, order: Order, user: User, request_id: str, accept: bool
) -> RescheduleRequest:
    """The other side accepts or declines a proposed new time.

    Accepting moves the order and its time claim together: the old claim is
    released, the new time checked and claimed, the order's times, answer
    deadline and timers updated, a ``reschedule`` event recorded (same state).
    If the new time was taken meanwhile it raises ``Conflict`` ``slot_taken``
    and nothing changes (the proposal stays open to decline).
    """
    order = lock_order(order.pk)
    actor = _party(order, user)
    request = (
        order.reschedule_requests.select_for_update()
        .filter(public_id=request_id)
        .first()
    )
    if request is None:
        raise NotFound("reschedule_not_found", _("No such proposal."))
    if not request.is_pending:
        raise Conflict(
            "reschedule_answered", _("This proposal has already been answered.")
        )
    if request.proposed_by == actor:
        raise PermissionDenied(
            "own_proposal", _("The other side answers your proposal.")
        )
    now = timezone.now()
    request.answered_at = now
    request.answered_by_user = user
    if not accept:
        request.status = RescheduleRequest.Status.DECLINED
        request.save(update_fields=["status", "answered_at", "answered_by_user"])
        _record(
            order,
            transition="reschedule_declined",
            actor=actor,
            user=user,
            now=now,
            data={"request": request.public_id},
            topic="order.reschedule_declined",
        )
        return request
    if not order.can_reschedule():
        raise _cannot_reschedule(order)
    release_order_time(order=order, now=now)
    claimable = find_claimable(
        listing=order.listing,
        starts_at=request.starts_at,
        hours=order.hours,
        extra_minutes=booked_extra_minutes(order),
        now=now,
        staff=order.staff,
    )
    claim = _claim_first_free(
        listing=order.listing,
        claimable=claimable,
        claim=lambda **span: claim_time(order=order, **span),
    )
    order.starts_at = request.starts_at
    order.ends_at = request.ends_at
    fields = ["starts_at", "ends_at"]
    if claim.staff_key != (order.staff_id or 0):
        order.staff_id = claim.staff_key or None
        fields.append("staff")
    if order.respond_by is not None and order.respond_by > order.starts_at:
        order.respond_by = order.starts_at
        fields.append("respond_by")
    order.save(update_fields=fields)
    request.status = RescheduleRequest.Status.ACCEPTED
    request.save(update_fields=["status", "answered_at", "answered_by_user"])
    _record(
        order,
        transition="reschedule",
        actor=actor,
        user=user,
        now=now,
        data=_reschedule_data(request),
        topic="order.rescheduled",
    )
    rearm_timers(order, now=now)
    if request.is_late and request.fee_amount:
        _charge_late_change_fee_after_commit(order, request)
    return request


def _charge_late_change_fee_after_commit(
    order: Order, request: RescheduleRequest
) -> None:
    # The card is charged after commit, outside the transaction (a gateway call
    # never holds row locks), and retried until done; the flow is keyed by the
    # request, so a repeat charges once.
    from doorstep.payments.pending_flows import schedule_money_flow

    schedule_money_flow(
        order=order,
        flow="charge_late_change_fee",
        arguments={"request_id": request.public_id},
    )
