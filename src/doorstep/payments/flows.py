"""Money flows: every movement of an order's money, one function each.

Each flow is idempotent and has the same shape: read what is needed, call the
gateway **outside** any transaction (a network call must never hold row locks,
and a rolled-back transaction cannot un-charge a card), then record the result in
the ledger **inside** one transaction. Idempotency keys come from public ids and
the step (``capture:ord_…``), are sent to the gateway and used for the journal
entry, so a flow that died between the two is finished by running it again, by
the gateway's webhook or by ``doorstep reconcile --fix`` — and posts once.

Where the money is (see ``models.AccountKind``): a capture moves it from the
customer's card to ``GATEWAY_FUNDS`` and holds it in the order's ``ORDER_ESCROW``;
release splits escrow into the provider's pending balance, commission and the
service fee; clearing makes pending available; a payout or a refund sends cash
out of ``GATEWAY_FUNDS`` (an approved payout waits in ``PAYOUTS_IN_TRANSIT``, owed
by the platform, until the gateway reports it paid or failed). Refunds after
release are taken back from the provider (``DOORSTEP_REFUND_AFTER_RELEASE_FROM``);
what the provider no longer has, the platform pays (``REFUNDS_PAID``).
"""

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from doorstep.accounts.models import Agency, ProviderProfile, StaffMember, User
from doorstep.audit import services as audit
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import Conflict, DomainError, NotFound, raises
from doorstep.core.money import Money
from doorstep.events.services import record_event
from doorstep.marketplace import policy
from doorstep.observability.metrics import count_payment_outcome
from doorstep.orders.models import Order, RescheduleRequest
from doorstep.orders.pricing import added_tax_of, order_total
from doorstep.orders.states import EXTRA_CHARGE_STATES, OrderState
from doorstep.payments.audit_actions import APPROVE_PAYOUT as APPROVE_PAYOUT_ACTION
from doorstep.payments.audit_actions import FUND_GUARANTEE as FUND_GUARANTEE_ACTION
from doorstep.payments.audit_actions import REFUND_ORDER as REFUND_ACTION
from doorstep.payments.conf import setting
from doorstep.payments.fees import (
    charged_parts,
    commission_bps,  # noqa: F401 (read through flows by other apps)
    commission_for,
    record_commission_taxes,
    split_of,
)
from doorstep.payments.gateways import WALLET_LABELS, enabled_gateways, get_gateway
from doorstep.payments.gateways.base import ChargeResult, GatewayError, IntentResult
from doorstep.payments.ledger import Leg, ledger_account, post_entry
from doorstep.payments.models import (
    AccountKind,
    ExtraCharge,
    JournalEntry,
    LedgerAccount,
    Payment,
    PaymentKind,
    PaymentStatus,
    PayoutBatch,
    PayoutRequest,
    PlatformDiscount,
    Posting,
)
from doorstep.payments.payout_accounts import (
    PAYOUTS_NOT_ENABLED,
    payout_account_of,
    payout_destination,
)
from doorstep.taxes.models import OrderTax, TaxBase

logger = logging.getLogger(__name__)
K = AccountKind

# Entry kinds, for statements and reports.
CAPTURE = "capture"
RELEASE = "release"
REFUND = "refund"
CANCELLATION_FEE = "cancellation_fee"
DISCOUNT_RETURNED = "discount_returned"
CLEARING = "clearing"
PAYOUT = "payout"
PAYOUT_PAID = "payout_paid"
PAYOUT_RETURNED = "payout_returned"
COMPENSATION = "sla_compensation"
# An agency records that it paid its staff member: the platform then owes that
# money to the agency instead (see ``record_staff_payout``).
STAFF_PAID_BY_AGENCY = "staff_paid_by_agency"


# Whatever the gateway answers a call with (webhook signatures aside).
@raises(
    GatewayError.CARD_DECLINED,
    GatewayError.AUTHENTICATION_FAILED,
    GatewayError.RETRY_LATER,
    GatewayError.UNAVAILABLE,
    GatewayError.CAPTURE_FAILED,
    GatewayError.ALREADY_VOIDED,
    GatewayError.REFUND_TOO_LARGE,
    GatewayError.PAYOUT_FAILED,
    GatewayError.NOT_FOUND,
)
class PaymentError(DomainError):
    """The gateway refused or failed; ``retryable`` when trying again later (with
    the same idempotency key) may work."""

    def __init__(self, error: GatewayError) -> None:
        messages = {
            GatewayError.CARD_DECLINED: _("The card was declined. Try another card."),
            GatewayError.AUTHENTICATION_FAILED: _(
                "The card could not be authenticated. Try again or use another card."
            ),
            GatewayError.RETRY_LATER: _(
                "The payment could not be completed right now. Try again shortly."
            ),
            GatewayError.UNAVAILABLE: _(
                "The payment service is not answering. Try again shortly."
            ),
            GatewayError.CAPTURE_FAILED: _("The bank refused to take the payment."),
        }
        message = messages.get(error.code, _("The payment failed."))
        # The status (503 for the retryable codes) is the registered one.
        super().__init__(error.code, message)
        self.retryable = error.retryable


# The flows an order's process may run after a transition commits, by name
# (``orders.processes.*.schedule_money_flow`` checks its names against these when
# the process is defined; ``tasks.run_money_flow`` runs only these).
ORDER_FLOWS: dict[str, Callable[..., Any]] = {}


def order_flow(function: Callable[..., Any]) -> Callable[..., Any]:
    """Mark ``function`` (keyword-only, taking ``order``) as a money flow an
    order's process can name."""
    ORDER_FLOWS[function.__name__] = function
    return function


def _gateway_call(function, **kwargs):
    try:
        return function(**kwargs)
    except GatewayError as error:
        raise PaymentError(error) from error


def _account(kind: AccountKind, currency: str, **party) -> LedgerAccount:
    return ledger_account(kind=kind, currency=currency, **party)


def spendable_cash(currency: str) -> int:
    """What the platform holds at the gateway in ``currency`` and has not
    already promised: its funds there less the approved payouts still on their
    way (the gateway takes those out when it pays them). A refund or a payment
    of the platform's own money must fit in this, or a payout reported paid
    later would overdraw the funds."""
    return (
        _account(K.GATEWAY_FUNDS, currency).balance
        - _account(K.PAYOUTS_IN_TRANSIT, currency).balance
    )


def _locked_balance(account: LedgerAccount) -> int:
    """The balance with the account's row locked (call inside a transaction)."""
    return (
        LedgerAccount.objects.select_for_update()
        .values_list("balance", flat=True)
        .get(pk=account.pk)
    )


def _posted(key: str) -> bool:
    return JournalEntry.objects.filter(idempotency_key=key).exists()


def _legs(*pairs: tuple[LedgerAccount, int]) -> list[Leg]:
    return [Leg(account, amount) for account, amount in pairs if amount]


def order_payment(order: Order) -> Payment | None:
    return Payment.objects.filter(order=order, kind=PaymentKind.ORDER).first()


def _reached(payment: Payment, status: PaymentStatus) -> None:
    """Every change of a payment's status is counted here (Prometheus
    ``doorstep_payment_outcomes``), once its transaction commits."""
    count_payment_outcome(outcome=status.value, kind=payment.kind)


def _subject(payment: Payment) -> str:
    """The public id a payment's keys are derived from."""
    if payment.kind == PaymentKind.ORDER:
        return payment.order.public_id
    return payment.extra.public_id


def capture_key(payment: Payment) -> str:
    return f"capture:{_subject(payment)}"


# --- Authorise ------------------------------------------------------------------------


def fund_discount(*, order: Order, amount: int, reference: str) -> PlatformDiscount:
    """The platform pays ``amount`` of the order (added to what it already
    funds). Must come before the card is authorised; the customer is charged
    less and, at capture, ``PROMOTIONS_EXPENSE`` puts the difference into escrow
    so the provider is paid on the full price."""
    if amount <= 0:
        raise DomainError("invalid_amount", _("A discount must be positive."))
    with transaction.atomic():
        funded = {
            discount.reference: discount.amount
            for discount in PlatformDiscount.objects.filter(order=order)
        }
        funded.setdefault(reference, amount)
        set_order_discounts(
            order=order,
            platform=funded,
            provider_funded=order.provider_discount_amount,
        )
    return PlatformDiscount.objects.get(order=order, reference=reference)


def set_order_discounts(
    *, order: Order, platform: dict[str, int], provider_funded: int = 0
) -> Order:
    """Make the order's discounts these (``growth.checkout`` sets codes,
    points and credit this way): what the platform funds, by reference, and
    what the provider funds (their own promotion: it comes off their earnings,
    never through escrow). Only before the card is authorised; the order's
    stored figures change in the same transaction, so every page and the
    authorisation show the discounted total."""
    payment = order_payment(order)
    if payment is not None and payment.status not in {
        PaymentStatus.PENDING,
        PaymentStatus.FAILED,
    }:
        raise Conflict(
            "already_authorised", _("The order was already paid for; too late.")
        )
    amounts = {reference: amount for reference, amount in platform.items() if amount}
    if provider_funded < 0 or any(amount < 0 for amount in amounts.values()):
        raise DomainError("invalid_amount", _("A discount must be positive."))
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        PlatformDiscount.objects.filter(order=locked).exclude(
            reference__in=amounts
        ).delete()
        for reference, amount in amounts.items():
            PlatformDiscount.objects.update_or_create(
                order=locked, reference=reference, defaults={"amount": amount}
            )
        # Never more than the price and fee (the gateway needs something to take).
        most = locked.subtotal_amount + locked.service_fee_amount
        locked.provider_discount_amount = min(provider_funded, locked.subtotal_amount)
        locked.discount_amount = min(
            sum(amounts.values()) + locked.provider_discount_amount, most
        )
        locked.total_amount = order_total(
            subtotal=locked.subtotal_amount,
            service_fee=locked.service_fee_amount,
            discount=locked.discount_amount,
            added_tax=added_tax_of(
                tax_amount=locked.tax_amount,
                prices_include_tax=locked.prices_include_tax,
            ),
        )
        locked.save(
            update_fields=[
                "discount_amount",
                "provider_discount_amount",
                "total_amount",
            ]
        )
    for field in ("discount_amount", "provider_discount_amount", "total_amount"):
        setattr(order, field, getattr(locked, field))
    return locked


def _payment_method_key(payment_method: str) -> str:
    return hashlib.sha256(payment_method.encode()).hexdigest()[:12]


def _order_amounts(order: Order) -> dict[str, int]:
    """What the customer is charged for ``order``: its stored total
    (``orders.pricing``: the price plus the service fee, minus platform-funded
    discounts, plus the tax a tax-exclusive region adds) — the very figure the
    customer was shown. A discount the provider funds lowers the price of
    their work (``base_amount``); the platform's is funded into escrow at
    capture (``discount_amount``). Added tax rides on the part it is levied
    on (``payments.fees.charged_parts``)."""
    order.refresh_from_db(
        fields=[
            "subtotal_amount",
            "service_fee_amount",
            "discount_amount",
            "provider_discount_amount",
            "tax_amount",
            "prices_include_tax",
            "total_amount",
        ]
    )
    base, fee = charged_parts(order)
    discount = order.discount_amount - order.provider_discount_amount
    amount = order.total_amount
    if amount <= 0:
        raise DomainError("nothing_to_pay", _("There is nothing to pay."))
    return {
        "base_amount": base,
        "service_fee_amount": fee,
        "discount_amount": discount,
        "amount": amount,
    }


def _pending_order_payment(order: Order, gateway_name: str) -> Payment:
    amounts = _order_amounts(order)
    with transaction.atomic():
        payment, _created = Payment.objects.update_or_create(
            order=order,
            kind=PaymentKind.ORDER,
            defaults={
                "currency": order.currency,
                **amounts,
                "gateway": gateway_name,
                "status": PaymentStatus.PENDING,
                "failure_code": "",
            },
            create_defaults={
                "currency": order.currency,
                **amounts,
                "gateway": gateway_name,
                "idempotency_key": f"pay:{order.public_id}",
            },
        )
    return payment


def _is_open(payment: Payment | None) -> bool:
    return payment is None or payment.status in {
        PaymentStatus.PENDING,
        PaymentStatus.FAILED,
    }


def open_order_intent(
    *,
    order: Order,
    return_url: str,
    gateway_name: str | None = None,
    save_card: bool = False,
) -> IntentResult:
    """The first of the two steps: ask the gateway for a payment intent for the
    order's charge (authorise only), which the customer's browser confirms on
    the gateway's page or script. ``gateway_name``: an enabled wallet (Alipay,
    WeChat Pay) instead of the card gateway; the payment is then that
    wallet's (a wallet takes the money at once: ``gateways.alipay``).
    Idempotent: the same amount and gateway give the same intent; once the
    payment is authorised, its intent as the gateway sees it.

    ``save_card``: the customer asked to keep the card for next time; the
    metadata says so (``save_card``, ``customer``) and a card gateway keeps
    the card for charges without the customer (Stripe: their Customer and
    ``setup_future_usage``); a wallet ignores it.

    Raises ``DomainError`` 422 ``payment_gateway_unavailable`` for a gateway
    that is not enabled."""
    if gateway_name is not None and gateway_name not in enabled_gateways():
        raise DomainError(
            "payment_gateway_unavailable",
            _("This way to pay is not offered here."),
            status=422,
        )
    payment = order_payment(order)
    if not _is_open(payment):
        return order_intent(payment)
    gateway = get_gateway(gateway_name)
    payment = _pending_order_payment(order, gateway.name)
    metadata = {"payment": payment.public_id, "order": order.public_id}
    key = f"intent:{order.public_id}:{payment.amount}"
    if save_card:
        metadata.update(save_card="off_session", customer=order.customer.public_id)
        key += ":save"  # other parameters than an intent opened without
    intent = _gateway_call(
        gateway.create_intent,
        amount=payment.amount,
        currency=payment.currency,
        idempotency_key=key,
        metadata=metadata,
        return_url=return_url,
    )
    Payment.objects.filter(pk=payment.pk).update(gateway_charge_id=intent.intent_id)
    payment.gateway_charge_id = intent.intent_id
    record_intent(payment, intent)
    return intent


def order_intent(payment: Payment) -> IntentResult:
    """The payment's intent, read from the gateway."""
    return _gateway_call(
        get_gateway(payment.gateway).retrieve_intent,
        intent_id=payment.gateway_charge_id,
    )


def refresh_order_payment(*, order: Order) -> Payment | None:
    """The second step, from the return URL: ask the gateway how the intent
    stands (the browser's word is never taken) and record it."""
    payment = order_payment(order)
    if payment is None or not payment.gateway_charge_id:
        return payment
    return record_intent(payment, order_intent(payment))


def record_intent(payment: Payment, intent: IntentResult) -> Payment:
    """Bring the payment in line with its intent: authorised once the money is
    held (from the return URL or the webhook, in any order, any number of
    times); a refused card noted, the intent left open for another one."""
    if intent.intent_id != payment.gateway_charge_id:
        return payment
    if intent.authorised:
        return record_authorisation(payment, intent.charge)
    if intent.failure_code:
        if Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.FAILED, failure_code=intent.failure_code[:40]
        ):
            _reached(payment, PaymentStatus.FAILED)
        payment.refresh_from_db()
    return payment


@order_flow
def authorise_order(*, order: Order, payment_method: str) -> Payment:
    """Hold the order's charge with a payment method the gateway already
    keeps (a saved ``pm_…`` or sandbox token), off session. Records a
    ``Payment``; the ledger is not touched until the money is captured. Repeats
    return the authorised payment; after a decline, another may be tried.
    Customers pay through ``open_order_intent``; this serves saved methods."""
    payment = order_payment(order)
    if not _is_open(payment):
        return payment
    payment = _pending_order_payment(order, get_gateway().name)
    return _authorise(
        payment,
        payment_method=payment_method,
        key=f"auth:{order.public_id}:{_payment_method_key(payment_method)}",
    )


def _authorise(payment: Payment, *, payment_method: str, key: str) -> Payment:
    gateway = get_gateway(payment.gateway)
    try:
        result = gateway.authorise(
            amount=payment.amount,
            currency=payment.currency,
            payment_method=payment_method,
            idempotency_key=key,
            metadata={
                "payment": payment.public_id,
                "order": payment.order.public_id,
            },
        )
    except GatewayError as error:
        if not error.retryable:
            Payment.objects.filter(pk=payment.pk).update(
                status=PaymentStatus.FAILED, failure_code=error.code
            )
            _reached(payment, PaymentStatus.FAILED)
        raise PaymentError(error) from error
    return record_authorisation(payment, result)


def record_authorisation(payment: Payment, result: ChargeResult) -> Payment:
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status in {PaymentStatus.PENDING, PaymentStatus.FAILED}:
            payment.status = PaymentStatus.AUTHORISED
            _reached(payment, PaymentStatus.AUTHORISED)
            payment.gateway_charge_id = result.charge_id
            payment.payment_method = result.payment_method
            payment.card_brand = result.card_brand
            payment.card_last4 = result.card_last4
            payment.failure_code = ""
            payment.save(
                update_fields=[
                    "status",
                    "gateway_charge_id",
                    "payment_method",
                    "card_brand",
                    "card_last4",
                    "failure_code",
                    "updated_at",
                ]
            )
    return payment


# --- Capture and void -----------------------------------------------------------------


@order_flow
def capture_order(*, order: Order) -> Payment:
    """Take the authorised money and hold it in the order's escrow."""
    payment = order_payment(order)
    if payment is None or payment.status in {
        PaymentStatus.PENDING,
        PaymentStatus.FAILED,
    }:
        raise Conflict("not_authorised", _("This order has no authorised payment."))
    return _capture(payment, amount=None)


def _capture(payment: Payment, *, amount: int | None) -> Payment:
    if payment.status == PaymentStatus.AUTHORISED:
        result = _gateway_call(
            get_gateway(payment.gateway).capture,
            charge_id=payment.gateway_charge_id,
            amount=amount,
            idempotency_key=capture_key(payment),
        )
        return record_capture(payment, result.captured_amount)
    if payment.captured_amount and not _posted(capture_key(payment)):
        return record_capture(payment, payment.captured_amount)
    if payment.status == PaymentStatus.VOIDED:
        raise Conflict("voided", _("This payment was released and cannot be taken."))
    return payment


def record_capture(payment: Payment, captured: int) -> Payment:
    """Post a capture the gateway made (from the flow, the webhook or the
    reconciliation: the key makes it once)."""
    order = payment.order
    currency = payment.currency
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        key = capture_key(payment)
        if not _posted(key):
            # The platform funds its discount only when the whole price is taken.
            discount = payment.discount_amount if captured == payment.amount else 0
            gateway = _account(K.GATEWAY_FUNDS, currency)
            if payment.kind == PaymentKind.TIP:
                legs = _legs(
                    (gateway, captured),
                    (
                        _account(K.PROVIDER_PENDING, currency, provider=order.provider),
                        -captured,
                    ),
                )
            elif (
                payment.kind == PaymentKind.EXTRA
                and order.state == OrderState.COMPLETED
            ):
                commission = commission_for(order, captured)
                legs = _legs(
                    (gateway, captured),
                    (
                        _account(K.PROVIDER_PENDING, currency, provider=order.provider),
                        -(captured - commission),
                    ),
                    (_account(K.COMMISSION_REVENUE, currency), -commission),
                )
            else:
                legs = _legs(
                    (gateway, captured),
                    (_account(K.PROMOTIONS_EXPENSE, currency), discount),
                    (
                        _account(K.ORDER_ESCROW, currency, order=order),
                        -(captured + discount),
                    ),
                )
            post_entry(
                kind=CAPTURE,
                legs=legs,
                order=order,
                idempotency_key=key,
                description=payment.public_id,
            )
        if payment.status in {
            PaymentStatus.PENDING,
            PaymentStatus.FAILED,
            PaymentStatus.AUTHORISED,
        }:
            payment.status = PaymentStatus.CAPTURED
            _reached(payment, PaymentStatus.CAPTURED)
        payment.captured_amount = captured
        payment.save(update_fields=["status", "captured_amount", "updated_at"])
        if payment.kind != PaymentKind.ORDER:
            ExtraCharge.objects.filter(payment=payment).update(
                status=ExtraCharge.Status.CAPTURED
            )
    return payment


@order_flow
def void_order(*, order: Order) -> Payment | None:
    """Declined, expired or cancelled without a fee: release the hold — or, if the
    money was already taken, refund all of it."""
    payment = order_payment(order)
    if payment is None or payment.status in {
        PaymentStatus.PENDING,
        PaymentStatus.FAILED,
        PaymentStatus.VOIDED,
    }:
        return payment
    if payment.status == PaymentStatus.AUTHORISED:
        result = _gateway_call(
            get_gateway(payment.gateway).void,
            charge_id=payment.gateway_charge_id,
            idempotency_key=f"void:{order.public_id}",
        )
        if result.status == "captured":  # captured elsewhere in the meantime
            record_capture(payment, result.captured_amount)
        else:
            Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.VOIDED)
            _reached(payment, PaymentStatus.VOIDED)
            return Payment.objects.get(pk=payment.pk)
    refund_in_full(order=order, reference="void")
    return Payment.objects.get(pk=payment.pk)


# --- Release --------------------------------------------------------------------------


@order_flow
def release_order(*, order: Order) -> JournalEntry | None:
    """On completion: the escrow goes to the provider's pending balance minus the
    commission (``payments.fees``), the service fee to the platform's revenue,
    and the taxes on the service and on the platform's fees (service fee and
    commission) to ``TAX_LIABILITY`` and ``FEE_TAX_LIABILITY`` instead (the
    commission's tax lines are stored on the order then). Captures first when
    the money is taken after the service. An agency's order done by a staff
    member (``order.staff``) splits the provider's part: the agency's
    ``staff_share_bps`` of it (as set at release) to the staff member's
    pending balance, the rest to the agency's."""
    order.refresh_from_db(fields=["state"])
    if order.state != OrderState.COMPLETED:
        raise Conflict("not_completed", _("Only a completed order is paid out."))
    payment = order_payment(order)
    if payment is not None and payment.status == PaymentStatus.AUTHORISED:
        payment = _capture(payment, amount=None)
    key = f"release:{order.public_id}"
    with transaction.atomic():
        existing = JournalEntry.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        escrow = _account(K.ORDER_ESCROW, order.currency, order=order)
        held = _locked_balance(escrow)
        if held <= 0:
            return None
        fee = min(payment.service_fee_amount if payment else 0, held)
        split = split_of(order, service_charged=held - fee, fee_charged=fee)
        staff_part = 0
        if order.staff_id:
            # The share as the agency has it now, not as a loaded order saw it.
            share_bps = Agency.objects.get(staff__pk=order.staff_id).staff_share_bps
            staff_part = staff_share(split.provider, share_bps)
        pairs = [
            (escrow, held),
            (
                _account(K.PROVIDER_PENDING, order.currency, provider=order.provider),
                -(split.provider - staff_part),
            ),
            (_account(K.COMMISSION_REVENUE, order.currency), -split.commission),
            (_account(K.SERVICE_FEE_REVENUE, order.currency), -split.service_fee),
            (_account(K.TAX_LIABILITY, order.currency), -split.service_tax),
            (_account(K.FEE_TAX_LIABILITY, order.currency), -split.tax_on_fees),
        ]
        if staff_part:
            staff_pending = _account(K.STAFF_PENDING, order.currency, staff=order.staff)
            pairs.append((staff_pending, -staff_part))
        entry = post_entry(
            kind=RELEASE,
            legs=_legs(*pairs),
            order=order,
            idempotency_key=key,
            description=order.public_id,
        )
        record_commission_taxes(order, split)
        return entry


# --- Refunds --------------------------------------------------------------------------


def refund_key(payment: Payment, reference: str) -> str:
    return f"refund:{_subject(payment)}:{reference}"


def refund_order_for_ops(
    *, order: Order, amount: int, reference: str, user: User, reason: str = ""
) -> int:
    """``refund_order`` decided by a person in the back office, audited (with
    ``reason``) in the transaction that posts the refund. Raises
    ``PermissionDenied`` unless ``user``'s ops role refunds orders."""
    require_ops_permission(user, OpsPermission.REFUND_ORDERS)
    return refund_order(
        order=order, amount=amount, reference=reference, audit_by=user, reason=reason
    )


@order_flow
def refund_order(
    *,
    order: Order,
    amount: int,
    reference: str,
    payment: Payment | None = None,
    audit_by: User | None = None,
    reason: str = "",
) -> int:
    """Return ``amount`` of the order's payment (or of ``payment``: a tip or an
    extra charge) to the customer's card. ``reference`` names this refund (a
    dispute id, an API idempotency key): the same reference refunds once. From
    escrow while the money is held; after release, per policy. ``audit_by``:
    the ops person who decided it (the refund is then audited)."""
    payment = payment or order_payment(order)
    if payment is None or payment.status not in {
        PaymentStatus.CAPTURED,
        PaymentStatus.REFUNDED,
    }:
        raise Conflict("nothing_captured", _("No money was taken for this order."))
    key = refund_key(payment, reference)
    if _posted(key):
        return 0
    if amount <= 0 or amount > payment.captured_amount - payment.refunded_amount:
        raise DomainError(
            "refund_too_large",
            _("You can refund at most %(amount)s.")
            % {"amount": payment.captured_amount - payment.refunded_amount},
            fields={"amount": [_("More than is left to refund.")]},
        )
    if amount > spendable_cash(payment.currency):
        # Checked before the gateway moves anything: a refund the ledger then
        # refused would leave the books behind the gateway.
        raise Conflict(
            "insufficient_platform_funds",
            _("The platform's balance at the gateway cannot cover this refund now."),
        )
    result = _gateway_call(
        get_gateway(payment.gateway).refund,
        charge_id=payment.gateway_charge_id,
        amount=amount,
        idempotency_key=key,
        metadata={"payment": payment.public_id, "order": order.public_id},
    )
    record_refund(
        payment, amount=result.amount, key=key, audit_by=audit_by, reason=reason
    )
    return result.amount


@order_flow
def refund_in_full(*, order: Order, reference: str) -> int:
    """Refund every charge of the order (price, extras, tips) that is left, and
    hand back the platform's discount: the escrow ends at zero.

    A charge never captured is released, not refunded: a card's hold is
    voided; a wallet's trade (Alipay, WeChat Pay) still open for the customer
    to pay is closed, so that it cannot be paid after the order is over. A
    wallet takes the money when the customer pays, so a trade paid before our
    record of it (void answers it captured) is posted and refunded."""
    total = 0
    for payment in Payment.objects.filter(order=order).order_by("pk"):
        open_wallet_trade = (
            payment.status in {PaymentStatus.PENDING, PaymentStatus.FAILED}
            and payment.gateway in WALLET_LABELS
            and bool(payment.gateway_charge_id)
        )
        if payment.status == PaymentStatus.AUTHORISED or open_wallet_trade:
            result = _gateway_call(
                get_gateway(payment.gateway).void,
                charge_id=payment.gateway_charge_id,
                idempotency_key=f"void:{_subject(payment)}",
            )
            if result.status != "captured":
                Payment.objects.filter(pk=payment.pk).update(
                    status=PaymentStatus.VOIDED
                )
                _reached(payment, PaymentStatus.VOIDED)
                continue
            payment = record_capture(payment, result.captured_amount)
        if payment.status != PaymentStatus.CAPTURED:
            continue
        if not _posted(capture_key(payment)):
            payment = record_capture(payment, payment.captured_amount)
        left = payment.captured_amount - payment.refunded_amount
        if left > 0 and not _posted(refund_key(payment, reference)):
            total += refund_order(
                order=order, amount=left, reference=reference, payment=payment
            )
    _return_discount(order)
    return total


def _return_discount(order: Order) -> None:
    """What is left in escrow once every card charge is refunded is the platform's
    own discount: it goes back to the promotions account."""
    with transaction.atomic():
        escrow = _account(K.ORDER_ESCROW, order.currency, order=order)
        left = _locked_balance(escrow)
        refundable = Payment.objects.filter(
            order=order, status=PaymentStatus.CAPTURED
        ).exists()
        if left <= 0 or refundable:
            return
        post_entry(
            kind=DISCOUNT_RETURNED,
            legs=_legs(
                (escrow, left), (_account(K.PROMOTIONS_EXPENSE, order.currency), -left)
            ),
            order=order,
            idempotency_key=f"discount_returned:{order.public_id}",
        )


def record_refund(
    payment: Payment,
    *,
    amount: int,
    key: str,
    audit_by: User | None = None,
    reason: str = "",
) -> None:
    """Post a refund the gateway made: from escrow first; then (after release)
    from the provider's pending and available balances per policy (and from
    the staff member's, in the proportion the release split them); what is
    still missing the platform pays. With ``audit_by`` (ops decided it), the
    audit entry is written in the same transaction."""
    if key.startswith(COMPENSATION_KEY_PREFIX):
        # A webhook or reconcile found a compensation the gateway made: it is
        # the platform's money, never the order's escrow.
        record_compensation(payment, amount=amount, key=key)
        return
    if key.startswith(GUARANTEE_KEY_PREFIX):
        # The guarantee fund's money, never the order's escrow.
        record_guarantee_payout(payment, amount=amount, key=key)
        return
    order = payment.order
    currency = payment.currency
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if _posted(key):
            return
        if not _posted(capture_key(payment)):
            record_capture(payment, payment.captured_amount or amount)
            payment.refresh_from_db()
        escrow = _account(K.ORDER_ESCROW, currency, order=order)
        from_escrow = min(amount, _locked_balance(escrow))
        rest = amount - from_escrow
        pairs: list[tuple[LedgerAccount, int]] = [(escrow, from_escrow)]
        if rest and payment.kind == PaymentKind.ORDER:
            rest -= _give_back_tax(order, payment, rest, pairs)
        if rest and setting("DOORSTEP_REFUND_AFTER_RELEASE_FROM") == "provider":
            rest = _take_back(order, currency, rest, pairs)
        pairs.append((_account(K.REFUNDS_PAID, currency), rest))
        pairs.append((_account(K.GATEWAY_FUNDS, currency), -amount))
        post_entry(
            kind=REFUND,
            legs=_legs(*pairs),
            order=order,
            idempotency_key=key,
            description=payment.public_id,
        )
        refunded_before = payment.refunded_amount
        payment.refunded_amount += amount
        if payment.refunded_amount >= payment.captured_amount:
            if payment.status != PaymentStatus.REFUNDED:
                _reached(payment, PaymentStatus.REFUNDED)
            payment.status = PaymentStatus.REFUNDED
        payment.save(update_fields=["refunded_amount", "status", "updated_at"])
        if audit_by is not None:
            audit.record(
                actor=audit_by,
                action=REFUND_ACTION,
                target=order,
                reason=reason,
                before={"refunded_amount": refunded_before, "currency": currency},
                after={
                    "refunded_amount": payment.refunded_amount,
                    "amount": amount,
                    "currency": currency,
                    "payment": payment.public_id,
                },
            )


# --- Compensation for a broken promise (dispatch) ------------------------------------

COMPENSATION_KEY_PREFIX = "compensation:"


def compensation_key(order: Order, reference: str) -> str:
    return f"{COMPENSATION_KEY_PREFIX}{order.public_id}:{reference}"


@order_flow
def compensate_customer(*, order: Order, amount: int, reference: str) -> int:
    """The platform pays the customer ``amount`` of its own money, back to the
    card they paid with, because it broke a promise (``dispatch.sla``: the
    worker was not at the door in time). ``reference`` names the breach; the
    same order and reference pay once. The escrow is not touched: the worker
    is still paid in full for the job done. At most what is left to refund on
    the charge (the gateway refuses more). Returns the amount paid (0 when it
    was paid before, or when the hold was released and nothing was ever
    taken). Raises ``Conflict`` ``nothing_captured`` while the order's money
    is only held: the pending flow waits for the capture instead
    (``pending_flows.WAIT_FOR_CAPTURE``)."""
    payment = order_payment(order)
    if payment is not None and payment.status == PaymentStatus.VOIDED:
        return 0
    if payment is None or payment.status not in {
        PaymentStatus.CAPTURED,
        PaymentStatus.REFUNDED,
    }:
        raise Conflict("nothing_captured", _("No money was taken for this order."))
    key = compensation_key(order, reference)
    if _posted(key):
        return 0
    amount = min(amount, payment.captured_amount - payment.refunded_amount)
    if amount <= 0:
        return 0
    paid = _pay_from_platform_funds(payment, amount=amount, key=key)
    record_compensation(payment, amount=paid, key=key)
    return paid


def _pay_from_platform_funds(payment: Payment, *, amount: int, key: str) -> int:
    """Have the gateway pay ``amount`` of the platform's own money back on
    ``payment``'s card (a compensation, a guarantee payout), once per ``key``;
    the amount it paid. Raises ``Conflict`` when the platform's balance at the
    gateway cannot cover it."""
    if amount > spendable_cash(payment.currency):
        raise Conflict(
            "insufficient_platform_funds",
            _("The platform's balance at the gateway cannot cover this refund now."),
        )
    result = _gateway_call(
        get_gateway(payment.gateway).refund,
        charge_id=payment.gateway_charge_id,
        amount=amount,
        idempotency_key=key,
        metadata={"payment": payment.public_id, "order": payment.order.public_id},
    )
    return result.amount


def record_compensation(payment: Payment, *, amount: int, key: str) -> None:
    """Post a compensation the gateway paid: the platform's expense, out of
    its funds at the gateway (``_record_platform_payment``), stored on the
    order's dispatch job in the same transaction (shown to ops and the
    customer)."""
    from doorstep.dispatch.models import DispatchJob

    with transaction.atomic():
        if _record_platform_payment(
            payment,
            amount=amount,
            key=key,
            kind=COMPENSATION,
            paid_from=K.SLA_COMPENSATION_EXPENSE,
        ):
            DispatchJob.objects.filter(order=payment.order).update(
                compensated_amount=F("compensated_amount") + amount
            )


def _record_platform_payment(
    payment: Payment, *, amount: int, key: str, kind: str, paid_from: AccountKind
) -> bool:
    """Post money the platform paid the customer back on ``payment``'s card
    (a compensation, a guarantee payout): out of ``paid_from`` and the
    platform's funds at the gateway. It counts as refunded on the charge, so
    later refunds stay within what the card paid. Idempotent by ``key``:
    returns whether this call posted it."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if _posted(key):
            return False
        if not _posted(capture_key(payment)):
            record_capture(payment, payment.captured_amount or amount)
            payment.refresh_from_db()
        post_entry(
            kind=kind,
            legs=_legs(
                (_account(paid_from, payment.currency), amount),
                (_account(K.GATEWAY_FUNDS, payment.currency), -amount),
            ),
            order=payment.order,
            idempotency_key=key,
            description=payment.public_id,
        )
        payment.refunded_amount += amount
        if payment.refunded_amount >= payment.captured_amount:
            if payment.status != PaymentStatus.REFUNDED:
                _reached(payment, PaymentStatus.REFUNDED)
            payment.status = PaymentStatus.REFUNDED
        payment.save(update_fields=["refunded_amount", "status", "updated_at"])
        return True


def _released_parts(order: Order) -> tuple[int, int]:
    """What the order's release credited the agency (provider) and the staff
    member."""
    parts = dict(
        Posting.objects.filter(
            entry__idempotency_key=f"release:{order.public_id}",
            account__kind__in=(K.PROVIDER_PENDING, K.STAFF_PENDING),
        )
        .values_list("account__kind")
        .annotate(total=Sum("amount"))
    )
    return -(parts.get(K.PROVIDER_PENDING) or 0), -(parts.get(K.STAFF_PENDING) or 0)


def _tax_totals(order: Order, **filters: object) -> dict[str, int]:
    """The signed sums of ``order``'s postings on the two tax accounts, by
    kind, among the entries ``filters`` choose."""
    return dict(
        Posting.objects.filter(
            entry__order=order,
            account__kind__in=(K.TAX_LIABILITY, K.FEE_TAX_LIABILITY),
            **filters,
        )
        .values_list("account__kind")
        .annotate(total=Sum("amount"))
    )


def _give_back_tax(
    order: Order, payment: Payment, rest: int, pairs: list[tuple[LedgerAccount, int]]
) -> int:
    """A refund after release returns the customer's share of the taxes the
    release posted — on the service and on the service fee, not on the
    commission (the platform keeps its commission) — in proportion to the
    part of the charge refunded, rounded down; the refund that completes the
    charge returns the rest. Appends the legs to ``pairs`` and returns the tax
    given back (the provider and the platform give the remainder)."""
    released = _tax_totals(order, entry__idempotency_key=f"release:{order.public_id}")
    if not released:
        return 0
    commission_tax = (
        OrderTax.objects.filter(order=order, base=TaxBase.COMMISSION).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )
    given = _tax_totals(order, entry__kind=REFUND)
    last = payment.refunded_amount + rest >= payment.captured_amount
    back = 0
    for kind, collected in (
        (K.TAX_LIABILITY, -(released.get(K.TAX_LIABILITY) or 0)),
        (
            K.FEE_TAX_LIABILITY,
            -(released.get(K.FEE_TAX_LIABILITY) or 0) - commission_tax,
        ),
    ):
        left = collected - (given.get(kind) or 0)
        share = left if last else collected * rest // payment.captured_amount
        share = max(min(share, left, rest - back), 0)
        if share:
            pairs.append((_account(kind, order.currency), share))
            back += share
    return back


def _take_back(
    order: Order, currency: str, rest: int, pairs: list[tuple[LedgerAccount, int]]
) -> int:
    """Take ``rest`` back from whoever the release paid: the provider, and the
    staff member in proportion to their part. Appends the legs to ``pairs``
    and returns what neither could give (the platform pays it)."""
    agency_part, staff_part = _released_parts(order)
    from_staff = rest * staff_part // (agency_part + staff_part) if staff_part else 0
    owed = {"provider": rest - from_staff, "staff": from_staff}
    sources = [
        ("provider", {"provider": order.provider}, K.PROVIDER_PENDING),
        ("provider", {"provider": order.provider}, K.PROVIDER_AVAILABLE),
    ]
    if from_staff:
        sources += [
            ("staff", {"staff": order.staff}, K.STAFF_PENDING),
            ("staff", {"staff": order.staff}, K.STAFF_AVAILABLE),
        ]
    for party, whose, kind in sources:
        if not owed[party]:
            continue
        account = _account(kind, currency, **whose)
        taken = min(owed[party], _locked_balance(account))
        pairs.append((account, taken))
        owed[party] -= taken
    return owed["provider"] + owed["staff"]


# --- Cancellation ---------------------------------------------------------------------


@order_flow
def settle_cancellation(*, order: Order, fee: int | None = None) -> int:
    """A cancelled order (or a customer no-show): keep the policy's fee (set by
    the orders process on ``cancellation_fee_amount``), split it between the
    provider and the platform, and give the rest back. Returns the fee kept."""
    fee = order.cancellation_fee_amount if fee is None else fee
    payment = order_payment(order)
    if payment is None or payment.status in {
        PaymentStatus.PENDING,
        PaymentStatus.FAILED,
        PaymentStatus.VOIDED,
    }:
        return 0
    if payment.status == PaymentStatus.AUTHORISED:
        if fee <= 0:
            void_order(order=order)
            return 0
        payment = _capture(payment, amount=min(fee, payment.amount))
    fee = min(fee, payment.captured_amount)
    key = f"cancellation_fee:{order.public_id}"
    if not _posted(key):
        # Everything but the fee goes back: extras in full, the price less the fee.
        for extra in Payment.objects.filter(order=order).exclude(pk=payment.pk):
            if extra.status == PaymentStatus.CAPTURED:
                left = extra.captured_amount - extra.refunded_amount
                if left > 0:
                    refund_order(
                        order=order, amount=left, reference="cancel", payment=extra
                    )
        payment.refresh_from_db()
        left = payment.captured_amount - payment.refunded_amount - fee
        if left > 0:
            refund_order(order=order, amount=left, reference="cancel", payment=payment)
    with transaction.atomic():
        if _posted(key):
            return fee
        escrow = _account(K.ORDER_ESCROW, order.currency, order=order)
        held = _locked_balance(escrow)
        kept = min(fee, held)
        discount_left = held - kept
        provider_share = (
            kept * policy.current().cancellation_provider_share_bps // 10_000
        )
        if held:
            post_entry(
                kind=CANCELLATION_FEE,
                legs=_legs(
                    (escrow, held),
                    (
                        _account(
                            K.PROVIDER_PENDING, order.currency, provider=order.provider
                        ),
                        -provider_share,
                    ),
                    (
                        _account(K.CANCELLATION_FEE_REVENUE, order.currency),
                        -(kept - provider_share),
                    ),
                    (_account(K.PROMOTIONS_EXPENSE, order.currency), -discount_left),
                ),
                order=order,
                idempotency_key=key,
                description=order.public_id,
            )
    return fee


# --- Tips and extra charges -----------------------------------------------------------


def _charge_now(
    extra: ExtraCharge, *, payment_method: str | None, reference: str
) -> ExtraCharge:
    order = extra.order
    main = order_payment(order)
    method = payment_method or (main.payment_method if main else "")
    if not method:
        raise DomainError("card_required", _("Enter a card to pay with."))
    with transaction.atomic():
        payment = extra.payment
        if payment is None:
            payment = Payment.objects.create(
                order=order,
                kind=extra.kind,
                currency=extra.currency,
                base_amount=extra.amount,
                amount=extra.amount,
                gateway=get_gateway().name,
                idempotency_key=f"pay:{extra.public_id}",
            )
            extra.payment = payment
            extra.save(update_fields=["payment"])
    if payment.status in {PaymentStatus.PENDING, PaymentStatus.FAILED}:
        try:
            payment = _authorise(
                payment,
                payment_method=method,
                key=f"auth:{extra.public_id}:{_payment_method_key(method)}",
            )
        except PaymentError as error:
            if not error.retryable:
                ExtraCharge.objects.filter(pk=extra.pk).update(
                    status=ExtraCharge.Status.FAILED
                )
            raise
    _capture(payment, amount=None)
    extra.refresh_from_db()
    return extra


def add_tip(
    *,
    order: Order,
    amount: int,
    reference: str,
    payment_method: str | None = None,
) -> ExtraCharge:
    """A tip after completion: charged at once, all of it to the provider (no
    commission). ``reference`` makes a repeat return the first tip."""
    if order.state != OrderState.COMPLETED:
        raise Conflict("not_completed", _("You can tip once the job is completed."))
    if amount <= 0:
        raise DomainError("invalid_amount", _("Enter an amount above zero."))
    try:
        with transaction.atomic():
            extra, _created = ExtraCharge.objects.get_or_create(
                order=order,
                kind=ExtraCharge.Kind.TIP,
                description=f"tip:{reference}"[:200],
                defaults={
                    "status": ExtraCharge.Status.APPROVED,
                    "amount": amount,
                    "currency": order.currency,
                },
            )
    except IntegrityError:  # pragma: no cover - concurrent duplicate
        extra = ExtraCharge.objects.get(
            order=order, kind=ExtraCharge.Kind.TIP, description=f"tip:{reference}"
        )
    return _charge_now(extra, payment_method=payment_method, reference=reference)


@order_flow
def charge_late_change_fee(*, order: Order, request_id: str) -> ExtraCharge | None:
    """The provider accepted the customer's late reschedule ``request_id``: charge
    the policy's fee recorded on it (what the customer was told when proposing)
    to the card on file. Into escrow with the order's money, released to the
    provider with it (less commission). Once per request, however often it runs;
    ``None`` when the request carries no fee."""
    request = RescheduleRequest.objects.filter(
        order=order,
        public_id=request_id,
        status=RescheduleRequest.Status.ACCEPTED,
        is_late=True,
        fee_amount__gt=0,
    ).first()
    if request is None:
        return None
    reference = f"reschedule:{request.public_id}"
    try:
        with transaction.atomic():
            extra, _created = ExtraCharge.objects.get_or_create(
                order=order,
                reference=reference,
                defaults={
                    "kind": ExtraCharge.Kind.LATE_FEE,
                    "status": ExtraCharge.Status.APPROVED,
                    "description": reference,
                    "amount": request.fee_amount,
                    "currency": order.currency,
                },
            )
    except IntegrityError:  # pragma: no cover - a concurrent run created it
        extra = ExtraCharge.objects.get(order=order, reference=reference)
    if extra.status in {ExtraCharge.Status.CAPTURED, ExtraCharge.Status.FAILED}:
        return extra
    return _charge_now(extra, payment_method=None, reference=reference)


def propose_extra_charge(*, order: Order, amount: int, description: str) -> ExtraCharge:
    """The provider asks for more (materials, extra hours); nothing is charged
    until the customer approves."""
    if order.state not in EXTRA_CHARGE_STATES:
        raise Conflict("extra_not_allowed", _("Extra charges are not possible now."))
    if amount <= 0:
        raise DomainError(
            "invalid_amount",
            _("Enter an amount above zero."),
            fields={"amount": [_("Enter an amount above zero.")]},
        )
    return ExtraCharge.objects.create(
        order=order,
        kind=ExtraCharge.Kind.EXTRA,
        status=ExtraCharge.Status.PROPOSED,
        description=description,
        amount=amount,
        currency=order.currency,
    )


def approve_extra_charge(
    *, extra: ExtraCharge, payment_method: str | None = None
) -> ExtraCharge:
    """The customer agrees: charge it; into escrow until completion (or straight
    to the provider, less commission, when the job is already completed)."""
    if extra.kind != ExtraCharge.Kind.EXTRA:
        raise NotFound("extra_not_found", _("No such extra charge."))
    with transaction.atomic():
        extra = ExtraCharge.objects.select_for_update().get(pk=extra.pk)
        if extra.status == ExtraCharge.Status.PROPOSED:
            if extra.order.state not in EXTRA_CHARGE_STATES:
                raise Conflict(
                    "extra_not_allowed", _("Extra charges are not possible now.")
                )
            extra.status = ExtraCharge.Status.APPROVED
            extra.save(update_fields=["status"])
        elif extra.status == ExtraCharge.Status.DECLINED:
            raise Conflict("extra_declined", _("This extra charge was declined."))
    if extra.status == ExtraCharge.Status.CAPTURED:
        return extra
    return _charge_now(extra, payment_method=payment_method, reference="approve")


def decline_extra_charge(*, extra: ExtraCharge) -> ExtraCharge:
    updated = ExtraCharge.objects.filter(
        pk=extra.pk, status=ExtraCharge.Status.PROPOSED
    ).update(status=ExtraCharge.Status.DECLINED)
    if not updated:
        raise Conflict("extra_answered", _("This extra charge was already answered."))
    extra.refresh_from_db()
    return extra


# --- Clearing -------------------------------------------------------------------------


# Pending earnings and the balance they clear into.
CLEARS_INTO = {
    K.PROVIDER_PENDING: K.PROVIDER_AVAILABLE,
    K.STAFF_PENDING: K.STAFF_AVAILABLE,
}


def clear_pending(*, now: datetime) -> int:
    """Earnings older than the operator's clearing period
    (``policy.current().clearing_days``) become available for payout (a
    provider's and an agency staff member's alike). One
    clearing entry per earning entry (keyed by it): safe to run any time."""
    cutoff = now - timedelta(days=policy.current().clearing_days)
    credits = (
        Posting.objects.filter(
            account__kind__in=CLEARS_INTO,
            amount__lt=0,
            entry__created_at__lte=cutoff,
        )
        .select_related("account", "entry")
        .order_by("pk")
    )
    cleared = 0
    for posting in credits:
        key = f"clearing:{posting.entry.public_id}:{posting.account_id}"
        if _posted(key):
            continue
        with transaction.atomic():
            pending = posting.account
            amount = min(-posting.amount, _locked_balance(pending))
            if amount <= 0:
                continue
            available = _account(
                CLEARS_INTO[pending.kind],
                pending.currency,
                provider=pending.provider,
                staff=pending.staff,
            )
            post_entry(
                kind=CLEARING,
                legs=_legs((pending, amount), (available, -amount)),
                order=posting.entry.order,
                idempotency_key=key,
            )
            cleared += 1
    return cleared


# --- Payouts --------------------------------------------------------------------------


def _formatted(amount: int, currency: str) -> str:
    """An amount as the reader writes it (messages never show minor units)."""
    return Money(amount, currency).format(get_language() or "en")


def request_payout(
    *,
    provider: ProviderProfile,
    amount: int,
    currency: str,
) -> PayoutRequest:
    """A provider asks for ``amount`` of the available balance (at least
    the operator's minimum payout, at most what is available and not yet
    requested), to their connected account — refused (``payouts_not_enabled``) until the
    gateway can pay it."""
    minimum = policy.amount_in("min_payout", currency)
    if amount < minimum:
        raise DomainError(
            "below_minimum_payout",
            _("The smallest payout is %(minimum)s.")
            % {"minimum": _formatted(minimum, currency)},
            fields={"amount": [_("Below the minimum payout.")]},
        )
    destination = payout_destination(provider)
    with transaction.atomic():
        available = _account(K.PROVIDER_AVAILABLE, currency, provider=provider)
        balance = _locked_balance(available)  # serialises a provider's requests
        open_requests = (
            PayoutRequest.objects.filter(
                provider=provider,
                currency=currency,
                status=PayoutRequest.Status.REQUESTED,
            ).aggregate(s=Sum("amount"))["s"]
            or 0
        )
        if amount > balance - open_requests:
            raise DomainError(
                "insufficient_funds",
                _("You can request at most %(amount)s.")
                % {"amount": _formatted(max(balance - open_requests, 0), currency)},
                fields={"amount": [_("More than your available balance.")]},
            )
        return PayoutRequest.objects.create(
            provider=provider,
            amount=amount,
            currency=currency,
            destination=destination,
        )


def approve_payouts(
    *, request_ids: list[int], user: User, reason: str = ""
) -> PayoutBatch:
    """Ops approve requested payouts as one batch: each moves the money out of
    the provider's available balance, then (after commit) goes to the gateway.
    Each payout's decision is audited (with ``reason``) in the transaction.
    Raises ``PermissionDenied`` unless ``user``'s ops role approves payouts."""
    require_ops_permission(user, OpsPermission.APPROVE_PAYOUTS)
    with transaction.atomic():
        batch = PayoutBatch.objects.create(approved_by=user)
        requests = list(
            PayoutRequest.objects.select_for_update()
            .filter(pk__in=request_ids, status=PayoutRequest.Status.REQUESTED)
            .order_by("pk")
        )
        for payout in requests:
            account = payout_account_of(payout.provider)
            if account is None or not (
                account.can_receive_payouts()
                and account.account_id == payout.destination
            ):
                # Onboarding lapsed since the request (the gateway disabled the
                # account, or it was replaced): nothing moves; the provider asks
                # again once payouts work.
                payout.status = PayoutRequest.Status.FAILED
                payout.failure_code = PAYOUTS_NOT_ENABLED
                payout.batch = batch
                payout.save(
                    update_fields=["status", "failure_code", "batch", "updated_at"]
                )
                _audit_payout(payout, user=user, reason=reason)
                continue
            if payout.amount > spendable_cash(payout.currency):
                # Refunds the platform paid left its gateway balance short: the
                # gateway would refuse the transfer, so nothing moves until
                # finance tops the balance up and the provider asks again.
                payout.status = PayoutRequest.Status.FAILED
                payout.failure_code = "insufficient_platform_funds"
                payout.batch = batch
                payout.save(
                    update_fields=["status", "failure_code", "batch", "updated_at"]
                )
                _audit_payout(payout, user=user, reason=reason)
                continue
            try:
                with transaction.atomic():
                    post_entry(
                        kind=PAYOUT,
                        legs=_legs(
                            (
                                _account(
                                    K.PROVIDER_AVAILABLE,
                                    payout.currency,
                                    provider=payout.provider,
                                ),
                                payout.amount,
                            ),
                            (
                                _account(K.PAYOUTS_IN_TRANSIT, payout.currency),
                                -payout.amount,
                            ),
                        ),
                        idempotency_key=f"payout:{payout.public_id}",
                        description=payout.public_id,
                    )
                    payout.status = PayoutRequest.Status.APPROVED
                    payout.gateway = get_gateway().name
            except Conflict:
                payout.status = PayoutRequest.Status.FAILED
                payout.failure_code = "insufficient_funds"
            payout.batch = batch
            payout.save(
                update_fields=[
                    "status",
                    "gateway",
                    "failure_code",
                    "batch",
                    "updated_at",
                ]
            )
            _audit_payout(payout, user=user, reason=reason)
    for payout in requests:
        if payout.status == PayoutRequest.Status.APPROVED:
            try:
                send_payout(payout)
            except PaymentError as error:
                logger.warning("payout %s not sent: %s", payout.public_id, error.code)
    return batch


def _audit_payout(payout: PayoutRequest, *, user: User, reason: str) -> None:
    audit.record(
        actor=user,
        action=APPROVE_PAYOUT_ACTION,
        target=payout,
        reason=reason,
        before={"status": PayoutRequest.Status.REQUESTED.value},
        after={
            "status": payout.status,
            "failure_code": payout.failure_code,
            "batch": payout.batch.public_id,
            "amount": payout.amount,
            "currency": payout.currency,
        },
    )


def send_payout(payout: PayoutRequest) -> PayoutRequest:
    """Ask the gateway to send an approved payout (again, after a crash: the key
    makes it once)."""
    if payout.status != PayoutRequest.Status.APPROVED:
        return payout
    try:
        result = get_gateway(payout.gateway).payout(
            amount=payout.amount,
            currency=payout.currency,
            destination=payout.destination,
            idempotency_key=f"payout:{payout.public_id}",
            metadata={"payout": payout.public_id},
        )
    except GatewayError as error:
        if not error.retryable:
            return_payout(payout, failure_code=error.code)
        raise PaymentError(error) from error
    PayoutRequest.objects.filter(
        pk=payout.pk, status=PayoutRequest.Status.APPROVED
    ).update(status=PayoutRequest.Status.IN_TRANSIT, gateway_payout_id=result.payout_id)
    payout.refresh_from_db()
    return payout


def mark_payout_paid(payout: PayoutRequest, *, gateway_payout_id: str = "") -> None:
    """The gateway paid the provider: the money leaves the platform's funds and
    the platform no longer owes it in transfer (once, keyed by the payout)."""
    with transaction.atomic():
        payout = PayoutRequest.objects.select_for_update().get(pk=payout.pk)
        if payout.status in {
            PayoutRequest.Status.APPROVED,
            PayoutRequest.Status.IN_TRANSIT,
        }:
            post_entry(
                kind=PAYOUT_PAID,
                legs=_legs(
                    (_account(K.PAYOUTS_IN_TRANSIT, payout.currency), payout.amount),
                    (_account(K.GATEWAY_FUNDS, payout.currency), -payout.amount),
                ),
                idempotency_key=f"payout_paid:{payout.public_id}",
                description=payout.public_id,
            )
            payout.status = PayoutRequest.Status.PAID
            payout.gateway_payout_id = gateway_payout_id or payout.gateway_payout_id
            payout.save(update_fields=["status", "gateway_payout_id", "updated_at"])
            _record_payout_event(payout)


def return_payout(payout: PayoutRequest, *, failure_code: str) -> None:
    """The payout failed: the money goes back to the provider's available balance."""
    with transaction.atomic():
        payout = PayoutRequest.objects.select_for_update().get(pk=payout.pk)
        if payout.status in {
            PayoutRequest.Status.REQUESTED,
            PayoutRequest.Status.FAILED,
        }:
            return
        if payout.status == PayoutRequest.Status.PAID:
            # Paid, then bounced back by the bank: the cash came back first.
            post_entry(
                kind=PAYOUT_RETURNED,
                legs=_legs(
                    (_account(K.GATEWAY_FUNDS, payout.currency), payout.amount),
                    (_account(K.PAYOUTS_IN_TRANSIT, payout.currency), -payout.amount),
                ),
                idempotency_key=f"payout_bounced:{payout.public_id}",
                description=payout.public_id,
            )
        post_entry(
            kind=PAYOUT_RETURNED,
            legs=_legs(
                (_account(K.PAYOUTS_IN_TRANSIT, payout.currency), payout.amount),
                (
                    _account(
                        K.PROVIDER_AVAILABLE, payout.currency, provider=payout.provider
                    ),
                    -payout.amount,
                ),
            ),
            idempotency_key=f"payout_returned:{payout.public_id}",
            description=payout.public_id,
        )
        payout.status = PayoutRequest.Status.FAILED
        payout.failure_code = failure_code[:40]
        payout.save(update_fields=["status", "failure_code", "updated_at"])
        _record_payout_event(payout)


def _record_payout_event(payout: PayoutRequest) -> None:
    """``payout.paid`` / ``payout.failed``: the provider is told, integrators'
    webhooks and the transparency log hear of it (after commit, from the outbox)."""
    record_event(
        topic=f"payout.{payout.status}",
        subject=payout.public_id,
        payload={
            "status": payout.status,
            "amount": payout.amount,
            "currency": payout.currency,
        },
    )


# --- Fines (standards enforcement) ----------------------------------------------------
#
# A fine moves money the provider holds on the platform to ``PENALTY_REVENUE``:
# from the available balance first, then from the pending one. Balances never go
# negative, so what the provider does not have is recorded as
# ``PROVIDER_RECEIVABLE`` — a debt netted from their next earnings by
# ``collect_fine_debts`` (as Uber and Urban Company recover penalties from later
# payouts) rather than capped: capping would make a fine free for a provider who
# just cashed out. Nothing leaves the platform, so no gateway call is made and
# the flow runs inside the caller's transaction.

FINE = "fine"
FINE_REFUND = "fine_refund"
FINE_DEBT_COLLECTED = "fine_debt_collected"


def fine_key(fine_id: str) -> str:
    return f"fine:{fine_id}"


@order_flow
def charge_fine(*, order: Order, fine_id: str, amount: int) -> JournalEntry:
    """Take fine ``fine_id`` (``amount`` in the order's currency) from the
    order's provider: available, then pending, the rest owed. Idempotent by the
    fine's id. Locks the provider's accounts (in id order, through
    ``post_entry``)."""
    if amount <= 0:
        raise DomainError("invalid_amount", _("A fine must be positive."))
    return _take_from_provider(
        kind=FINE,
        key=fine_key(fine_id),
        provider=order.provider,
        amount=amount,
        currency=order.currency,
        revenue=K.PENALTY_REVENUE,
        order=order,
        description=fine_id,
    )


def _take_from_provider(
    *,
    kind: str,
    key: str,
    provider: ProviderProfile,
    amount: int,
    currency: str,
    revenue: AccountKind,
    order: Order | None = None,
    description: str,
) -> JournalEntry:
    """Move ``amount`` the provider holds on the platform to ``revenue``:
    from the available balance, then the pending one, the rest recorded as
    owed (``PROVIDER_RECEIVABLE``). Once per ``key``."""
    with transaction.atomic():
        existing = JournalEntry.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        available = _account(K.PROVIDER_AVAILABLE, currency, provider=provider)
        pending = _account(K.PROVIDER_PENDING, currency, provider=provider)
        from_available = min(amount, max(_locked_balance(available), 0))
        from_pending = min(amount - from_available, max(_locked_balance(pending), 0))
        owed = amount - from_available - from_pending
        return post_entry(
            kind=kind,
            legs=_legs(
                (available, from_available),
                (pending, from_pending),
                (_account(K.PROVIDER_RECEIVABLE, currency, provider=provider), owed),
                (_account(revenue, currency), -amount),
            ),
            order=order,
            idempotency_key=key,
            description=description,
        )


def _give_back_to_provider(
    *,
    kind: str,
    key: str,
    charged_key: str,
    provider: ProviderProfile,
    revenue: AccountKind,
    order: Order | None = None,
    description: str,
) -> JournalEntry | None:
    """Return what the entry ``charged_key`` took (``_take_from_provider``):
    first cancel what the provider still owes, then credit the rest to their
    available balance. Once per ``key``; ``None`` if nothing was taken."""
    with transaction.atomic():
        charged = JournalEntry.objects.filter(idempotency_key=charged_key).first()
        if charged is None:
            return None
        existing = JournalEntry.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        taken = charged.postings.get(account__kind=revenue)
        amount = -taken.amount
        currency = taken.currency
        receivable = _account(K.PROVIDER_RECEIVABLE, currency, provider=provider)
        forgiven = min(amount, max(_locked_balance(receivable), 0))
        return post_entry(
            kind=kind,
            legs=_legs(
                (taken.account, amount),
                (receivable, -forgiven),
                (
                    _account(K.PROVIDER_AVAILABLE, currency, provider=provider),
                    -(amount - forgiven),
                ),
            ),
            order=order,
            idempotency_key=key,
            description=description,
        )


@order_flow
def refund_fine(*, order: Order, fine_id: str) -> JournalEntry | None:
    """Give fine ``fine_id`` back (an appeal overturned it): first cancel what
    the provider still owes, then credit the rest to the available balance.
    Idempotent; ``None`` if the fine was never charged."""
    return _give_back_to_provider(
        kind=FINE_REFUND,
        key=f"fine_refund:{fine_id}",
        charged_key=fine_key(fine_id),
        provider=order.provider,
        revenue=K.PENALTY_REVENUE,
        order=order,
        description=fine_id,
    )


# --- Lead fees (requests for quotes) ------------------------------------------------
#
# A provider pays a lead fee to send a quote (the operator's ``quote_lead_fee``),
# taken like a fine: from the available balance, then the pending one, the rest
# owed and netted from later earnings by ``collect_fine_debts``. Refunded in full
# when the customer never opened the quote (``quotes.services``). Nothing leaves
# the platform: no gateway call, run in the caller's transaction.

LEAD_FEE = "lead_fee"
LEAD_FEE_REFUND = "lead_fee_refund"


def lead_fee_key(quote_id: str) -> str:
    return f"lead_fee:{quote_id}"


def charge_lead_fee(
    *, provider: ProviderProfile, quote_id: str, amount: int, currency: str
) -> JournalEntry:
    """Take the lead fee for quote ``quote_id`` from ``provider``. Idempotent
    by the quote's id."""
    if amount <= 0:
        raise DomainError("invalid_amount", _("A lead fee must be positive."))
    return _take_from_provider(
        kind=LEAD_FEE,
        key=lead_fee_key(quote_id),
        provider=provider,
        amount=amount,
        currency=currency,
        revenue=K.LEAD_FEE_REVENUE,
        description=quote_id,
    )


def refund_lead_fee(*, provider: ProviderProfile, quote_id: str) -> JournalEntry | None:
    """Give the lead fee of quote ``quote_id`` back: first cancel what the
    provider still owes, then credit the rest to their available balance.
    Idempotent; ``None`` if no fee was charged."""
    return _give_back_to_provider(
        kind=LEAD_FEE_REFUND,
        key=f"lead_fee_refund:{quote_id}",
        charged_key=lead_fee_key(quote_id),
        provider=provider,
        revenue=K.LEAD_FEE_REVENUE,
        description=quote_id,
    )


# --- Paid promotion ------------------------------------------------------------------
#
# A provider pays for days of a listing's promotion in search (the operator's
# ``promotion_day_price``), taken like a lead fee: from the available balance,
# then the pending one, the rest owed. No gateway call; run in the caller's
# transaction.

PROMOTION = "promotion"


def promotion_key(promotion_id: str) -> str:
    return f"promotion:{promotion_id}"


def charge_promotion(
    *, provider: ProviderProfile, promotion_id: str, amount: int, currency: str
) -> JournalEntry:
    """Take the price of promotion ``promotion_id`` from ``provider``.
    Idempotent by the promotion's id."""
    if amount <= 0:
        raise DomainError("invalid_amount", _("A promotion's price must be positive."))
    return _take_from_provider(
        kind=PROMOTION,
        key=promotion_key(promotion_id),
        provider=provider,
        amount=amount,
        currency=currency,
        revenue=K.PROMOTION_REVENUE,
        description=promotion_id,
    )


def collect_fine_debts(*, provider: ProviderProfile | None = None) -> int:
    """Net what providers owe for fines from the balances they have now
    (available first, then pending). Keyed by the debt account's posting count,
    so a repeat with nothing new posts nothing. Returns how many entries it
    wrote. Run by the ``collect_fine_debts`` periodic job and after each fine."""
    debts = LedgerAccount.objects.filter(kind=K.PROVIDER_RECEIVABLE, balance__gt=0)
    if provider is not None:
        debts = debts.filter(provider=provider)
    written = 0
    for debt in debts.select_related("provider").order_by("pk"):
        with transaction.atomic():
            owed = _locked_balance(debt)
            available = _account(
                K.PROVIDER_AVAILABLE, debt.currency, provider=debt.provider
            )
            pending = _account(
                K.PROVIDER_PENDING, debt.currency, provider=debt.provider
            )
            from_available = min(owed, max(_locked_balance(available), 0))
            from_pending = min(owed - from_available, max(_locked_balance(pending), 0))
            if from_available + from_pending <= 0:
                continue
            post_entry(
                kind=FINE_DEBT_COLLECTED,
                legs=_legs(
                    (available, from_available),
                    (pending, from_pending),
                    (debt, -(from_available + from_pending)),
                ),
                idempotency_key=(f"fine_debt:{debt.public_id}:{debt.postings.count()}"),
                description=debt.provider.public_id,
            )
            written += 1
    return written


# --- An agency's staff: their share, and the agency paying them --------------------


def staff_share(earned: int, share_bps: int) -> int:
    """The staff member's part of ``earned`` (what the provider earns on the
    order after commission) at ``share_bps``, rounded down: the agency keeps
    the odd minor unit."""
    return earned * share_bps // 10_000


@transaction.atomic
def set_staff_share(*, agency: Agency, user: User, share_bps: int) -> Agency:
    """The agency's owner sets the staff's part of future releases. Raises
    ``NotFound`` for anyone but the owner (managers included: it is the
    owner's money) and ``invalid_input`` outside 0–10,000."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if agency.owner_id != user.pk:
        raise NotFound("agency_not_found", _("No such agency."))
    if not 0 <= share_bps <= 10_000:
        message = _("Give a share between 0 and 10,000 basis points (0–100%).")
        raise DomainError(
            "invalid_input", message, status=400, fields={"share_bps": [message]}
        )
    agency.staff_share_bps = share_bps
    agency.save(update_fields=["staff_share_bps"])
    return agency


def agency_provider(agency: Agency) -> ProviderProfile:
    """The provider profile the agency sells and is paid under: its owner's."""
    return ProviderProfile.objects.get(user_id=agency.owner_id)


def runs_agency(user: User, agency_id: int) -> bool:
    """The agency's owner, or one of its active managers."""
    return (
        StaffMember.objects.filter(
            agency_id=agency_id,
            user=user,
            is_active=True,
            role__in=StaffMember.MANAGING_ROLES,
        ).exists()
        or Agency.objects.filter(pk=agency_id, owner=user).exists()
    )


def record_staff_payout(
    *, staff: StaffMember, user: User, amount: int, currency: str, reference: str
) -> JournalEntry:
    """The agency (its owner or a manager, ``user``) records that it paid
    ``staff`` ``amount`` of their available earnings itself. The platform then
    owes that money to the agency instead: it moves from the staff member's
    available balance to the agency's, which the agency is paid out as usual.
    ``reference`` names this payment: the same reference records once.

    Staff members are paid by their agency, not by the platform: they have no
    payout account of their own. Raises ``NotFound`` unless ``user`` runs the
    staff member's agency, ``invalid_input`` for an amount below 1 and
    ``insufficient_funds`` above their available balance."""
    if not runs_agency(user, staff.agency_id):
        raise NotFound("staff_not_found", _("No such staff member."))
    if amount <= 0:
        message = _("Enter an amount above zero.")
        raise DomainError(
            "invalid_input", message, status=400, fields={"amount": [message]}
        )
    reference = (reference or "").strip()[:60] or "-"
    key = f"staff_paid:{staff.public_id}:{reference}"
    with transaction.atomic():
        existing = JournalEntry.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing
        available = _account(K.STAFF_AVAILABLE, currency, staff=staff)
        balance = _locked_balance(available)
        if amount > balance:
            raise DomainError(
                "insufficient_funds",
                _("You can record at most %(amount)s.")
                % {"amount": _formatted(balance, currency)},
                fields={"amount": [_("More than their available balance.")]},
            )
        agency = _account(
            K.PROVIDER_AVAILABLE, currency, provider=agency_provider(staff.agency)
        )
        return post_entry(
            kind=STAFF_PAID_BY_AGENCY,
            legs=_legs((available, amount), (agency, -amount)),
            idempotency_key=key,
            description=f"{staff.public_id} {reference}",
        )


# --- Disputes (support) -------------------------------------------------------------
#
# A dispute settles on a refund of ``refund_amount`` to the customer, the
# provider keeping the rest. While the money is held (a delivered order in
# dispute, moved to completed or refunded by ``resolve_split`` /
# ``resolve_refund``) the refund comes out of escrow and the rest is released
# as on any completion. After completion it is taken back from the provider's
# pending, then available balance (``_take_back``, through ``record_refund``);
# what the provider no longer has, the platform pays the customer at once and
# the provider owes it: moved from ``REFUNDS_PAID`` to ``PROVIDER_RECEIVABLE``,
# netted from their next earnings by ``collect_fine_debts`` — as a fine the
# provider cannot pay is. (A refund for any other reason after release stays
# the platform's expense, as before.)

DISPUTE_DEBT = "dispute_debt"


def dispute_refund_reference(reference: str) -> str:
    return f"dispute:{reference}"


@order_flow
def settle_dispute(*, order: Order, refund_amount: int, reference: str) -> int:
    """Refund ``refund_amount`` of the order's payment to the customer for
    dispute ``reference`` (its public id) and pay the provider the rest:
    captures first if the money is only held, refunds (once per reference),
    then releases what is left in escrow when the order is completed, and
    records what the provider could not give back as their debt. Idempotent.
    Returns the amount refunded by this call."""
    payment = order_payment(order)
    if payment is not None and payment.status == PaymentStatus.AUTHORISED:
        payment = _capture(payment, amount=None)
    refunded = 0
    reference = dispute_refund_reference(reference)
    if refund_amount > 0 and payment is not None:
        refunded = refund_order(order=order, amount=refund_amount, reference=reference)
    order.refresh_from_db(fields=["state"])
    if order.state == OrderState.COMPLETED:
        release_order(order=order)
    if payment is not None and refund_amount > 0:
        _record_dispute_debt(order, refund_key(payment, reference))
    return refunded


def _record_dispute_debt(order: Order, key: str) -> JournalEntry | None:
    """What the platform paid of the dispute's refund becomes the provider's
    debt (see above). Idempotent by the refund's key."""
    debt_key = f"{DISPUTE_DEBT}:{key}"
    with transaction.atomic():
        if _posted(debt_key) or order.provider is None:
            return None
        # The refund's debit to ``REFUNDS_PAID``: the platform's share of it.
        owed = (
            Posting.objects.filter(
                entry__idempotency_key=key, account__kind=K.REFUNDS_PAID
            ).aggregate(total=Sum("amount"))["total"]
            or 0
        )
        if owed <= 0:
            return None
        currency = order.currency
        return post_entry(
            kind=DISPUTE_DEBT,
            legs=_legs(
                (_account(K.REFUNDS_PAID, currency), -owed),
                (
                    _account(K.PROVIDER_RECEIVABLE, currency, provider=order.provider),
                    owed,
                ),
            ),
            order=order,
            idempotency_key=debt_key,
            description=order.public_id,
        )


# --- The platform guarantee -----------------------------------------------------------

GUARANTEE_PAYOUT = "guarantee_payout"
GUARANTEE_FUNDED = "guarantee_funded"
GUARANTEE_KEY_PREFIX = "guarantee:"


def guarantee_key(order: Order, reference: str) -> str:
    return f"{GUARANTEE_KEY_PREFIX}{order.public_id}:{reference}"


def guarantee_fund_balance(currency: str) -> int:
    return _account(K.GUARANTEE_FUND, currency).balance


def fund_guarantee(
    *, currency: str, amount: int, user: User, reason: str, key: str
) -> JournalEntry:
    """Finance puts ``amount`` of the platform's money into the guarantee fund
    (the reserve damage claims are paid from), audited with ``reason``. ``key``
    names this funding: the same key funds once. Raises ``PermissionDenied``
    unless ``user``'s ops role approves payouts, ``DomainError`` for an amount
    that is not positive or a missing reason."""
    require_ops_permission(user, OpsPermission.APPROVE_PAYOUTS)
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not isinstance(amount, int) or amount <= 0:
        errors["amount"] = [_("Give an amount above zero.")]
    if not reason:
        errors["reason"] = [_("Say why, for the audit trail.")]
    if errors:
        raise DomainError(
            "invalid_input", _("Some fields are not valid."), fields=errors
        )
    idempotency_key = f"guarantee_funding:{key}"[:120]
    with transaction.atomic():
        fund = _account(K.GUARANTEE_FUND, currency)
        before = _locked_balance(fund)
        replayed = JournalEntry.objects.filter(idempotency_key=idempotency_key)
        if replayed.exists():
            # The same funding again: nothing moves, so nothing to audit.
            return replayed.get()
        entry = post_entry(
            kind=GUARANTEE_FUNDED,
            legs=_legs(
                (_account(K.GUARANTEE_FUNDING, currency), amount),
                (fund, -amount),
            ),
            idempotency_key=idempotency_key,
            description=reason[:255],
        )
        audit.record(
            actor=user,
            action=FUND_GUARANTEE_ACTION,
            target=fund,
            reason=reason,
            before={"balance": before, "currency": currency},
            after={"balance": before + amount, "amount": amount, "currency": currency},
        )
    return entry


@order_flow
def pay_guarantee(*, order: Order, amount: int, reference: str) -> int:
    """The platform guarantee pays the customer ``amount`` for damage, from the
    guarantee fund, back to the card they paid the order with (as
    ``compensate_customer`` pays a broken promise). ``reference`` names the
    claim: the same order and reference pay once. The escrow and the
    provider's earnings are not touched. Returns the amount paid (0 when it
    was paid before). Raises ``Conflict`` ``nothing_captured`` (no charge to
    pay back to), ``insufficient_funds`` (the fund cannot cover it: finance
    funds it, the flow is retried) or ``refund_too_large``."""
    payment = order_payment(order)
    if payment is None or payment.status not in {
        PaymentStatus.CAPTURED,
        PaymentStatus.REFUNDED,
    }:
        raise Conflict("nothing_captured", _("No money was taken for this order."))
    key = guarantee_key(order, reference)
    if _posted(key):
        return 0
    if amount <= 0 or amount > payment.captured_amount - payment.refunded_amount:
        raise DomainError(
            "refund_too_large",
            _("You can pay back at most %(amount)s to this card.")
            % {"amount": payment.captured_amount - payment.refunded_amount},
            fields={"amount": [_("More than is left on the customer's card.")]},
        )
    if amount > guarantee_fund_balance(payment.currency):
        raise Conflict(
            "insufficient_funds",
            _("The guarantee fund cannot cover this payment now."),
        )
    paid = _pay_from_platform_funds(payment, amount=amount, key=key)
    record_guarantee_payout(payment, amount=paid, key=key)
    return paid


def record_guarantee_payout(payment: Payment, *, amount: int, key: str) -> None:
    """Post a guarantee payment the gateway made: out of the guarantee fund
    (``_record_platform_payment``)."""
    _record_platform_payment(
        payment,
        amount=amount,
        key=key,
        kind=GUARANTEE_PAYOUT,
        paid_from=K.GUARANTEE_FUND,
    )
