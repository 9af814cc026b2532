"""Paying later: after the service with the saved card, or in cash on completion.

Three payment timings (``catalog.PaymentTiming``), chosen per order at checkout
among those ``timings_for`` the listing offers:

* **pay now** — today's two-step payment (``flows``): authorised before the
  provider hears of the order, captured at acceptance, released on completion.
* **pay after the service** — nothing is held at booking; the order is booked
  against the customer's saved card (``method_to_charge``). On completion the
  process runs ``charge_after_service`` after commit: the card is charged off
  session and the money released to the provider as for any order. When the
  card is refused the customer is told (event ``order.payment_failed``) and has
  ``DOORSTEP_PAY_AFTER_SERVICE_HOURS`` to pay on the order's pay page with
  another method (``awaits_customer_payment``); the authorisation then releases
  the order (``orders.services.confirm_order_payment``). Past that time the
  order is in the ops "Unpaid after the service" queue (``in_collections``).

  Policy for the provider of an order the customer does not pay: **the
  provider is paid when the money is collected** — by the customer on the pay
  page, or by ops collecting it (who then take the payment on the pay page's
  intent, or charge the card again). The platform does not advance the
  earnings from its own funds: nothing in the ledger pretends money was
  received, and no account stands for a customer's debt. The provider sees the
  order completed and its earnings "waiting for the customer's payment".

* **cash on completion** — nothing goes through the gateway. The provider is
  paid by the customer at the door and confirms the cash received (the
  ``receive_cash`` transition; the customer's confirmation or the automatic
  completion count too). The platform's commission and the customer's service
  fee are then owed by the provider (``record_cash_payment``): posted to
  ``PROVIDER_RECEIVABLE`` and netted from their next earnings by
  ``flows.collect_fine_debts``, like a fine. A provider who owes
  ``DOORSTEP_CASH_OWED_LIMIT`` or more cannot take or accept cash orders
  (``can_take_cash``).

Cancellation: a late-cancellation (or customer no-show) fee on an order paid
after the service is charged to the saved card (``charge_fee_after_service``:
the card is authorised and only the fee captured); a refused card leaves the
flow failed for ops. On a cash order the fee cannot be collected: the process
records it on the cancellation's event as not collected and charges nothing.

Ops restrict the timings globally with ``DOORSTEP_PAYMENT_TIMINGS`` and per
category (``Category.allows_pay_after_service`` / ``allows_cash``).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, User
from doorstep.catalog.models import Listing, PaymentTiming
from doorstep.core.errors import DomainError
from doorstep.core.money import Money
from doorstep.events.services import record_event
from doorstep.orders.locks import lock_order
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.payments import flows
from doorstep.payments.gateways import get_gateway
from doorstep.payments.ledger import Leg, ledger_account, post_entry
from doorstep.payments.methods import default_method
from doorstep.payments.models import (
    AccountKind,
    JournalEntry,
    LedgerAccount,
    Payment,
    PaymentKind,
    PaymentStatus,
)

K = AccountKind
PAY_NOW = PaymentTiming.PAY_NOW.value
AFTER_SERVICE = PaymentTiming.AFTER_SERVICE.value
CASH = PaymentTiming.CASH.value
PAYS_LATER = frozenset({AFTER_SERVICE, CASH})

# Entry kind, for statements: the platform's share of a job paid in cash.
CASH_COMMISSION = "cash_commission"

# Payment statuses in which an order paid after the service still owes its price.
UNPAID = (PaymentStatus.PENDING, PaymentStatus.FAILED)


def _setting(name: str, default):
    return getattr(settings, name, default)


def hours_to_pay() -> int:
    """How long a customer whose saved card was refused has to pay."""
    return int(_setting("DOORSTEP_PAY_AFTER_SERVICE_HOURS", 48))


def cash_owed_limit() -> int:
    """What a provider may owe the platform (minor units of the order's
    currency) and still take cash orders."""
    return int(_setting("DOORSTEP_CASH_OWED_LIMIT", 50_000))


# --- Which timings an order may have ---------------------------------------------


def timings_for(listing: Listing) -> list[str]:
    """The timings a customer may choose for ``listing``
    (``Listing.payment_timings``: the provider's offer, the category's and the
    operator's restrictions)."""
    return listing.payment_timings()


def check_timing(*, listing: Listing, timing: str, customer: User) -> str:
    """Refuse a timing the customer may not choose for ``listing`` now.

    Raises ``DomainError`` 422 ``payment_timing_unavailable`` (not offered),
    ``card_required`` (after the service without a saved card) or
    ``cash_limit_reached`` (the provider owes too much for cash jobs)."""
    timing = timing or PAY_NOW
    if timing not in timings_for(listing):
        raise DomainError(
            "payment_timing_unavailable",
            _("This service cannot be paid that way."),
            fields={"payment_timing": [_("Choose another way to pay.")]},
        )
    if timing == AFTER_SERVICE and method_to_charge(customer) is None:
        raise DomainError(
            "card_required",
            _("Save a card under Payment methods to pay after the service."),
            fields={"payment_timing": [_("You have no saved card.")]},
        )
    if timing == CASH and not can_take_cash(listing.provider, listing.currency):
        raise DomainError(
            "cash_limit_reached",
            _("This provider cannot take cash jobs now. Please pay by card."),
            fields={"payment_timing": [_("Cash is not available for now.")]},
        )
    return timing


# --- The card charged after the service -------------------------------------------


@dataclass(frozen=True)
class CardToCharge:
    token: str
    brand: str
    last4: str

    def __str__(self) -> str:
        return f"{self.brand.title()} ••{self.last4}"


def method_to_charge(customer: User) -> CardToCharge | None:
    """The card an order paid after the service is charged to: the customer's
    default saved payment method (``payments.methods``), if the configured
    gateway keeps it; ``None`` otherwise."""
    saved = default_method(customer)
    if saved is None or saved.gateway != get_gateway().name:
        return None
    return CardToCharge(token=saved.token, brand=saved.brand, last4=saved.last4)


# Set on each order by ``with_payment_status``.
PAYMENT_STATUS_ANNOTATION = "order_payment_status"


def with_payment_status(queryset: QuerySet[Order]) -> QuerySet[Order]:
    """``queryset`` with each order's payment status read in the same query, so
    that ``payment_note`` asks nothing more for it: for lists of orders."""
    first = Payment.objects.filter(
        order=OuterRef("pk"), kind=PaymentKind.ORDER
    ).order_by("pk")
    return queryset.annotate(
        **{PAYMENT_STATUS_ANNOTATION: Subquery(first.values("status")[:1])}
    )


def _order_payment_status(order: Order) -> str | None:
    if hasattr(order, PAYMENT_STATUS_ANNOTATION):
        return getattr(order, PAYMENT_STATUS_ANNOTATION)
    payment = flows.order_payment(order)
    return payment.status if payment is not None else None


def awaits_customer_payment(order: Order) -> bool:
    """A completed order paid after the service whose charge failed: the
    customer may (and should) pay it on the pay page."""
    return (
        order.payment_timing == AFTER_SERVICE
        and order.state == OrderState.COMPLETED
        and order.payment_due_by is not None
        and _order_payment_status(order) in (None, *UNPAID)
    )


def in_collections(now: datetime | None = None) -> QuerySet[Order]:
    """Orders paid after the service that the customer did not pay in time:
    for ops to collect."""
    now = now or timezone.now()
    paid = Payment.objects.filter(
        kind=PaymentKind.ORDER,
        status__in=(
            PaymentStatus.AUTHORISED,
            PaymentStatus.CAPTURED,
            PaymentStatus.REFUNDED,
        ),
    ).values("order_id")
    return Order.objects.filter(
        payment_timing=AFTER_SERVICE,
        state=OrderState.COMPLETED,
        payment_due_by__lt=now,
    ).exclude(pk__in=paid)


def _ask_customer_to_pay(order: Order, *, reason: str) -> None:
    """The saved card could not be charged: give the customer time to pay
    another way and tell them (once)."""
    with transaction.atomic():
        order = lock_order(order.pk)
        if order.payment_due_by is not None:
            return
        order.payment_due_by = timezone.now() + timedelta(hours=hours_to_pay())
        order.save(update_fields=["payment_due_by"])
        record_event(
            topic="order.payment_failed",
            subject=order.public_id,
            payload={"reason": reason, "pay_by": order.payment_due_by.isoformat()},
        )


def _authorise_saved_card(order: Order) -> bool:
    """Hold the order's total on the customer's saved card, off session.
    Returns whether the money is held (or was taken already). A refusal asks
    the customer to pay on the pay page; a retryable gateway answer raises
    ``PaymentError`` so the pending flow is retried."""
    status = _order_payment_status(order)
    if status not in (None, *UNPAID):
        return status in (PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED)
    order.refresh_from_db(fields=["payment_due_by"])
    if order.payment_due_by is not None:
        return False  # refused before: the customer pays on the pay page
    card = method_to_charge(order.customer)
    if card is None:
        _ask_customer_to_pay(order, reason="no_saved_card")
        return False
    try:
        flows.authorise_order(order=order, payment_method=card.token)
    except flows.PaymentError as error:
        if error.retryable:
            raise
        _ask_customer_to_pay(order, reason=error.code)
        return False
    return True


@flows.order_flow
def charge_after_service(*, order: Order) -> JournalEntry | None:
    """On completion of an order paid after the service: charge the saved card
    and release the money to the provider (``flows.release_order``, which
    captures first). Idempotent; a refused card is not tried again."""
    if not _authorise_saved_card(order):
        return None
    return flows.release_order(order=order)


@flows.order_flow
def settle_dispute_after_service(
    *, order: Order, refund_amount: int, reference: str
) -> int:
    """A dispute on an order paid after the service settled on a split: charge
    the saved card, then refund the agreed part and pay the provider the rest
    (``flows.settle_dispute``). Returns the amount refunded. A refused card
    asks the customer to pay on the pay page (the whole price: ops refund the
    agreed part from the dispute's page)."""
    if not _authorise_saved_card(order):
        return 0
    return flows.settle_dispute(
        order=order, refund_amount=refund_amount, reference=reference
    )


@flows.order_flow
def charge_fee_after_service(*, order: Order, fee: int) -> int:
    """A late cancellation or a customer no-show of an order paid after the
    service: hold the total on the saved card and keep only ``fee``
    (``flows.settle_cancellation`` captures the fee and lets the rest go).
    Returns the fee kept. A refused card raises ``PaymentError`` (the flow is
    left failed, for ops)."""
    if fee <= 0:
        return 0
    card = method_to_charge(order.customer)
    if _order_payment_status(order) in (None, *UNPAID):
        if card is None:
            raise DomainError("card_required", _("The customer has no saved card."))
        flows.authorise_order(order=order, payment_method=card.token)
    return flows.settle_cancellation(order=order, fee=fee)


# --- Cash on completion -------------------------------------------------------------


def cash_owed(provider: ProviderProfile, currency: str) -> int:
    """What ``provider`` owes the platform in ``currency`` (cash commission
    and fines not yet netted from their earnings)."""
    account = LedgerAccount.objects.filter(
        kind=K.PROVIDER_RECEIVABLE, currency=currency, provider=provider
    ).first()
    return max(account.balance, 0) if account is not None else 0


def can_take_cash(provider: ProviderProfile, currency: str) -> bool:
    return cash_owed(provider, currency) < cash_owed_limit()


@dataclass(frozen=True)
class CashShares:
    """How a cash order's money divides: the customer hands ``collect`` to the
    provider, who owes the platform ``owed`` of it (negative: the platform
    owes the provider the discount it funded)."""

    collect: int
    commission: int
    service_fee: int
    platform_discount: int

    @property
    def owed(self) -> int:
        return self.commission + self.service_fee - self.platform_discount


def cash_shares(order: Order) -> CashShares:
    earned = order.subtotal_amount - order.provider_discount_amount
    return CashShares(
        collect=order.total_amount,
        commission=earned * flows.commission_bps(order) // 10_000,
        service_fee=order.service_fee_amount,
        platform_discount=order.discount_amount - order.provider_discount_amount,
    )


def cash_key(order: Order) -> str:
    return f"{CASH_COMMISSION}:{order.public_id}"


def record_cash_payment(*, order: Order) -> JournalEntry | None:
    """A cash order is complete: the provider holds the customer's cash, so
    they owe the platform its commission and the service fee (less a discount
    the platform funded). Posted to their ``PROVIDER_RECEIVABLE`` and at once
    netted from what they hold on the platform (``collect_fine_debts``); the
    rest from later earnings. No gateway call: runs in the caller's
    transaction (the completing transition). Idempotent by the order."""
    if order.payment_timing != CASH or order.provider is None:
        return None
    shares = cash_shares(order)
    currency = order.currency
    with transaction.atomic():
        existing = JournalEntry.objects.filter(idempotency_key=cash_key(order)).first()
        if existing is not None:
            return existing
        provider_side = (
            ledger_account(
                kind=K.PROVIDER_RECEIVABLE, currency=currency, provider=order.provider
            )
            if shares.owed >= 0
            else ledger_account(
                kind=K.PROVIDER_PENDING, currency=currency, provider=order.provider
            )
        )
        pairs = [
            (provider_side, shares.owed),
            (
                ledger_account(kind=K.PROMOTIONS_EXPENSE, currency=currency),
                shares.platform_discount,
            ),
            (
                ledger_account(kind=K.COMMISSION_REVENUE, currency=currency),
                -shares.commission,
            ),
            (
                ledger_account(kind=K.SERVICE_FEE_REVENUE, currency=currency),
                -shares.service_fee,
            ),
        ]
        legs = [Leg(account, amount) for account, amount in pairs if amount]
        if not legs:
            return None
        entry = post_entry(
            kind=CASH_COMMISSION,
            legs=legs,
            order=order,
            idempotency_key=cash_key(order),
            description=order.public_id,
        )
    flows.collect_fine_debts(provider=order.provider)
    return entry


# --- What the pages say -------------------------------------------------------------


def payment_note(
    order: Order,
    *,
    for_provider: bool = False,
    cards: dict[int, CardToCharge | None] | None = None,
) -> str:
    """One sentence on how the order is paid, for the order page and the API.

    ``cards``: a dict the caller keeps for a list of orders, in which each
    customer's card to charge is remembered (one query per customer, not per
    order). Pair with ``with_payment_status`` for no query per order at all."""
    timing = order.payment_timing
    if timing == CASH:
        amount = Money(order.total_amount, order.currency)
        if order.cash_received_at is not None:
            return _("Paid in cash: %(amount)s.") % {"amount": amount}
        if for_provider:
            return _("Collect %(amount)s in cash when the job is done.") % {
                "amount": amount
            }
        return _("Pay the provider %(amount)s in cash when the job is done.") % {
            "amount": amount
        }
    if timing != AFTER_SERVICE:
        return ""
    status = _order_payment_status(order)
    if status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED):
        return _("Paid after the service.")
    if status == PaymentStatus.AUTHORISED:
        return _("Being charged after the service.")
    if order.payment_due_by is not None:
        if for_provider:
            return _("Waiting for the customer's payment.")
        due = date_format(
            timezone.localtime(order.payment_due_by), "SHORT_DATETIME_FORMAT"
        )
        return _(
            "Your card could not be charged. Please pay by %(time)s on the pay page."
        ) % {"time": due}
    if for_provider:
        return _("The customer's card is charged when the job is completed.")
    if cards is None:
        card = method_to_charge(order.customer)
    else:
        if order.customer_id not in cards:
            cards[order.customer_id] = method_to_charge(order.customer)
        card = cards[order.customer_id]
    if card is None:
        return _("You'll be charged on completion.")
    return _("You'll be charged on completion to %(card)s.") % {"card": str(card)}
