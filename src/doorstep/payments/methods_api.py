"""The signed-in user's saved cards: list them, make one the default, remove
one (at the gateway too). Someone else's card answers 404. Cards are saved
when paying (the web checkout's "save this card"); the card number never
reaches us, so there is no endpoint to post one."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from doorstep.api.schemas import InputSchema
from doorstep.orders import queries as order_queries
from doorstep.payments import methods
from doorstep.payments.models import SavedPaymentMethod

router = Router(tags=["payment methods"])


class PaymentMethodOut(Schema):
    id: str
    brand: str
    last4: str
    exp_month: int | None = Field(description="1–12; null when the gateway gave none.")
    exp_year: int | None
    is_default: bool = Field(description="Charged when no card is named.")
    created_at: datetime


def _out(method: SavedPaymentMethod) -> dict:
    return {
        "id": method.public_id,
        "brand": method.brand,
        "last4": method.last4,
        "exp_month": method.exp_month,
        "exp_year": method.exp_year,
        "is_default": method.is_default,
        "created_at": method.created_at,
    }


@router.get(
    "/me/payment-methods",
    response=list[PaymentMethodOut],
    summary="Your saved cards",
)
def list_payment_methods(request: HttpRequest) -> list[dict]:
    return [_out(m) for m in methods.methods_of(request.auth)]  # type: ignore[attr-defined]


@router.get(
    "/me/payment-methods/{method_id}",
    response=PaymentMethodOut,
    summary="One of your saved cards",
)
def get_payment_method(request: HttpRequest, method_id: str) -> dict:
    return _out(
        methods.access_method(user=request.auth, method_id=method_id)  # type: ignore[attr-defined]
    )


@router.post(
    "/me/payment-methods/{method_id}/default",
    response=PaymentMethodOut,
    summary="Make a saved card the default",
)
def make_default_payment_method(request: HttpRequest, method_id: str) -> dict:
    return _out(
        methods.make_default(user=request.auth, method_id=method_id)  # type: ignore[attr-defined]
    )


@router.delete(
    "/me/payment-methods/{method_id}",
    response={204: None},
    summary="Remove a saved card",
    description=(
        "Forgets the card at the payment gateway too. If it was the default, "
        "your newest other card becomes the default. A plan charged to it is "
        "charged to the default card from then on."
    ),
)
def delete_payment_method(request: HttpRequest, method_id: str) -> Status:
    methods.remove_method(user=request.auth, method_id=method_id)  # type: ignore[attr-defined]
    return Status(204, None)


class SavedMethodPaymentIn(InputSchema):
    payment_method: str = Field(
        min_length=1, max_length=40, description="The id of one of your saved cards."
    )


class SavedMethodPaymentOut(Schema):
    order_id: str
    state: str = Field(description="The order's state once the charge is held.")


@router.post(
    "/orders/{order_id}/payment/saved-method",
    response=SavedMethodPaymentOut,
    summary="Pay for an order with a saved card",
    description=(
        "One click, as the checkout's saved-card button: the order's charge is "
        "held on the card (no card page) and the order moves on. 404 for an "
        "order or a card that is not yours; 409 `order_not_payable` when the "
        "order is not waiting for payment; 422 `card_declined` when the card is "
        "refused (the order still waits: try another card)."
    ),
)
def pay_with_saved_method(
    request: HttpRequest, order_id: str, payload: SavedMethodPaymentIn
) -> dict:
    user = request.auth  # type: ignore[attr-defined]
    order = order_queries.access_order(user, order_id)
    order = methods.pay_order_with_saved_method(
        order=order, user=user, method_id=payload.payment_method
    )
    return {"order_id": order.public_id, "state": order.state}
