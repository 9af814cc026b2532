"""Saved payment methods: cards the gateway keeps for a user, charged later by
token (a repeat customer's one-click payment, a provider's plan renewals).

We keep the gateway's token and what lets a person recognise the card (brand,
last four digits, expiry) — never a card number. A card is saved when its owner
asks at checkout (``save_from_payment``, after the gateway confirmed the
payment) and removed at the gateway as well as here (``remove_method``).

Every function takes the acting user and refuses someone else's method as not
found.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.payments.gateways import get_gateway
from doorstep.payments.gateways.base import GatewayError
from doorstep.payments.models import Payment, PaymentStatus, SavedPaymentMethod

# A payment whose card the gateway has confirmed (held or taken).
CONFIRMED = frozenset(
    {
        PaymentStatus.AUTHORISED,
        PaymentStatus.CAPTURED,
    }
)


def methods_of(user: User) -> list[SavedPaymentMethod]:
    """The user's saved methods, the default first, then the newest."""
    return list(SavedPaymentMethod.objects.filter(user=user))


def default_method(user: User) -> SavedPaymentMethod | None:
    return SavedPaymentMethod.objects.filter(user=user, is_default=True).first()


def access_method(*, user: User, method_id: str) -> SavedPaymentMethod:
    """The user's saved method ``method_id``; anyone else's is not found."""
    method = SavedPaymentMethod.objects.filter(
        user=user, public_id=str(method_id)
    ).first()
    if method is None:
        raise NotFound("payment_method_not_found", _("No such payment method."))
    return method


def _lock_methods(user: User) -> list[SavedPaymentMethod]:
    """Lock the user's saved methods (one default at a time is decided under
    this lock)."""
    return list(
        SavedPaymentMethod.objects.select_for_update().filter(user=user).order_by("pk")
    )


def _check_card(last4: str, exp_month: int | None, exp_year: int | None) -> None:
    errors: dict[str, list[str]] = {}
    if last4 and (len(last4) != 4 or not last4.isdigit()):
        errors["last4"] = [_("The last four digits must be four digits.")]
    if exp_month is not None and not 1 <= exp_month <= 12:
        errors["exp_month"] = [_("The expiry month must be between 1 and 12.")]
    if exp_year is not None and not 2000 <= exp_year <= 2100:
        errors["exp_year"] = [_("The expiry year is not a year.")]
    if errors:
        raise DomainError(
            "invalid_input",
            _("The card details are not valid."),
            status=400,
            fields=errors,
        )


def save_method(
    *,
    user: User,
    gateway: str,
    token: str,
    brand: str = "",
    last4: str = "",
    exp_month: int | None = None,
    exp_year: int | None = None,
    make_default: bool = False,
) -> SavedPaymentMethod:
    """Keep ``token`` (the gateway's id of a card it holds for ``user``).
    Saving the same token again returns the saved method (made default if
    asked). The user's first method becomes their default. A token that looks
    like a card number is refused: we never store one."""
    token = (token or "").strip()
    digits = "".join(ch for ch in token if ch.isdigit())
    if not token or len(token) > 120 or (len(digits) >= 12 and digits == token):
        raise DomainError(
            "invalid_input",
            _("This is not a payment method the gateway keeps."),
            status=400,
            fields={"token": [_("Give the gateway's token, never a card number.")]},
        )
    _check_card(last4, exp_month, exp_year)
    with transaction.atomic():
        existing = _lock_methods(user)
        method = next(
            (m for m in existing if m.gateway == gateway and m.token == token), None
        )
        if method is None:
            try:
                with transaction.atomic():
                    method = SavedPaymentMethod.objects.create(
                        user=user,
                        gateway=gateway,
                        token=token,
                        brand=brand[:20],
                        last4=last4,
                        exp_month=exp_month,
                        exp_year=exp_year,
                    )
            except IntegrityError:  # saved by a concurrent twin
                method = SavedPaymentMethod.objects.get(
                    user=user, gateway=gateway, token=token
                )
        if make_default or not any(m.is_default for m in existing):
            _set_default(user, method)
    method.refresh_from_db()
    return method


def _set_default(user: User, method: SavedPaymentMethod) -> None:
    SavedPaymentMethod.objects.filter(user=user, is_default=True).exclude(
        pk=method.pk
    ).update(is_default=False)
    SavedPaymentMethod.objects.filter(pk=method.pk).update(is_default=True)


def save_from_payment(
    *, user: User, payment: Payment, make_default: bool = False
) -> SavedPaymentMethod:
    """Save the card ``user`` just paid with on ``payment`` (their order's):
    the token, brand and last four are the gateway's (recorded when it
    confirmed the payment), never the browser's word. Raises ``NotFound`` for
    someone else's payment and ``Conflict`` ``payment_not_confirmed`` before
    the gateway confirmed it."""
    if payment.order.customer_id != user.pk:
        raise NotFound("order_not_found", _("No such order."))
    payment.refresh_from_db()
    if payment.status not in CONFIRMED or not payment.payment_method:
        raise Conflict(
            "payment_not_confirmed",
            _("The card can be saved once the payment has gone through."),
        )
    return save_method(
        user=user,
        gateway=payment.gateway,
        token=payment.payment_method,
        brand=payment.card_brand,
        last4=payment.card_last4,
        make_default=make_default,
    )


def make_default(*, user: User, method_id: str) -> SavedPaymentMethod:
    """Make the user's method ``method_id`` the one charged by default."""
    with transaction.atomic():
        _lock_methods(user)
        method = access_method(user=user, method_id=method_id)
        _set_default(user, method)
    method.refresh_from_db()
    return method


def remove_method(*, user: User, method_id: str) -> None:
    """Forget the user's method at the gateway, then here; the newest other
    method becomes the default if this one was. A gateway that cannot be
    reached leaves the method saved (``PaymentError``, try again): a card we
    no longer list must not stay chargeable there."""
    from doorstep.payments.flows import PaymentError

    method = access_method(user=user, method_id=method_id)
    try:
        get_gateway(method.gateway).detach_payment_method(payment_method=method.token)
    except GatewayError as error:
        if error.code != GatewayError.NOT_FOUND:
            raise PaymentError(error) from error
    with transaction.atomic():
        _lock_methods(user)
        deleted, _rows = SavedPaymentMethod.objects.filter(pk=method.pk).delete()
        if deleted and method.is_default:
            successor = SavedPaymentMethod.objects.filter(user=user).first()
            if successor is not None:
                _set_default(user, successor)


def usable_token(method: SavedPaymentMethod) -> str:
    """The token to charge, refusing a method kept by another gateway than
    the one configured now (it could not charge it)."""
    if method.gateway != get_gateway().name:
        raise Conflict(
            "payment_method_unusable",
            _("This card was saved with another payment service. Add it again."),
        )
    return method.token


def pay_order_with_saved_method(*, order, user: User, method_id: str):
    """One click for a repeat customer: hold the order's charge on their saved
    method ``method_id`` (the gateway charges the token; no card page), then
    move the order on as the return URL would. Call outside any transaction.

    Raises ``NotFound`` (not the user's order or method), ``Conflict``
    ``order_not_payable`` (not waiting for payment) or
    ``payment_method_unusable``, and ``PaymentError`` when the card is refused
    (the order still waits; another card may be tried)."""
    from doorstep.orders import services as order_services
    from doorstep.orders.states import OrderState
    from doorstep.payments import flows

    if order.customer_id != user.pk:
        raise NotFound("order_not_found", _("No such order."))
    method = access_method(user=user, method_id=method_id)
    order.refresh_from_db(fields=["state"])
    if order.state != OrderState.AWAITING_PAYMENT:
        raise Conflict(
            "order_not_payable",
            _("This order cannot be paid for now (it is %(state)s).")
            % {"state": order.state_label},
        )
    flows.authorise_order(order=order, payment_method=usable_token(method))
    return order_services.confirm_order_payment(order_id=order.pk)
