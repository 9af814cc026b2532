"""The orders API: book a service (or hold a time first), list and read your
orders, move them along their process, and reschedule them.

Every order endpoint answers 404 for an order the caller is not a party to; ops
act from the back office, not here."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Status

from doorstep.accounts.models import User
from doorstep.api.pagination import CursorPageIn, CursorPagination
from doorstep.core.errors import raises
from doorstep.orders import queries, services
from doorstep.orders.models import Order, OrderEvent, RescheduleRequest
from doorstep.orders.process import Actor
from doorstep.orders.processes.book_provider import BOOK_PROVIDER
from doorstep.orders.schemas import (
    HoldIn,
    HoldOut,
    MoneyOut,
    OrderDetailOut,
    OrderEventOut,
    OrderIn,
    OrderLineOut,
    OrderOut,
    OrderPageOut,
    OrdersQuery,
    RescheduleAnswerIn,
    RescheduleIn,
    RescheduleOut,
    TransitionIn,
    TransitionOut,
)

router = Router(tags=["orders"])

# The start code is the customer's proof that the provider is at the door; it is
# shown to them until the job starts.
START_CODE_STATES = {"requested", "accepted", "on_the_way"}


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _zone(order: Order) -> ZoneInfo:
    try:
        return ZoneInfo(order.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _money(amount: int, currency: str) -> MoneyOut:
    return MoneyOut(amount=amount, currency=currency)


def order_out(order: Order, user: User) -> OrderOut:
    zone = _zone(order)
    role = queries.role_on(order, user) or Actor.CUSTOMER
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
        customer_name=order.customer.get_short_name(),
        starts_at=order.starts_at.astimezone(zone),
        ends_at=order.ends_at.astimezone(zone),
        time_zone=str(zone),
        hours=order.hours,
        address=order.address,
        latitude=order.latitude,
        longitude=order.longitude,
        notes=order.notes,
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
        total=_money(order.total_amount, order.currency),
        respond_by=order.respond_by.astimezone(zone) if order.respond_by else None,
        cancellation_fee=_money(order.cancellation_fee_amount, order.currency),
        cancelled_by=order.cancelled_by,
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


@router.post(
    "/orders",
    response={200: OrderDetailOut, 201: OrderDetailOut},
    summary="Book a service",
    description=(
        "Books a bookable start time (see `GET /services/{id}/slots`). Instant-book "
        "services are `accepted` at once; others are `requested` until the "
        "provider answers.\n\n"
        "Send an `Idempotency-Key` header to make retries safe: the first request "
        "answers **201**; a repeat with the same key and the same body answers "
        "**200** with the same order (and `Idempotent-Replayed: true`) without "
        "booking again; the same key with a different body is a 422 "
        "`idempotency_mismatch`.\n\n"
        "Errors: 409 `slot_taken` (someone was faster), `hold_expired`; 422 "
        "`in_past`, `too_soon`, `outside_availability`, `day_off`, "
        "`wrong_duration`, `listing_unavailable`, `own_listing`, `quote_only`, "
        "`outside_service_area`; 400 `unknown_add_on` and bad fields."
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
    )
    if order.replayed:
        response["Idempotent-Replayed"] = "true"
        return Status(200, order_detail_out(order, user))
    return Status(201, order_detail_out(order, user))


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
    )
    return Status(
        201,
        HoldOut(
            hold_token=hold.hold_token,
            expires_at=hold.hold_expires_at,
            starts_at=hold.starts_at,
            ends_at=hold.ends_at,
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
        orders.prefetch_related("lines"), pagination=page, request=request
    )
    return OrderPageOut(
        items=[order_out(order, user) for order in result["items"]],
        next=result["next"],
    )


@router.get(
    "/orders/{order_id}",
    response=OrderDetailOut,
    summary="One of your orders, with its history and what you may do next",
)
def get_order(request: HttpRequest, order_id: str) -> OrderDetailOut:
    user = _caller(request)
    return order_detail_out(queries.visible_order(user, order_id), user)


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
    order = queries.visible_order(user, order_id)
    payload = payload or TransitionIn()
    order = services.transition_order(
        order=order,
        name=name,
        user=user,
        data=payload.model_dump(exclude={"expected_state"}, exclude_none=True),
        expected_state=payload.expected_state,
    )
    return order_detail_out(queries.visible_order(user, order.public_id), user)


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
    order = queries.visible_order(user, order_id)
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
    order = queries.visible_order(user, order_id)
    services.answer_reschedule(
        order=order, user=user, request_id=request_id, accept=payload.accept
    )
    return order_detail_out(queries.visible_order(user, order_id), user)
