"""Issuing documents: one function per kind, each idempotent by its subject.

Every issue runs in one transaction: lock the issuer's counter for the
series, check the subject was not issued meanwhile, build the lines in the
recipient's language, take the next number, draw the PDF, store it and the
row. Two callers issuing the same subject at once get the same document; a
failure anywhere rolls the number back (no gap). The PDF file is written to
storage before the row commits: a rolled-back issue can leave an unreferenced
file behind, never a row without its file.
"""

import logging
from calendar import monthrange
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from doorstep.accounts.models import ProviderProfile, User
from doorstep.core.errors import Conflict, DomainError
from doorstep.invoicing import statements
from doorstep.invoicing.lines import line, paid_by, receipt_lines
from doorstep.invoicing.models import PLATFORM_ISSUER, Document, DocumentKind
from doorstep.invoicing.numbering import lock_counter, series_for, take_number
from doorstep.invoicing.pdf import render_pdf
from doorstep.orders.models import Order
from doorstep.payments import flows
from doorstep.payments.models import (
    AccountKind,
    JournalEntry,
    LedgerAccount,
    Payment,
    Posting,
)
from doorstep.payments.queries import entry_kind_label
from doorstep.subscriptions.models import SubscriptionCharge

logger = logging.getLogger(__name__)

LANGUAGES = {code for code, _name in settings.LANGUAGES}


def issuer_details() -> dict:
    """The platform as printed on what it issues (operator settings)."""
    return {
        "name": getattr(settings, "DOORSTEP_ISSUER_NAME", "")
        or settings.DOORSTEP_SITE_NAME,
        "address": getattr(settings, "DOORSTEP_ISSUER_ADDRESS", ""),
        "tax_id": getattr(settings, "DOORSTEP_ISSUER_TAX_ID", ""),
    }


def _language_of(user: User) -> str:
    language = (user.language or "").lower()
    return language if language in LANGUAGES else settings.LANGUAGE_CODE


def _zone_name(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return settings.TIME_ZONE
    return name or settings.TIME_ZONE


def _issue(
    *,
    kind: DocumentKind,
    subject: str,
    recipient_user: User,
    recipient_details: dict,
    time_zone: str,
    build: Callable[[Document], None],
    now: datetime | None = None,
    **fields,
) -> Document:
    """Issue the document about ``subject`` once. ``build`` fills in its
    currency, lines, totals, notes and ``total_amount`` (called in the
    recipient's language, inside the transaction)."""
    existing = Document.objects.filter(subject=subject).first()
    if existing is not None:
        return existing
    now = now or timezone.now()
    series = series_for(kind, now)
    try:
        with transaction.atomic():
            counter = lock_counter(issuer=PLATFORM_ISSUER, series=series)
            # Whoever held the lock before us may have issued it.
            existing = Document.objects.filter(subject=subject).first()
            if existing is not None:
                return existing
            language = _language_of(recipient_user)
            document = Document(
                kind=kind,
                issuer=PLATFORM_ISSUER,
                series=series,
                subject=subject,
                recipient_user=recipient_user,
                recipient_details=recipient_details,
                issuer_details=issuer_details(),
                language=language,
                time_zone=_zone_name(time_zone),
                issued_at=now,
                **fields,
            )
            with override(language):
                build(document)
            document.number = take_number(counter)
            content = render_pdf(document)
            document.pdf.save(document.filename, ContentFile(content), save=False)
            document.save()
            return document
    except IntegrityError:
        # Issued concurrently where the counter lock does not serialise
        # (SQLite): the first one stands.
        existing = Document.objects.filter(subject=subject).first()
        if existing is None:
            raise
        return existing


def _customer_details(user: User) -> dict:
    return {"name": user.name or user.email or "", "email": user.email or ""}


def _provider_details(provider: ProviderProfile) -> dict:
    return {"name": provider.display_name, "email": provider.user.email or ""}


# --- Receipts -------------------------------------------------------------------


def issue_receipt(*, payment: Payment, now: datetime | None = None) -> Document:
    """The customer's receipt for ``payment`` once its capture is posted in
    the ledger. Raises ``Conflict`` ``nothing_captured`` before that."""
    payment = Payment.objects.select_related("order__customer").get(pk=payment.pk)
    posted = JournalEntry.objects.filter(
        idempotency_key=flows.capture_key(payment)
    ).exists()
    if not posted or payment.captured_amount <= 0:
        raise Conflict("nothing_captured", _("No money was taken for this order."))
    order = payment.order

    def build(document: Document) -> None:
        lines, totals = receipt_lines(payment)
        document.currency = payment.currency
        document.lines = lines
        document.totals = totals
        document.notes = paid_by(payment)
        document.total_amount = payment.captured_amount

    return _issue(
        kind=DocumentKind.RECEIPT,
        subject=f"receipt:{payment.public_id}",
        recipient_user=order.customer,
        recipient_details=_customer_details(order.customer),
        time_zone=order.customer.time_zone,
        order=order,
        build=build,
        now=now,
    )


# --- Credit notes ----------------------------------------------------------------


def issue_credit_note(*, entry: JournalEntry, now: datetime | None = None) -> Document:
    """The credit note for a refund posted in the ledger (an entry of kind
    ``refund``): it references the receipt of the payment refunded (issued
    first if it was not yet) and takes the refunded amount off it."""
    if entry.kind != flows.REFUND:
        raise ValueError(f"{entry.public_id} is not a refund")
    payment = Payment.objects.get(public_id=entry.description)
    receipt = issue_receipt(payment=payment, now=now)
    refunded = -sum(
        entry.postings.filter(account__kind=AccountKind.GATEWAY_FUNDS).values_list(
            "amount", flat=True
        )
    )

    def build(document: Document) -> None:
        label = _("Refund on %(number)s") % {"number": receipt.display_number}
        document.currency = payment.currency
        document.lines = [line("refund", label, -refunded)]
        document.totals = [line("total", _("Total refunded"), -refunded)]
        document.notes = [
            _("Refunded to the means of payment of the original receipt.")
        ]
        document.total_amount = -refunded

    return _issue(
        kind=DocumentKind.CREDIT_NOTE,
        subject=f"credit_note:{entry.public_id}",
        recipient_user=receipt.recipient_user,
        recipient_details=receipt.recipient_details,
        time_zone=receipt.recipient_user.time_zone,
        order=payment.order,
        credits=receipt,
        build=build,
        now=now,
    )


# --- Fee invoices ----------------------------------------------------------------


def _commission(order: Order) -> int:
    return -sum(
        Posting.objects.filter(
            entry__idempotency_key=f"release:{order.public_id}",
            account__kind=AccountKind.COMMISSION_REVENUE,
        ).values_list("amount", flat=True)
    )


def issue_fee_invoice(*, order: Order, now: datetime | None = None) -> Document | None:
    """The platform's invoice to the provider for the commission it kept
    when ``order``'s money was released. None while nothing was released or
    no commission was kept."""
    order = Order.objects.select_related("provider__user").get(pk=order.pk)
    commission = _commission(order)
    if commission <= 0 or order.provider is None:
        return None
    provider = order.provider

    def build(document: Document) -> None:
        label = _("Commission on %(title)s") % {"title": order.title}
        document.currency = order.currency
        document.lines = [line("commission", label, commission)]
        document.totals = [line("total", _("Total"), commission)]
        document.notes = [
            _("Deducted from the earnings of this order: nothing is left to pay.")
        ]
        document.total_amount = commission

    return _issue(
        kind=DocumentKind.FEE_INVOICE,
        subject=f"fee_invoice:{order.public_id}",
        recipient_user=provider.user,
        recipient_provider=provider,
        recipient_details=_provider_details(provider),
        time_zone=provider.time_zone,
        order=order,
        build=build,
        now=now,
    )


# --- Monthly statements ----------------------------------------------------------


def month_bounds(year: int, month: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime(year, month, 1, tzinfo=zone)
    following = date(year, month, monthrange(year, month)[1]) + timedelta(days=1)
    return start, datetime(following.year, following.month, 1, tzinfo=zone)


def previous_month(moment: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """The month that ended last in ``zone`` at ``moment``."""
    last_day = moment.astimezone(zone).date().replace(day=1) - timedelta(days=1)
    return last_day.year, last_day.month


def _statement_totals(figures: statements.StatementFigures) -> list[dict]:
    labels = {
        statements.EARNINGS: _("Earnings released"),
        statements.FEES: _("Fees"),
        statements.REFUNDS: _("Refunds taken back"),
        statements.FINES: _("Fines"),
        statements.PAYOUTS: _("Payouts"),
        statements.OTHER: _("Other adjustments"),
    }
    rows = [line("opening", _("Opening balance"), figures.opening)]
    for column in statements.COLUMNS:
        amount = figures.columns.get(column, 0)
        if column != statements.OTHER or amount:
            rows.append(line(column, labels[column], amount))
    rows.append(line("closing", _("Closing balance"), figures.closing))
    if figures.fines_owed:
        rows.append(
            line("fines_owed", _("Of which owed to the platform"), figures.fines_owed)
        )
    if figures.card_charges:
        rows.append(
            {
                **line(
                    statements.CHARGED_TO_CARD,
                    _("Charged to your card"),
                    figures.charged_to_card,
                ),
                "section": statements.CARD_SECTION,
            }
        )
    return rows


def _card_lines(figures: statements.StatementFigures, zone: ZoneInfo) -> list[dict]:
    """The plan charges and refunds of the month, in the card section."""
    return [
        {
            **line(
                "plan_refund" if card.is_refund else "plan_charge",
                f"{card.charge.get_reason_display()} · {card.charge.plan.name}",
                card.amount,
            ),
            "date": card.created_at.astimezone(zone).date().isoformat(),
            "reference": card.charge.public_id,
            "section": statements.CARD_SECTION,
        }
        for card in figures.card_charges
    ]


def issue_statement(
    *,
    provider: ProviderProfile,
    currency: str,
    year: int,
    month: int,
    now: datetime | None = None,
) -> Document | None:
    """The provider's statement of ``year``-``month`` (in their time zone) in
    ``currency``: opening balance, what moved it by column, closing balance;
    then, apart, the plan charges and refunds on their card (section
    ``card``, total ``charged_to_card``). None for a month with no balance,
    no movement and no card charge. Raises
    ``DomainError`` ``rule_broken`` for a month that has not ended."""
    now = now or timezone.now()
    zone = ZoneInfo(_zone_name(provider.time_zone))
    start, end = month_bounds(year, month, zone)
    if end > now:
        raise DomainError("rule_broken", _("This month is not over yet."))
    figures = statements.statement_figures(
        provider=provider, currency=currency, start=start, end=end
    )
    if figures.is_empty:
        return None

    def build(document: Document) -> None:
        document.currency = currency
        document.lines = [
            {
                **line(
                    statements.column_of(movement.entry_kind),
                    f"{entry_kind_label(movement.entry_kind)} {movement.order}".strip(),
                    movement.amount,
                ),
                "date": movement.created_at.astimezone(zone).date().isoformat(),
            }
            for movement in figures.movements
        ] + _card_lines(figures, zone)
        document.totals = _statement_totals(figures)
        document.notes = []
        document.total_amount = figures.closing

    return _issue(
        kind=DocumentKind.STATEMENT,
        subject=f"statement:{provider.public_id}:{currency}:{year:04d}-{month:02d}",
        recipient_user=provider.user,
        recipient_provider=provider,
        recipient_details=_provider_details(provider),
        time_zone=provider.time_zone,
        period_start=start.date(),
        period_end=(end - timedelta(days=1)).date(),
        build=build,
        now=now,
    )


# --- What is due -----------------------------------------------------------------


def issue_documents_for_order(*, order: Order) -> list[Document]:
    """Everything due for ``order`` by now: a receipt per captured payment, a
    credit note per refund, the fee invoice once released. Idempotent."""
    issued: list[Document] = []
    captured = set(
        JournalEntry.objects.filter(order=order, kind=flows.CAPTURE).values_list(
            "description", flat=True
        )
    )
    for payment in Payment.objects.filter(order=order, public_id__in=captured):
        issued.append(issue_receipt(payment=payment))
    for entry in JournalEntry.objects.filter(order=order, kind=flows.REFUND):
        issued.append(issue_credit_note(entry=entry))
    invoice = issue_fee_invoice(order=order)
    if invoice is not None:
        issued.append(invoice)
    return issued


def _missing(prefix: str, key: str):
    return ~Exists(
        Document.objects.filter(subject=Concat(Value(prefix), OuterRef(key)))
    )


def issue_due_documents(*, limit: int = 200) -> dict[str, object]:
    """The sweep: documents for ledger entries that have none yet (the
    order's event came before its money flow ran, a tip, an issue that
    failed). Each failure is logged and counted; the next run tries again."""
    due: list[tuple[str, Callable[[], object]]] = []
    for entry in JournalEntry.objects.filter(kind=flows.CAPTURE).filter(
        _missing("receipt:", "description")
    )[:limit]:
        payment = Payment.objects.filter(public_id=entry.description).first()
        if payment is not None:
            due.append(("receipts", lambda p=payment: issue_receipt(payment=p)))
    for entry in JournalEntry.objects.filter(kind=flows.REFUND).filter(
        _missing("credit_note:", "public_id")
    )[:limit]:
        due.append(("credit_notes", lambda e=entry: issue_credit_note(entry=e)))
    released = (
        JournalEntry.objects.filter(
            kind=flows.RELEASE,
            order__isnull=False,
            postings__account__kind=AccountKind.COMMISSION_REVENUE,
        )
        .filter(_missing("fee_invoice:", "order__public_id"))
        .select_related("order")
    )
    for entry in released[:limit]:
        due.append(("fee_invoices", lambda o=entry.order: issue_fee_invoice(order=o)))
    return _run_all(due)


def _run_all(due: list[tuple[str, Callable[[], object]]]) -> dict[str, object]:
    counts: dict[str, object] = {}
    failed = 0
    for name, issue in due:
        try:
            if issue() is not None:
                counts[name] = int(counts.get(name, 0)) + 1
        except Exception:  # counted; the next run tries again
            logger.exception("issuing %s failed", name)
            failed += 1
    if failed:
        counts["attention"] = f"{failed} document(s) could not be issued; see the logs"
    return counts


def issue_monthly_statements(*, now: datetime | None = None) -> dict[str, object]:
    """Statements of the month that last ended in each provider's time zone,
    per currency they hold money in. Runs daily; each is issued once."""
    now = now or timezone.now()
    provider_ids = set(
        LedgerAccount.objects.filter(provider__isnull=False)
        .values_list("provider_id", flat=True)
        .distinct()
    ) | set(
        SubscriptionCharge.objects.values_list(
            "subscription__provider_id", flat=True
        ).distinct()
    )
    due: list[tuple[str, Callable[[], object]]] = []
    for provider in ProviderProfile.objects.filter(pk__in=provider_ids).select_related(
        "user"
    ):
        year, month = previous_month(now, ZoneInfo(_zone_name(provider.time_zone)))
        for currency in statements.provider_currencies(provider):
            due.append(
                (
                    "statements",
                    lambda p=provider, c=currency, y=year, m=month: issue_statement(
                        provider=p, currency=c, year=y, month=m, now=now
                    ),
                )
            )
    return _run_all(due)
