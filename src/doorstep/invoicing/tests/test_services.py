"""Issuing receipts, credit notes, fee invoices and statements from what the
ledger holds, once per subject, in the recipient's language."""

from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from doorstep.core.errors import Conflict, DomainError
from doorstep.invoicing import services
from doorstep.invoicing.lines import tax_lines
from doorstep.invoicing.models import Document, DocumentCounter, DocumentKind
from doorstep.invoicing.tests.conftest import pay, pdf_text, set_state
from doorstep.orders.models import Order
from doorstep.payments import flows
from doorstep.payments.models import JournalEntry
from tests.factories import make_listing, make_order

pytestmark = pytest.mark.django_db


def test_a_captured_payment_gets_a_receipt_with_its_lines_and_number(order):
    payment = pay(order)

    receipt = services.issue_receipt(payment=payment)

    assert receipt.kind == DocumentKind.RECEIPT
    assert receipt.recipient_user == order.customer
    assert receipt.order == order
    assert receipt.currency == "CNY"
    assert [(line["code"], line["amount"]) for line in receipt.lines] == [
        ("service", 10_000),
        ("service_fee", 500),
    ]
    assert receipt.totals == [
        {"code": "total", "label": "Total paid", "amount": 10_500}
    ]
    assert receipt.total_amount == 10_500
    year = timezone.now().year
    assert receipt.display_number == f"DS-{year}-000001"
    text = pdf_text(receipt.pdf.read())
    assert "Receipt" in text
    assert f"Number: DS-{year}-000001" in text
    assert "Doorstep Ltd" in text
    assert "1 Harbour Road" in text
    assert "Ada Lovelace" in text
    assert "CN¥105.00" in text
    assert "Paid with Visa ending in 4242" in text


def test_issuing_twice_gives_the_same_document_and_takes_one_number(order):
    payment = pay(order)

    first = services.issue_receipt(payment=payment)
    again = services.issue_receipt(payment=payment)

    assert again.pk == first.pk
    assert Document.objects.count() == 1
    assert DocumentCounter.objects.get().last_number == 1


def test_a_payment_not_yet_captured_gets_no_receipt(order):
    payment = flows.authorise_order(order=order, payment_method="4242 4242 4242 4242")

    with pytest.raises(Conflict) as refused:
        services.issue_receipt(payment=payment)

    assert refused.value.code == "nothing_captured"
    assert Document.objects.count() == 0
    assert DocumentCounter.objects.count() == 0


def test_tax_included_in_the_order_is_shown_under_the_total(order):
    Order.objects.filter(pk=order.pk).update(tax_amount=955)
    payment = pay(order)

    receipt = services.issue_receipt(payment=payment)

    assert {"code": "tax", "label": "Tax (included)", "amount": 955} in receipt.totals
    assert "Tax (included)" in pdf_text(receipt.pdf.read())


def test_a_receipt_in_simplified_chinese_uses_the_cjk_font(order, customer):
    customer.language = "zh-hans"
    customer.save(update_fields=["language"])
    payment = pay(order)

    receipt = services.issue_receipt(payment=payment)

    data = receipt.pdf.read()
    assert b"/BaseFont /STSong-Light" in data
    assert receipt.language == "zh-hans"
    text = pdf_text(data)
    assert receipt.display_number in text
    assert "¥105.00" in text


def test_a_refund_gets_a_credit_note_that_references_the_receipt(order):
    payment = pay(order)

    flows.refund_order(order=order, amount=3_000, reference="goodwill")
    entry = JournalEntry.objects.get(kind=flows.REFUND)
    note = services.issue_credit_note(entry=entry)

    receipt = Document.objects.get(kind=DocumentKind.RECEIPT)
    assert note.kind == DocumentKind.CREDIT_NOTE
    assert note.credits == receipt
    assert note.total_amount == -3_000
    assert note.recipient_user == order.customer
    year = timezone.now().year
    assert note.display_number == f"DSC-{year}-000001"
    text = pdf_text(note.pdf.read())
    assert f"Corrects {receipt.display_number}" in text
    assert "-CN¥30.00" in text
    # The receipt itself is untouched.
    assert Document.objects.get(pk=receipt.pk).total_amount == payment.amount
    assert services.issue_credit_note(entry=entry).pk == note.pk


def test_a_release_gets_the_provider_a_fee_invoice_for_the_commission(order, provider):
    pay(order)
    set_state(order, "completed")
    flows.release_order(order=order)

    invoice = services.issue_fee_invoice(order=order)

    assert invoice.kind == DocumentKind.FEE_INVOICE
    assert invoice.recipient_provider == provider
    assert invoice.recipient_user == provider.user
    assert invoice.total_amount == 1_500  # 15% of 100.00
    assert "Commission on Home cleaning" in pdf_text(invoice.pdf.read())


def test_no_fee_invoice_before_the_release(order):
    pay(order)

    assert services.issue_fee_invoice(order=order) is None
    assert Document.objects.count() == 0


def test_documents_for_an_order_are_issued_from_its_event(order):
    """The order's events reach the consumer; what the ledger holds by then
    is issued (here: the receipt after the capture and the fee invoice after
    the release)."""
    pay(order)
    set_state(order, "completed")
    flows.release_order(order=order)

    issued = services.issue_documents_for_order(order=order)

    assert {document.kind for document in issued} == {
        DocumentKind.RECEIPT,
        DocumentKind.FEE_INVOICE,
    }


def test_the_sweep_issues_what_is_missing_once(order, listing):
    pay(order)
    other = make_order(listing=listing, starts_in=timedelta(days=5))
    pay(other)
    flows.refund_order(order=other, amount=1_000, reference="r1")

    first = services.issue_due_documents()
    second = services.issue_due_documents()

    assert first == {"receipts": 2, "credit_notes": 1}
    assert second == {}
    assert Document.objects.count() == 3


@contextmanager
def at(moment: datetime, monkeypatch):
    """Run the ledger at ``moment`` (entries are append-only: they cannot be
    back-dated afterwards)."""
    with monkeypatch.context() as patched:
        patched.setattr("django.utils.timezone.now", lambda: moment)
        yield


def _month_start(moment: datetime, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def test_a_monthly_statement_adds_up_from_opening_to_closing(
    order, provider, monkeypatch
):
    """Given earnings released, a lead fee and a fine last month and another
    fee this month, the statement of last month reads last month's from the
    ledger; closing = opening + movements, and the next month opens there."""
    zone = ZoneInfo(provider.time_zone)
    last_month = _month_start(timezone.now(), zone) - timedelta(days=3)
    with at(last_month, monkeypatch):
        pay(order)
        set_state(order, "completed")
        flows.release_order(order=order)
        flows.charge_lead_fee(
            provider=provider, quote_id="q1", amount=300, currency="CNY"
        )
        flows.charge_fine(order=order, fine_id="f1", amount=200)
    flows.charge_lead_fee(provider=provider, quote_id="q2", amount=400, currency="CNY")

    statement = services.issue_statement(
        provider=provider,
        currency="CNY",
        year=last_month.year,
        month=last_month.month,
    )

    figures = {row["code"]: row["amount"] for row in statement.totals}
    assert figures == {
        "opening": 0,
        "earnings": 8_500,
        "fees": -300,
        "refunds": 0,
        "fines": -200,
        "payouts": 0,
        "closing": 8_000,
    }
    assert statement.total_amount == 8_000
    assert statement.period_start == last_month.date().replace(day=1)
    assert statement.period_end.month == last_month.month
    assert statement.recipient_provider == provider
    assert len(statement.lines) == 3
    text = pdf_text(statement.pdf.read())
    assert "Opening balance" in text
    assert "Closing balance" in text
    assert "CN¥80.00" in text


def test_the_monthly_job_issues_last_months_statements_once(
    order, provider, monkeypatch
):
    zone = ZoneInfo(provider.time_zone)
    last_month = _month_start(timezone.now(), zone) - timedelta(days=3)
    with at(last_month, monkeypatch):
        pay(order)
        set_state(order, "completed")
        flows.release_order(order=order)

    first = services.issue_monthly_statements()
    second = services.issue_monthly_statements()

    assert first == {"statements": 1}
    assert second == {"statements": 1}  # the same document, not a new one
    assert Document.objects.filter(kind=DocumentKind.STATEMENT).count() == 1


def test_a_month_not_over_gets_no_statement(provider):
    now = timezone.now()

    with pytest.raises(DomainError) as refused:
        services.issue_statement(
            provider=provider, currency="CNY", year=now.year, month=now.month
        )

    assert refused.value.code == "rule_broken"


def test_statements_keep_currencies_apart(provider, category, customer, monkeypatch):
    """A provider earning in CNY and in USD gets one statement per currency,
    each with its own figures."""
    zone = ZoneInfo(provider.time_zone)
    last_month = _month_start(timezone.now(), zone) - timedelta(days=3)
    cny = make_order(
        listing=make_listing(
            provider=provider, category=category, price=10_000, currency="CNY"
        ),
        customer=customer,
    )
    usd = make_order(
        listing=make_listing(
            provider=provider, category=category, price=2_000, currency="USD"
        ),
        customer=customer,
        starts_in=timedelta(days=5),
    )
    with at(last_month, monkeypatch):
        for order in (cny, usd):
            pay(order)
            set_state(order, "completed")
            flows.release_order(order=order)

    services.issue_monthly_statements()

    closing = {
        document.currency: document.total_amount
        for document in Document.objects.filter(kind=DocumentKind.STATEMENT)
    }
    assert closing == {"CNY": 8_500, "USD": 1_700}


def test_tax_added_to_prices_is_a_line_of_its_own():
    order = Order(tax_amount=600, currency="CNY")
    order.prices_include_tax = False

    added, included = tax_lines(order)

    assert added == [{"code": "tax", "label": "Tax", "amount": 600}]
    assert included == []
