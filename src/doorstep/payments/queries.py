"""Reads: wallets, statements, receipts and the finance report."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.accounts.models import Agency, ProviderProfile, StaffMember, User
from doorstep.core.errors import NotFound
from doorstep.orders.models import Order
from doorstep.orders.pricing import PriceBreakdown, breakdown_of
from doorstep.payments import flows
from doorstep.payments.fees import expected_earnings
from doorstep.payments.flows import order_payment
from doorstep.payments.models import (
    AccountKind,
    ExtraCharge,
    JournalEntry,
    LedgerAccount,
    Payment,
    PaymentKind,
    PaymentStatus,
    PayoutRequest,
    Posting,
)

K = AccountKind
WALLET_KINDS = (K.PROVIDER_PENDING, K.PROVIDER_AVAILABLE)

# What each kind of journal entry means to the people who read their statement.
ENTRY_KIND_LABELS = {
    flows.CAPTURE: gettext_lazy("Payment taken"),
    flows.RELEASE: gettext_lazy("Earnings from a job"),
    flows.REFUND: gettext_lazy("Refund"),
    flows.CANCELLATION_FEE: gettext_lazy("Cancellation fee"),
    flows.DISCOUNT_RETURNED: gettext_lazy("Discount returned"),
    flows.CLEARING: gettext_lazy("Earnings now available"),
    flows.PAYOUT: gettext_lazy("Payout"),
    flows.PAYOUT_PAID: gettext_lazy("Payout paid"),
    flows.PAYOUT_RETURNED: gettext_lazy("Payout returned"),
    "tip": gettext_lazy("Tip"),
    "extra": gettext_lazy("Extra charge"),
    # Standards enforcement
    flows.FINE: gettext_lazy("Fine"),
    flows.FINE_REFUND: gettext_lazy("Fine returned"),
    flows.FINE_DEBT_COLLECTED: gettext_lazy("Fine owed, taken from earnings"),
    # Requests for quotes
    flows.LEAD_FEE: gettext_lazy("Lead fee for a quote"),
    flows.LEAD_FEE_REFUND: gettext_lazy("Lead fee returned (quote not opened)"),
    # Paid promotion
    flows.PROMOTION: gettext_lazy("Promotion of a service"),
    # An agency's staff
    flows.STAFF_PAID_BY_AGENCY: gettext_lazy("Staff earnings you paid yourself"),
}


def entry_kind_label(kind: str) -> str:
    """A journal entry's kind in words ("release" → "Earnings from a job"); a
    reversal reads as a correction of what it reverses."""
    if kind.startswith("reversal:"):
        return _("Correction: %(kind)s") % {
            "kind": entry_kind_label(kind.removeprefix("reversal:"))
        }
    return str(ENTRY_KIND_LABELS.get(kind, kind))


@dataclass(frozen=True)
class Wallet:
    currency: str
    pending: int
    available: int  # the ledger's balance: still holds requested payouts
    requested: int  # asked for, not yet approved by ops
    in_transit: int
    paid_out: int

    @property
    def withdrawable(self) -> int:
        """What a new payout request may ask for: the available balance less
        the requests ops have not approved yet (approval moves them out of
        the available account)."""
        return max(0, self.available - self.requested)


def wallets(provider: ProviderProfile, *, default_currency: str) -> list[Wallet]:
    balances: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for kind, currency, amount in LedgerAccount.objects.filter(
        provider=provider, kind__in=WALLET_KINDS
    ).values_list("kind", "currency", "balance"):
        balances[currency][kind] = amount
    payouts = PayoutRequest.objects.filter(provider=provider)
    for status, currency, amount in payouts.values_list("status", "currency").annotate(
        total=Sum("amount")
    ):
        balances[currency][status] += amount
    if not balances:
        balances[default_currency]
    status = PayoutRequest.Status
    return [
        Wallet(
            currency=currency,
            pending=values[K.PROVIDER_PENDING],
            available=values[K.PROVIDER_AVAILABLE],
            requested=values[status.REQUESTED],
            in_transit=values[status.APPROVED] + values[status.IN_TRANSIT],
            paid_out=values[status.PAID],
        )
        for currency, values in sorted(balances.items())
    ]


@dataclass(frozen=True)
class StatementLine:
    id: int
    created_at: object
    entry: str
    kind: str
    order: str
    account: str
    currency: str
    amount: int  # + money in, - money out, for the provider
    balance: int  # running, per currency, across pending and available


def statement(provider: ProviderProfile) -> list[StatementLine]:
    """Every posting on the provider's balances, oldest first, with the running
    balance (pending + available) per currency. Moves between pending and
    available are shown too; they leave the total unchanged."""
    postings = (
        Posting.objects.filter(
            account__provider=provider, account__kind__in=WALLET_KINDS
        )
        .select_related("entry", "entry__order", "account")
        .order_by("pk")
    )
    running: dict[str, int] = defaultdict(int)
    lines = []
    for posting in postings:
        amount = -posting.amount  # provider balances are credit-normal
        running[posting.currency] += amount
        lines.append(
            StatementLine(
                id=posting.pk,
                created_at=posting.entry.created_at,
                entry=posting.entry.public_id,
                kind=posting.entry.kind,
                order=posting.entry.order.public_id if posting.entry.order else "",
                account=posting.account.kind,
                currency=posting.currency,
                amount=amount,
                balance=running[posting.currency],
            )
        )
    return lines


@dataclass(frozen=True)
class Receipt:
    order: Order
    breakdown: PriceBreakdown
    payment: Payment | None
    extras: list
    paid: int
    refunded: int


def receipt(order: Order) -> Receipt:
    payment = Payment.objects.filter(order=order, kind=PaymentKind.ORDER).first()
    extras = list(
        ExtraCharge.objects.filter(
            order=order, status=ExtraCharge.Status.CAPTURED
        ).select_related("payment")
    )
    charges = Payment.objects.filter(order=order)
    paid = sum(p.captured_amount for p in charges)
    refunded = sum(p.refunded_amount for p in charges)
    return Receipt(
        order=order,
        # The order's stored breakdown: what the customer was shown and what the
        # card was held for, line for line.
        breakdown=breakdown_of(order),
        payment=payment,
        extras=extras,
        paid=paid,
        refunded=refunded,
    )


REPORT_COLUMNS = (
    "gmv",
    "captured",
    "refunded",
    "commission",
    "fees",
    "payouts",
    "escrow_outstanding",
)


def gmv_orders() -> QuerySet[Order]:
    """The orders that count in GMV (gross merchandise value): those whose order
    payment was paid — captured, possibly refunded since — and not voided.

    Declined cards, orders cancelled or expired before capture, voided holds and
    orders never paid count nothing. A refund after capture does not take the
    order out: the report shows refunds in their own column. The one definition
    of GMV; every report reads it from here."""
    paid = Payment.objects.filter(
        order=OuterRef("pk"),
        kind=PaymentKind.ORDER,
        status__in=[PaymentStatus.CAPTURED, PaymentStatus.REFUNDED],
        captured_amount__gt=0,
    )
    return Order.objects.filter(Exists(paid))


def finance_report(*, since: date, until: date) -> list[dict]:
    """Per day, category and currency: GMV (``gmv_orders`` booked that day),
    captured, refunded, commission, fees (service and cancellation), payouts,
    and the change of escrow. Amounts in different currencies are never added
    together: each row is in its own ``currency``."""
    rows: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(REPORT_COLUMNS, 0))

    def category_of(order_field: str) -> str:
        return f"{order_field}__listing__category__slug"

    orders = (
        gmv_orders()
        .filter(created_at__date__gte=since, created_at__date__lte=until)
        .annotate(day=TruncDate("created_at"))
        .values("day", "listing__category__slug", "currency")
        # GMV is the providers' prices; the service fee is the platform's.
        .annotate(total=Sum("subtotal_amount"))
    )
    for row in orders:
        key = (row["day"], row["listing__category__slug"] or "", row["currency"])
        rows[key]["gmv"] += row["total"]

    postings = (
        Posting.objects.filter(
            entry__created_at__date__gte=since, entry__created_at__date__lte=until
        )
        .annotate(day=TruncDate("entry__created_at"))
        .values(
            "day",
            category_of("entry__order"),
            "entry__kind",
            "account__kind",
            "account__currency",
        )
        .annotate(total=Sum("amount"))
    )
    for row in postings:
        key = (
            row["day"],
            row[category_of("entry__order")] or "",
            row["account__currency"],
        )
        kind, account, total = row["entry__kind"], row["account__kind"], row["total"]
        values = rows[key]
        if account == K.GATEWAY_FUNDS and kind == "capture":
            values["captured"] += total
        elif account == K.GATEWAY_FUNDS and kind == "refund":
            values["refunded"] += -total
        elif account == K.GATEWAY_FUNDS and kind in {"payout", "payout_returned"}:
            values["payouts"] += -total
        elif account == K.COMMISSION_REVENUE:
            values["commission"] += -total
        elif account in {K.SERVICE_FEE_REVENUE, K.CANCELLATION_FEE_REVENUE}:
            values["fees"] += -total
        elif account == K.ORDER_ESCROW:
            values["escrow_outstanding"] += -total
    return [
        {"day": day, "category": category, "currency": currency, **values}
        for (day, category, currency), values in sorted(rows.items())
    ]


def finance_totals(rows: list[dict]) -> list[dict]:
    """The report's totals, one row per currency (never summed across them)."""
    totals: dict[str, dict] = defaultdict(lambda: dict.fromkeys(REPORT_COLUMNS, 0))
    for row in rows:
        for column in REPORT_COLUMNS:
            totals[row["currency"]][column] += row[column]
    return [
        {"currency": currency, **values} for currency, values in sorted(totals.items())
    ]


def escrow_held() -> list[dict]:
    """What escrow holds now, per currency: ``[{"currency", "amount"}]``."""
    return list(
        LedgerAccount.objects.filter(kind=K.ORDER_ESCROW)
        .values("currency")
        .annotate(amount=Sum("balance"))
        .order_by("currency")
    )


def entries_for_order(order: Order) -> QuerySet[JournalEntry]:
    return JournalEntry.objects.filter(Q(order=order)).prefetch_related("postings")


@dataclass(frozen=True)
class OrderMoney:
    """What the order page says about the money: where the customer's payment
    stands, and what the provider can expect to earn (price less commission)."""

    status: str
    status_label: str
    expected_earnings: int
    currency: str


def order_money(order: Order) -> OrderMoney:
    payment = order_payment(order)
    status = payment.status if payment is not None else ""
    if (
        status == PaymentStatus.CAPTURED
        and JournalEntry.objects.filter(
            idempotency_key=f"release:{order.public_id}"
        ).exists()
    ):
        status = "released"
    labels = {
        "": _("Not paid yet"),
        PaymentStatus.PENDING: _("Waiting for the card"),
        PaymentStatus.FAILED: _("The card was declined"),
        PaymentStatus.AUTHORISED: _("Authorised: held on the card"),
        PaymentStatus.CAPTURED: _("Captured: held by Doorstep until the job is done"),
        "released": _("Released to the provider"),
        PaymentStatus.VOIDED: _("Hold released: nothing was charged"),
        PaymentStatus.REFUNDED: _("Refunded"),
    }
    return OrderMoney(
        status=str(status),
        status_label=labels.get(status, ""),
        # The release's own split (commission within its limits, taxes).
        expected_earnings=expected_earnings(order),
        currency=order.currency,
    )


def proposed_extra_charge(*, order: Order, charge_id: str) -> ExtraCharge:
    """The extra charge ``charge_id`` the provider proposed on ``order`` (not a
    tip or a fee), for its customer to answer; ``NotFound`` otherwise."""
    extra = ExtraCharge.objects.filter(
        order=order, public_id=charge_id, kind=ExtraCharge.Kind.EXTRA
    ).first()
    if extra is None:
        raise NotFound("extra_not_found", _("No such extra charge."))
    return extra


def extra_charges(order: Order) -> list[ExtraCharge]:
    """What was charged, or asked for, on top of the order's price: extra
    charges the provider proposed (and their answers), late-change fees, tips."""
    return list(ExtraCharge.objects.filter(order=order).order_by("pk"))


# --- An agency's staff: their earnings ----------------------------------------------


@dataclass(frozen=True)
class StaffBalance:
    currency: str
    pending: int
    available: int


@dataclass(frozen=True)
class StaffEarning:
    """One order's part credited to the staff member at release."""

    order_id: str
    title: str
    currency: str
    amount: int
    released_at: datetime


@dataclass(frozen=True)
class StaffEarnings:
    staff: StaffMember
    balances: list[StaffBalance]
    orders: list[StaffEarning]


def _staff_balances(staff_ids: list[int]) -> dict[int, list[StaffBalance]]:
    rows: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for staff_id, kind, currency, amount in LedgerAccount.objects.filter(
        staff_id__in=staff_ids,
        kind__in=(AccountKind.STAFF_PENDING, AccountKind.STAFF_AVAILABLE),
    ).values_list("staff_id", "kind", "currency", "balance"):
        rows[(staff_id, currency)][kind] = amount
    balances: dict[int, list[StaffBalance]] = defaultdict(list)
    for (staff_id, currency), kinds in sorted(rows.items()):
        balances[staff_id].append(
            StaffBalance(
                currency=currency,
                pending=kinds.get(AccountKind.STAFF_PENDING, 0),
                available=kinds.get(AccountKind.STAFF_AVAILABLE, 0),
            )
        )
    return balances


def staff_earnings(user: User, *, limit: int = 100) -> list[StaffEarnings]:
    """The caller's earnings as an agency staff member, one item per agency
    they work for: balances per currency and their part of each released
    order, newest first. Empty for someone who is nobody's staff."""
    memberships = list(
        StaffMember.objects.filter(user=user).select_related("agency").order_by("pk")
    )
    balances = _staff_balances([member.pk for member in memberships])
    result = []
    for member in memberships:
        credits = (
            Posting.objects.filter(
                account__staff=member,
                account__kind=AccountKind.STAFF_PENDING,
                entry__kind=flows.RELEASE,
            )
            .select_related("entry__order", "account")
            .order_by("-entry__created_at", "-pk")[:limit]
        )
        result.append(
            StaffEarnings(
                staff=member,
                balances=balances.get(member.pk, []),
                orders=[
                    StaffEarning(
                        order_id=posting.entry.order.public_id,
                        title=posting.entry.order.title,
                        currency=posting.account.currency,
                        amount=-posting.amount,
                        released_at=posting.entry.created_at,
                    )
                    for posting in credits
                ],
            )
        )
    return result


def agency_staff_balances(
    *, agency_id: str, user: User
) -> tuple[Agency, list[tuple[StaffMember, list[StaffBalance]]]]:
    """Each staff member's balances, for the agency's owner and managers.
    Raises ``NotFound`` for anyone else (and for an agency that does not
    exist)."""
    agency = Agency.objects.filter(public_id=agency_id).first()
    if agency is None or not flows.runs_agency(user, agency.pk):
        raise NotFound("agency_not_found", _("No such agency."))
    staff = list(agency.staff.order_by("pk"))
    balances = _staff_balances([member.pk for member in staff])
    return agency, [(member, balances.get(member.pk, [])) for member in staff]


def agency_staff_member(*, agency: Agency, staff_id: str) -> StaffMember:
    staff = agency.staff.filter(public_id=staff_id).first()
    if staff is None:
        raise NotFound("staff_not_found", _("No such staff member."))
    return staff


def agencies_run_by(user: User) -> list[Agency]:
    """The agencies ``user`` owns or manages (``flows.runs_agency``)."""
    managed = StaffMember.objects.filter(
        user=user, is_active=True, role__in=StaffMember.MANAGING_ROLES
    ).values("agency_id")
    return list(
        Agency.objects.filter(Q(owner=user) | Q(pk__in=managed)).order_by("name")
    )


def guarantee_funds() -> list[dict]:
    """What the guarantee fund holds now, per currency: ``[{"currency",
    "amount"}]`` (finance's view of the reserve damage claims are paid from)."""
    return list(
        LedgerAccount.objects.filter(kind=K.GUARANTEE_FUND)
        .values("currency")
        .annotate(amount=Sum("balance"))
        .order_by("currency")
    )
