"""The finance report keeps CNY, JPY and KWD apart (each in its own minor
units) and adds, under them, one GMV line in the reporting currency only as
a labelled estimate, and only when every currency shown has a rate."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.marketplace.services import set_exchange_rate
from doorstep.payments import flows, views
from doorstep.payments.queries import finance_report, finance_totals
from doorstep.payments.tests.conftest import CARD_OK
from tests.factories import make_listing, make_ops, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(monkeypatch):
    monkeypatch.setattr(
        views, "can_use_back_office", lambda request: request.user.is_staff
    )
    return make_ops()


@pytest.fixture
def three_currencies(category):
    """Paid orders: CN¥100.00, ¥1,200 (JPY has no minor units) and
    KWD 1.250 (three minor units)."""
    for days, price, currency in (
        (2, 10_000, "CNY"),
        (3, 1_200, "JPY"),
        (4, 1_250, "KWD"),
    ):
        listing = make_listing(category=category, price=price, currency=currency)
        order = make_order(listing=listing, starts_in=timedelta(days=days))
        flows.authorise_order(order=order, payment_method=CARD_OK)
        flows.capture_order(order=order)


def _report_page(client, ops) -> str:
    client.force_login(ops)
    response = client.get(reverse("payments:finance_report"))
    assert response.status_code == 200
    return response.content.decode()


def test_totals_are_per_currency_and_never_summed(three_currencies, settings):
    # Given paid orders in CNY, JPY and KWD
    today = timezone.localdate()

    # When the report is totalled
    totals = finance_totals(finance_report(since=today, until=today))

    # Then each currency has its own exact GMV, in its own minor units
    assert {total["currency"]: total["gmv"] for total in totals} == {
        "CNY": 10_000,
        "JPY": 1_200,
        "KWD": 1_250,
    }


def test_page_shows_each_currency_in_its_own_format(client, ops, three_currencies):
    page = _report_page(client, ops)

    assert "CN¥100.00" in page
    assert "¥1,200" in page
    assert "¥1,200.00" not in page
    assert "KWD" in page
    assert "1.250" in page
    # No estimate without rates.
    assert "finance-report__estimate" not in page


def test_estimate_line_when_every_currency_has_a_rate(
    client, ops, three_currencies, settings
):
    # Given rates for JPY and KWD into the reporting currency (CNY)
    settings.DOORSTEP_CURRENCY = "CNY"
    set_exchange_rate(actor=ops, base="JPY", quote="CNY", rate=Decimal("0.048"))
    set_exchange_rate(actor=ops, base="KWD", quote="CNY", rate=Decimal("23.5"))

    page = _report_page(client, ops)

    # Then one labelled line: 10000 + 1200 × 0.048 × 100 (5760) + 1250 × 23.5
    # / 10 (2937.5, half-even → 2938) fen = CN¥186.98
    assert "finance-report__estimate" in page
    assert "≈ CN¥186.98 in CNY (estimate at rates entered on" in page
    # …while the real totals stay apart.
    assert "CN¥100.00" in page


def test_no_estimate_when_a_currency_has_no_rate(client, ops, three_currencies):
    set_exchange_rate(actor=ops, base="JPY", quote="CNY", rate=Decimal("0.048"))

    page = _report_page(client, ops)

    assert "finance-report__estimate" not in page
    assert "≈" not in page
