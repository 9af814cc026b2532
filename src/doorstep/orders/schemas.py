"""The shapes of the orders API. Money is ``{"amount": <minor units>, "currency"}``;
times are ISO 8601 with the offset of the order's zone (where the job happens);
ids are public ids."""

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AwareDatetime, StringConstraints

from doorstep.accounts.schemas import Latitude, Longitude
from doorstep.api.schemas import InputSchema, MoneyOut, OutputSchema
from doorstep.payments.schemas import PaymentIntentOut

ListingId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    Field(description="The service's id (lst_…)."),
]
StartsAt = Annotated[
    AwareDatetime,
    Field(description="ISO 8601 with an offset, e.g. 2026-12-01T10:00:00+08:00."),
]
Hours = Annotated[
    int | None,
    Field(None, ge=1, le=24, description="Hourly services only; default: minimum."),
]
AddOnIds = Annotated[
    list[Annotated[str, StringConstraints(max_length=32)]],
    Field(default_factory=list, max_length=20, description="add_… ids."),
]


class HoldIn(InputSchema):
    listing_id: ListingId
    starts_at: StartsAt
    hours: Hours = None
    add_on_ids: AddOnIds
    staff_id: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=40),
        Field(
            description="An agency's service: the staff member wanted (an id from "
            "`GET /services/{listing_id}/staff`); empty for any available one."
        ),
    ] = ""


class HoldOut(OutputSchema):
    hold_token: str = Field(description="Pass to POST /orders as `hold_token`.")
    expires_at: datetime
    starts_at: datetime = Field(description="The held span, buffers included.")
    ends_at: datetime
    staff_id: str | None = Field(
        None, description="An agency's service: whose time is held."
    )


class OrderIn(InputSchema):
    listing_id: ListingId
    starts_at: StartsAt
    hours: Hours = None
    add_on_ids: AddOnIds
    address: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)
    ]
    latitude: Latitude
    longitude: Longitude
    notes: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = (
        ""
    )
    hold_token: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=40),
        Field(description="From POST /orders/holds: books the time you held."),
    ] = ""
    staff_id: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=40),
        Field(
            description="An agency's service: the staff member wanted (an id from "
            "`GET /services/{listing_id}/staff`); empty for any available one."
        ),
    ] = ""
    payment_timing: Literal["pay_now", "after_service", "cash"] = Field(
        "pay_now",
        description="When to pay, among the service's `payment_timings`: now "
        "(the default: confirm `payment`), after the service (the saved card is "
        "charged on completion) or in cash to the provider on completion. An "
        "order paid later is booked at once, with no `payment` to confirm.",
    )


class TransitionIn(InputSchema):
    start_code: Annotated[
        str | None,
        StringConstraints(strip_whitespace=True, max_length=10),
        Field(description="`start`: the 4-digit code the customer shows."),
    ] = None
    reason: Annotated[
        str | None,
        StringConstraints(strip_whitespace=True, max_length=1000),
        Field(description="`dispute`, `cancel`: why, in a sentence."),
    ] = None
    expected_state: Annotated[
        str | None,
        StringConstraints(max_length=24),
        Field(
            description=(
                "The state you saw. If the order has moved on since, the answer "
                "is 409 `state_changed` and nothing happens (a safe double click)."
            )
        ),
    ] = None


class OpsTransitionIn(InputSchema):
    reason: Annotated[
        str | None,
        StringConstraints(strip_whitespace=True, max_length=1000),
        Field(description="Why, in a sentence (kept in the audit trail)."),
    ] = None
    expected_state: Annotated[
        str | None,
        StringConstraints(max_length=24),
        Field(
            description=(
                "The state you saw. If the order has moved on since, the answer "
                "is 409 `state_changed` and nothing happens."
            )
        ),
    ] = None


class RescheduleIn(InputSchema):
    starts_at: StartsAt


class RescheduleAnswerIn(InputSchema):
    accept: bool


class OrdersQuery(Schema):
    role: Literal["customer", "provider"] | None = Field(
        None, description="Orders you placed, or orders you serve. Both if omitted."
    )
    state: Annotated[str, StringConstraints(max_length=24)] | None = None


class OrderLineOut(OutputSchema):
    kind: str
    description: str
    quantity: int
    unit_price: MoneyOut
    amount: MoneyOut


class PriceQuery(Schema):
    hours: Hours = None
    add_on_ids: AddOnIds


class TaxLineOut(OutputSchema):
    """One tax of the price: contained in it (``included``) or added to the
    total."""

    name: str = Field(description="As receipts say it, e.g. VAT.")
    rate_bps: int = Field(description="The rate in basis points: 600 is 6%.")
    on: str = Field(description="What it is levied on: service or service_fee.")
    amount: MoneyOut
    included: bool = Field(description="Contained in the price (else added).")


class PriceOut(OutputSchema):
    """A booking's price breakdown, exactly as the order will store it and the
    card will be held for it."""

    lines: list[OrderLineOut]
    subtotal: MoneyOut = Field(description="The lines' sum: the provider's price.")
    service_fee: MoneyOut = Field(description="The customer's service fee.")
    discount: MoneyOut = Field(description="Paid by the platform (coupons, points).")
    tax: MoneyOut = Field(
        description="Every tax in the price: included in the prices above, or "
        "added to the total where `prices_include_tax` is false."
    )
    taxes: list[TaxLineOut] = Field(default_factory=list)
    prices_include_tax: bool = True
    total: MoneyOut = Field(description="What the card is charged.")
    duration_minutes: int | None = Field(
        None, description="How long the job takes (add-ons included)."
    )


class OrderEventOut(OutputSchema):
    transition: str
    from_state: str
    to_state: str
    actor: str
    at: datetime
    data: dict[str, Any]


class TransitionOut(OutputSchema):
    name: str
    label: str


class RescheduleOut(OutputSchema):
    id: str
    status: str
    proposed_by: str
    starts_at: datetime
    ends_at: datetime
    previous_starts_at: datetime
    late: bool
    fee: MoneyOut | None = Field(
        description="The cancellation policy's fee, for a late change by the customer."
    )
    created_at: datetime
    answered_at: datetime | None


class OrderOut(OutputSchema):
    id: str
    mode: str
    state: str
    state_label: str
    role: Literal["customer", "provider"]
    title: str
    listing_id: str | None
    provider_id: str | None
    provider_name: str
    staff_id: str | None = Field(
        None, description="An agency's order: the staff member doing the job."
    )
    staff_name: str = Field(
        "", description="The agency's staff member sent to do the job, if any."
    )
    customer_name: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    hours: int | None
    address: str
    latitude: float
    longitude: float
    notes: str
    lines: list[OrderLineOut]
    subtotal: MoneyOut
    service_fee: MoneyOut
    discount: MoneyOut
    tax: MoneyOut = Field(
        description="Included in the prices, or added to the total where "
        "`prices_include_tax` is false."
    )
    taxes: list[TaxLineOut] = Field(default_factory=list)
    prices_include_tax: bool = True
    total: MoneyOut = Field(description="What the customer's card is charged.")
    respond_by: datetime | None
    cancellation_fee: MoneyOut
    cancelled_by: str
    payment_timing: str = Field(
        "pay_now", description="`pay_now`, `after_service` or `cash`."
    )
    payment_note: str = Field(
        "",
        description="What happens with the payment, for people: the card "
        "charged on completion, the cash to pay or collect.",
    )
    start_code: str | None = Field(
        description=(
            "The customer's code for the provider to start the job: customers "
            "only, from acceptance until the job starts (as on the order page)."
        )
    )
    created_at: datetime


class OrderPageOut(OutputSchema):
    items: list[OrderOut]
    next: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class OpsOrderOut(OutputSchema):
    """An order as the back office's order page shows its state and buttons."""

    id: str
    mode: str
    state: str
    state_label: str
    customer_id: str
    provider_id: str | None
    starts_at: datetime
    ends_at: datetime
    events: list[OrderEventOut]
    ops_transitions: list[TransitionOut] = Field(
        description="What ops may do to the order now "
        "(`POST /ops/orders/{order_id}/transitions/{name}`)."
    )


class OrderDetailOut(OrderOut):
    events: list[OrderEventOut]
    allowed_transitions: list[TransitionOut] = Field(
        description="What you may do next (guards, such as the start code, aside)."
    )
    reschedule_requests: list[RescheduleOut]
    photos: list[str] = Field(description="URLs of the delivery photos.")
    payment: PaymentIntentOut | None = Field(
        None,
        description="On a new order (state `awaiting_payment`): the payment to "
        "confirm with the gateway.",
    )
