"""The orders API: book a service (or hold a time first), list and read your
orders, move them along their process, and reschedule them.

Every order endpoint answers 404 for an order the caller is not a party to. Ops
have their own two (``/ops/orders/…``): the back office's order page and its
buttons, behind the same gate as the rest of the back office."""

from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import File, Query, Router, Status
from ninja.files import UploadedFile

from doorstep.accounts.models import StaffMember, User
from doorstep.api.pagination import CursorPageIn, CursorPagination
from doorstep.backoffice.access import require_back_office
from doorstep.core.errors import raises
from doorstep.orders import queries, services
from doorstep.orders.engine import managed_agency_ids, roles_of
from doorstep.orders.models import Order, OrderEvent, RescheduleRequest
from doorstep.orders.pricing import PriceBreakdown, order_tax_lines
from doorstep.orders.process import Actor
from doorstep.orders.processes.book_provider import (
    BOOK_PROVIDER,
    payment_window_ends,
)
from doorstep.orders.processes.dispatch import DISPATCH
from doorstep.orders.processes.quote import QUOTE
from doorstep.orders.schemas import (
    HoldIn,
    HoldOut,
    MoneyOut,
    OpsOrderOut,
    OpsTransitionIn,
    OrderDetailOut,
    OrderEventOut,
    OrderIn,
    OrderLineOut,
    OrderOut,
    OrderPageOut,
    OrdersQuery,
    PriceOut,
    PriceQuery,
    RescheduleAnswerIn,
    RescheduleIn,
    RescheduleOut,
    TaxLineOut,
    TransitionIn,
    TransitionOut,
)
from doorstep.orders.states import START_CODE_STATES, OrderState
from doorstep.payments.after_service import PAY_NOW, payment_note
from doorstep.payments.schemas import PaymentIntentOut
from doorstep.taxes.rates import TaxLine

router = Router(tags=["orders"])


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _zone(order: Order) -> ZoneInfo:
    try:
        return ZoneInfo(order.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _money(amount: int, currency: str) -> MoneyOut:
    return MoneyOut(amount=amount, currency=currency)


def order_out(
    order: Order,
    user: User,
    *,
    managed_agencies: frozenset[int] | None = None,
    cards: dict | None = None,
) -> OrderOut:
    """``managed_agencies`` and ``cards``: what a list of orders looks up once
    for all of them (``engine.managed_agency_ids``, ``payment_note``)."""
    zone = _zone(order)
    roles = roles_of(user, order, managed_agencies=managed_agencies)
    role = queries.role_on(order, user, roles=roles) or Actor.CUSTOMER
    show_code = role == Actor.CUSTOMER and order.state in START_CODE_STATES
    return OrderOut(
        id=order.public_id,
        mode=order.mode,
        state=order.state,
        state_label=order.state_label,
        role=role.value,
        title=order.title,
        listing_id=order.listing.public_id if order.listing else None,
        provider_id=order.provider.public_id if order.provider else None,
        provider_name=order.provider.display_name if order.provider else "",
        staff_id=order.staff.public_id if order.staff_id else None,
        staff_name=order.staff.display_name if order.staff_id else "",
        customer_name=order.customer.get_short_name(),
        starts_at=order.starts_at.astimezone(zone),
        ends_at=order.ends_at.astimezone(zone),
        time_zone=str(zone),
        hours=order.hours,
        address=queries.address_for(order, user, roles=roles),
        latitude=order.latitude,
        longitude=order.longitude,
        notes=queries.notes_for(order, user, roles=roles),
        lines=[
            OrderLineOut(
                kind=line.kind,
                description=line.description,
                quantity=line.quantity,
                unit_price=_money(line.unit_amount, order.currency),
                amount=_money(line.amount, order.currency),
            )
            for line in order.lines.all()
        ],
        subtotal=_money(order.subtotal_amount, order.currency),
        service_fee=_money(order.service_fee_amount, order.currency),
        discount=_money(order.discount_amount, order.currency),
        tax=_money(order.tax_amount, order.currency),
        taxes=_taxes_out(order_tax_lines(order), order.currency),
        prices_include_tax=order.prices_include_tax,
        total=_money(order.total_amount, order.currency),
        respond_by=order.respond_by.astimezone(zone) if order.respond_by else None,
        cancellation_fee=_money(order.cancellation_fee_amount, order.currency),
        cancelled_by=order.cancelled_by,
        payment_timing=order.payment_timing,
        payment_note=payment_note(
            order, for_provider=role != Actor.CUSTOMER, cards=cards
        ),
        start_code=order.start_code if show_code else None,
        created_at=order.created_at.astimezone(zone),
    )


def _event_out(event: OrderEvent, zone: ZoneInfo) -> OrderEventOut:
    return OrderEventOut(
        transition=event.transition,
        from_state=event.from_state,
        to_state=event.to_state,
        actor=event.actor,
        at=event.created_at.astimezone(zone),
        data=event.data,
    )


def _reschedule_out(request: RescheduleRequest, zone: ZoneInfo) -> RescheduleOut:
    return RescheduleOut(
        id=request.public_id,
        status=request.status,
        proposed_by=request.proposed_by,
        starts_at=request.starts_at.astimezone(zone),
        ends_at=request.ends_at.astimezone(zone),
        previous_starts_at=request.previous_starts_at.astimezone(zone),
        late=request.is_late,
        fee=_money(request.fee_amount, request.order.currency)
        if request.is_late
        else None,
        created_at=request.created_at.astimezone(zone),
        answered_at=request.answered_at.astimezone(zone)
        if request.answered_at
        else None,
    )


def order_detail_out(order: Order, user: User) -> OrderDetailOut:
    zone = _zone(order)
    return OrderDetailOut(
        **order_out(order, user).model_dump(),
        events=[_event_out(event, zone) for event in queries.timeline(order)],
        allowed_transitions=[
            TransitionOut(name=transition.name, label=str(transition.label))
            for transition in queries.party_transitions(order, user)
        ],
        reschedule_requests=[
            _reschedule_out(request, zone)
            for request in order.reschedule_requests.select_related("order")
        ],
        photos=[photo.image.url for photo in order.photos.all()],
    )


def payment_intent_out(request: HttpRequest, order: Order, intent) -> dict:
    pay_by = None
    if order.state == OrderState.AWAITING_PAYMENT:
        pay_by = payment_window_ends(order)
    return {
        "status": intent.status,
        "amount": _money(intent.amount, intent.currency),
        "client_secret": intent.client_secret,
        "next_action_url": request.build_absolute_uri(intent.next_action_url)
        if intent.next_action_url
        else None,
        "failure_code": intent.failure_code,
        "pay_by": pay_by,
    }


def open_payment(
    request: HttpRequest, order: Order, user: User, gateway: str | None = None
):
    return services.start_order_payment(
        order=order,
        user=user,
        return_url=request.build_absolute_uri(
            reverse("orders:payment_return", args=[order.public_id])
        ),
        gateway=gateway,
    )


@router.post(
    "/orders",
    response={200: OrderDetailOut, 201: OrderDetailOut},
    summary="Book a service",
    description=(
        "Books a bookable start time (see `GET /services/{id}/slots`). The order "
        "starts `awaiting_payment`, holding the time for a few minutes "
        "(`payment.pay_by`): confirm `payment` with the gateway (its SDK and "
        "`client_secret`, or send the customer to `next_action_url`). Once the "
        "gateway reports the money held, instant-book services are `accepted` "
        "and others `requested` until the provider answers; unpaid, the order "
        "becomes `payment_expired` and the time is free again. Card numbers are "
        "never sent to this API.\n\n"
        "Send an `Idempotency-Key` header to make retries safe: the first request "
        "answers **201**; a repeat with the same key and the same body answers "
        "**200** with the same order (and `Idempotent-Replayed: true`) without "
        "booking again; the same key with a different body is a 422 "
        "`idempotency_mismatch`.\n\n"
        "Errors: 409 `slot_taken` (someone was faster), `hold_expired`; 422 "
        "`in_past`, `too_soon`, `outside_availability`, `day_off`, "
        "`wrong_duration`, `listing_unavailable`, `own_listing`, `quote_only`, "
        "`outside_service_area`, `staff_not_serving`, `payment_timing_unavailable`, "
        "`card_required` (after the service: no saved card), `cash_limit_reached`; "
        "400 `unknown_add_on` and "
        "bad fields; 503 "
        "`gateway_unavailable` (the order is kept: open its payment again with "
        "`POST /orders/{id}/payment`)."
    ),
)
def create_order(
    request: HttpRequest, payload: OrderIn, response: HttpResponse
) -> Status[OrderDetailOut]:
    user = _caller(request)
    order = services.place_order(
        customer=user,
        listing_id=payload.listing_id,
        starts_at=payload.starts_at,
        hours=payload.hours,
        add_on_ids=payload.add_on_ids,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        notes=payload.notes,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
        hold_token=payload.hold_token,
        staff_id=payload.staff_id,
        payment_timing=payload.payment_timing,
    )
    return placed_order_answer(request, response, order, user)


def placed_order_answer(
    request: HttpRequest, response: HttpResponse, order: Order, user: User
) -> Status[OrderDetailOut]:
    """The answer to placing an order (any buying mode): 201 with the order
    and its payment to confirm, or 200 (``Idempotent-Replayed``) for a repeat
    of the same request."""
    replayed = order.replayed
    payment = None
    # An order paid later (after the service, in cash) has nothing to confirm.
    if order.state != OrderState.PAYMENT_EXPIRED and order.payment_timing == PAY_NOW:
        intent = open_payment(request, order, user)
        payment = PaymentIntentOut(**payment_intent_out(request, order, intent))
        order.refresh_from_db()
    body = order_detail_out(order, user)
    body.payment = payment
    if replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(200, body)
    return Status(201, body)


@router.post(
    "/orders/{order_id}/payment",
    response={200: PaymentIntentOut},
    summary="Pay for an order",
    description=(
        "Opens (or returns) the payment intent of your order waiting for "
        "payment, for a mobile app to confirm with the gateway's SDK "
        "(`client_secret`) or to open `next_action_url`. Safe to repeat; after a "
        "declined card, confirm the same intent with another card. Once the "
        "gateway reports the money held (its webhook, or the app landing on "
        "the return URL) the order moves on. No card number is ever sent here. "
        "`?gateway=alipay` or `wechat_pay` pays with an enabled wallet instead of "
        "a card: `next_action_url` is then the code to show as a QR code (or "
        "open on the phone). "
        "404 for an order that is not yours; 409 `payment_window_closed` once "
        "the order has lapsed unpaid; 422 `payment_gateway_unavailable` for a "
        "wallet not offered; 503 `gateway_unavailable`."
    ),
)
def pay_for_order(
    request: HttpRequest, order_id: str, gateway: str | None = None
) -> dict:
    user = _caller(request)
    order = queries.access_order(user, order_id, as_role=Actor.CUSTOMER)
    intent = open_payment(request, order, user, gateway)
    order.refresh_from_db()
    return payment_intent_out(request, order, intent)


def _taxes_out(lines: Sequence[TaxLine], currency: str) -> list[TaxLineOut]:
    return [
        TaxLineOut(
            name=line.name,
            rate_bps=line.rate_bps,
            on=line.base,
            amount=_money(line.amount, currency),
            included=line.inclusive,
        )
        for line in lines
    ]


def price_out(breakdown: PriceBreakdown, *, duration_minutes: int | None) -> PriceOut:
    currency = breakdown.currency
    return PriceOut(
        lines=[
            OrderLineOut(
                kind=line.kind,
                description=line.description,
                quantity=line.quantity,
                unit_price=_money(line.unit_amount, currency),
                amount=_money(line.amount, currency),
            )
            for line in breakdown.lines
        ],
        subtotal=_money(breakdown.subtotal_amount, currency),
        service_fee=_money(breakdown.service_fee_amount, currency),
        discount=_money(breakdown.discount_amount, currency),
        tax=_money(breakdown.tax_amount, currency),
        taxes=_taxes_out(breakdown.taxes, currency),
        prices_include_tax=breakdown.prices_include_tax,
        total=_money(breakdown.total_amount, currency),
        duration_minutes=duration_minutes,
    )


@router.get(
    "/services/{listing_id}/price",
    auth=None,
    response=PriceOut,
    summary="What booking a service costs",
    description=(
        "The price breakdown for these hours and add-ons (`?hours=3&add_on_ids=add_…"
        "&add_on_ids=add_…`): lines, service fee, discount, tax included and "
        "total — the same figures `POST /orders` stores and the card is held "
        "for. Public.\n\n"
        "Errors: 404 `listing_not_found`; 422 `listing_unavailable`, "
        "`quote_only`, `wrong_duration`; 400 `unknown_add_on` and bad fields."
    ),
)
def preview_price(
    request: HttpRequest, listing_id: str, query: Query[PriceQuery]
) -> PriceOut:
    breakdown, minutes = queries.price_preview(
        listing_id=listing_id, hours=query.hours, add_on_ids=query.add_on_ids
    )
    return price_out(breakdown, duration_minutes=minutes)


@router.post(
    "/orders/holds",
    response={201: HoldOut},
    summary="Hold a start time for a few minutes",
    description=(
        "Holds the time while you finish (address, payment): nobody else can book "
        "it until `expires_at`. Book it with `POST /orders` and the `hold_token`."
    ),
)
def create_hold(request: HttpRequest, payload: HoldIn) -> Status[HoldOut]:
    hold = services.hold_slot(
        customer=_caller(request),
        listing_id=payload.listing_id,
        starts_at=payload.starts_at,
        hours=payload.hours,
        add_on_ids=payload.add_on_ids,
        staff_id=payload.staff_id,
    )
    return Status(
        201,
        HoldOut(
            hold_token=hold.hold_token,
            expires_at=hold.hold_expires_at,
            starts_at=hold.starts_at,
            ends_at=hold.ends_at,
            staff_id=StaffMember.objects.get(pk=hold.staff_key).public_id
            if hold.staff_key
            else None,
        ),
    )


@router.get(
    "/orders",
    response=OrderPageOut,
    summary="Your orders",
    description="Newest first. `?limit=&cursor=` as every list.",
)
def list_orders(
    request: HttpRequest, filters: Query[OrdersQuery], page: Query[CursorPageIn]
) -> OrderPageOut:
    user = _caller(request)
    orders = queries.api_orders(user, role=filters.role, state=filters.state)
    result = CursorPagination().paginate_queryset(
        orders, pagination=page, request=request
    )
    # Asked once for the page, and only when an agency's staff member is on it.
    staffed = any(order.staff_id for order in result["items"])
    managed = managed_agency_ids(user) if staffed else None
    cards: dict = {}
    # Each item is validated as it is built; validating the page again would
    # validate every item a second time (ninja's schemas re-read nested models).
    return OrderPageOut.model_construct(
        items=[
            order_out(order, user, managed_agencies=managed, cards=cards)
            for order in result["items"]
        ],
        next=result["next"],
    )


@router.get(
    "/orders/{order_id}",
    response=OrderDetailOut,
    summary="One of your orders, with its history and what you may do next",
)
def get_order(request: HttpRequest, order_id: str) -> OrderDetailOut:
    user = _caller(request)
    return order_detail_out(queries.access_order(user, order_id), user)


@router.post(
    "/orders/{order_id}/transitions/{name}",
    response=OrderDetailOut,
    summary="Move an order along its process",
    description=(
        "`name` is one of the order's `allowed_transitions` (accept, decline, "
        "depart, start, deliver, confirm, dispute, cancel, …). 409 "
        "`illegal_transition` when the order cannot do that now (also a second "
        "click), 403 `actor_not_allowed` when your side may not, 422 for a rule "
        "such as `wrong_start_code` or `too_early_for_no_show`."
    ),
)
@raises(*BOOK_PROVIDER.hooks)  # the engine runs them through the process's table
def fire_transition(
    request: HttpRequest, order_id: str, name: str, payload: TransitionIn | None = None
) -> OrderDetailOut:
    user = _caller(request)
    order = queries.access_order(user, order_id)
    payload = payload or TransitionIn()
    order = services.transition_order(
        order=order,
        name=name,
        user=user,
        data=payload.model_dump(exclude={"expected_state"}, exclude_none=True),
        expected_state=payload.expected_state,
    )
    return order_detail_out(queries.access_order(user, order.public_id), user)


@router.post(
    "/orders/{order_id}/deliver",
    response=OrderDetailOut,
    summary="Mark the job as done, with photos of the work",
    description=(
        "The provider's `deliver` with proof: `multipart/form-data` with up to 6 "
        "files in `photos` (JPEG, PNG or WebP, 8 MB each), stored with the step in "
        "one transaction, as the order page does. Without photos it is the same "
        "as `POST /orders/{order_id}/transitions/deliver`."
    ),
)
@raises(*BOOK_PROVIDER.hooks)
def deliver_with_photos(
    request: HttpRequest,
    order_id: str,
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> OrderDetailOut:
    user = _caller(request)
    order = queries.access_order(user, order_id)
    order = services.transition_order(
        order=order, name="deliver", user=user, photos=photos or []
    )
    return order_detail_out(queries.access_order(user, order.public_id), user)


@router.post(
    "/orders/{order_id}/reschedule",
    response={201: RescheduleOut},
    summary="Propose another start time",
    description=(
        "Either side, before the job starts; the other side answers. A customer "
        "asking within the free-cancellation window sees the policy's `fee`."
    ),
)
def propose_reschedule(
    request: HttpRequest, order_id: str, payload: RescheduleIn
) -> Status[RescheduleOut]:
    user = _caller(request)
    order = queries.access_order(user, order_id)
    proposal = services.propose_reschedule(
        order=order, user=user, starts_at=payload.starts_at
    )
    return Status(201, _reschedule_out(proposal, _zone(order)))


@router.post(
    "/orders/{order_id}/reschedule/{request_id}/answer",
    response=OrderDetailOut,
    summary="Accept or decline a proposed start time",
    description="Accepting moves the order; 409 `slot_taken` if the time went.",
)
def answer_reschedule(
    request: HttpRequest, order_id: str, request_id: str, payload: RescheduleAnswerIn
) -> OrderDetailOut:
    user = _caller(request)
    order = queries.access_order(user, order_id)
    services.answer_reschedule(
        order=order, user=user, request_id=request_id, accept=payload.accept
    )
    return order_detail_out(queries.access_order(user, order_id), user)


# --- Ops: the back office's order page --------------------------------------------


def _ops_order_out(order: Order, user: User) -> OpsOrderOut:
    zone = _zone(order)
    return OpsOrderOut(
        id=order.public_id,
        mode=order.mode,
        state=order.state,
        state_label=order.state_label,
        customer_id=order.customer.public_id,
        provider_id=order.provider.public_id if order.provider else None,
        starts_at=order.starts_at.astimezone(zone),
        ends_at=order.ends_at.astimezone(zone),
        events=[_event_out(event, zone) for event in queries.timeline(order)],
        ops_transitions=[
            TransitionOut(name=transition.name, label=str(transition.label))
            for transition in queries.ops_transitions(order, user)
        ],
    )


@router.get(
    "/ops/orders/{order_id}",
    response=OpsOrderOut,
    summary="An order, as ops see it (ops)",
    description="Its state, history and what ops may do to it now. Ops only, with "
    "a token minted after the TOTP code (403 `ops_mfa_required` without).",
)
def ops_get_order(request: HttpRequest, order_id: str) -> OpsOrderOut:
    user = require_back_office(request)
    return _ops_order_out(queries.ops_order(order_id), user)


@router.post(
    "/ops/orders/{order_id}/transitions/{name}",
    response=OpsOrderOut,
    summary="Move someone's order along its process (ops)",
    description=(
        "The buttons of the back office's order page: `name` is one of the "
        "order's `ops_transitions` (cancel, settle, …), with a `reason` for the "
        "audit trail. 409 `illegal_transition` when the order cannot do that now, "
        "`state_changed` when it moved on from `expected_state`. Ops only, with a "
        "token minted after the TOTP code (403 `ops_mfa_required` without)."
    ),
)
@raises(*BOOK_PROVIDER.hooks, *DISPATCH.hooks, *QUOTE.hooks)
def ops_fire_transition(
    request: HttpRequest,
    order_id: str,
    name: str,
    payload: OpsTransitionIn | None = None,
) -> OpsOrderOut:
    user = require_back_office(request)
    payload = payload or OpsTransitionIn()
    order = services.transition_order(
        order=queries.ops_order(order_id),
        name=name,
        user=user,
        data={"reason": payload.reason} if payload.reason else None,
        expected_state=payload.expected_state,
        as_ops=True,
    )
    return _ops_order_out(queries.ops_order(order.public_id), user)
