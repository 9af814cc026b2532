"""Orders in each kind of tax region, end to end: the price shown is the price
charged is what the ledger holds, and the release and refunds post the tax to
the tax accounts; the tax report reads them back per region and currency."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.api.testing import API, JSON, bearer
from doorstep.orders.models import Order
from doorstep.orders.pricing import price_fixed_service, price_quoted_job
from doorstep.orders.tests.conftest import at
from doorstep.payments import flows
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import JournalEntry, Payment, Posting
from doorstep.scheduling.tests.helpers import bookable_listing
from doorstep.taxes.models import OrderTax, TaxBase
from doorstep.taxes.queries import tax_report
from doorstep.taxes.tests.conftest import (
    CARD_OK,
    balance,
    make_region,
    priced_order,
    taxed_listing,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

TOTAL = re.compile(r'data-price-total="(\d+)"')


def _vat_on_fees():
    # 6% VAT on the platform's fees, prices shown tax-inclusive.
    return make_region(
        "vat", "shanghai", inclusive=True, rules=[("VAT", 600, False, True)]
    )


def _gst_on_everything():
    # 5% GST on the whole service, prices shown tax-exclusive.
    return make_region(
        "gst", "shanghai", inclusive=False, rules=[("GST", 500, True, True)]
    )


def _book_and_pay(client, customer, listing) -> tuple[Order, dict, str]:
    """Look at the price (preview API and booking page), book through the
    API, pay: the order, the preview and the order page's HTML."""
    client.force_login(customer)
    preview = client.get(f"{API}/services/{listing.public_id}/price").json()
    page = client.get(
        reverse("orders:book", args=[listing.public_id]), {"tz": "Asia/Shanghai"}
    ).content.decode()
    booked = client.post(
        f"{API}/orders",
        data={
            "listing_id": listing.public_id,
            "starts_at": at("10:00").isoformat(),
            "address": "88 Huaihai Road",
            "latitude": listing.latitude,
            "longitude": listing.longitude,
        },
        content_type=JSON,
        **bearer(customer),
    )
    assert booked.status_code == 201, booked.content
    order = Order.objects.get(public_id=booked.json()["id"])
    assert set(TOTAL.findall(page)) == {str(order.total_amount)}
    order = pay_with_sandbox_card(order, CARD_OK)
    html = client.get(order.get_absolute_url()).content.decode()
    return order, preview, html


def _complete_and_release(order: Order) -> None:
    flows.capture_order(order=order)
    Order.objects.filter(pk=order.pk).update(state="completed")
    order.state = "completed"
    flows.release_order(order=order)


def _release_postings(order: Order) -> dict[str, int]:
    entry = JournalEntry.objects.get(idempotency_key=f"release:{order.public_id}")
    return {
        posting.account.kind: -posting.amount
        for posting in Posting.objects.filter(entry=entry)
        .select_related("account")
        .exclude(account__kind=K.ORDER_ESCROW)
    }


def test_a_booking_where_prices_include_vat_on_the_platforms_fees(client):
    # Given a region where 6% VAT is contained in the platform's fees
    _vat_on_fees()
    listing = bookable_listing()
    customer = make_user()

    # When a customer looks at the price, books, pays and the job is released
    order, preview, html = _book_and_pay(client, customer, listing)

    # Then the total is the price plus the fee (nothing added), the VAT in the
    # fee is shown as included, and the card is held for exactly that total
    price = listing.price_amount
    fee = price * 500 // 10_000
    fee_vat = round(fee * 600 / 10_600)
    assert order.total_amount == price + fee
    assert order.tax_amount == fee_vat
    assert order.prices_include_tax
    assert preview["total"]["amount"] == order.total_amount
    assert preview["tax"]["amount"] == fee_vat
    assert preview["taxes"] == [
        {
            "name": "VAT",
            "rate_bps": 600,
            "on": "service_fee",
            "amount": {"amount": fee_vat, "currency": "CNY"},
            "included": True,
        }
    ]
    assert set(TOTAL.findall(html)) == {str(order.total_amount)}
    assert "Includes VAT 6% on the service fee" in html
    assert Payment.objects.get(order=order).amount == order.total_amount

    # And at release the VAT in the fee and in the commission goes to tax owed
    _complete_and_release(order)
    commission = price * listing.category.commission_bps // 10_000
    commission_vat = round(commission * 600 / 10_600)
    assert _release_postings(order) == {
        K.PROVIDER_PENDING: price - commission,
        K.COMMISSION_REVENUE: commission - commission_vat,
        K.SERVICE_FEE_REVENUE: fee - fee_vat,
        K.FEE_TAX_LIABILITY: fee_vat + commission_vat,
    }
    assert balance(K.ORDER_ESCROW, order=order) == 0
    stored = OrderTax.objects.get(order=order, base=TaxBase.COMMISSION)
    assert (stored.amount, stored.base_amount) == (commission_vat, commission)


def test_a_booking_where_gst_is_added_to_the_whole_service(client):
    # Given a region where 5% GST is added to the service and to the fees
    _gst_on_everything()
    listing = bookable_listing()
    customer = make_user()

    # When a customer books and pays
    order, preview, html = _book_and_pay(client, customer, listing)

    # Then the GST is added to the total, shown as lines before it, and the
    # card is held for the total with the tax
    price = listing.price_amount
    fee = price * 500 // 10_000
    service_gst, fee_gst = price * 5 // 100, round(fee * 0.05)
    total = price + fee + service_gst + fee_gst
    assert order.total_amount == total
    assert not order.prices_include_tax
    assert preview["total"]["amount"] == total
    assert preview["prices_include_tax"] is False
    assert set(TOTAL.findall(html)) == {str(total)}
    assert f'data-price-tax-added="{service_gst}"' in html
    payment = Payment.objects.get(order=order)
    assert (payment.amount, payment.base_amount, payment.service_fee_amount) == (
        total,
        price + service_gst,
        fee + fee_gst,
    )

    # And the release sends the GST on the service, the fee and the commission
    # (added on top of it, from the provider's part) to tax owed
    _complete_and_release(order)
    commission = price * listing.category.commission_bps // 10_000
    commission_gst = round(commission * 0.05)
    assert _release_postings(order) == {
        K.PROVIDER_PENDING: price - commission - commission_gst,
        K.COMMISSION_REVENUE: commission,
        K.SERVICE_FEE_REVENUE: fee,
        K.TAX_LIABILITY: service_gst,
        K.FEE_TAX_LIABILITY: fee_gst + commission_gst,
    }
    assert balance(K.ORDER_ESCROW, order=order) == 0


def test_a_partial_refund_after_release_gives_back_its_share_of_the_tax():
    # Given a released order of 100.00 in a 5% GST region (tax added)
    _gst_on_everything()
    listing = taxed_listing(price=10_000)
    order = priced_order(listing)
    assert order.total_amount == 11_025  # 100 + 5 fee + 5 GST + 0.25 GST on fee
    flows.authorise_order(order=order, payment_method=CARD_OK)
    _complete_and_release(order)
    assert balance(K.TAX_LIABILITY) == 500
    assert balance(K.FEE_TAX_LIABILITY) == 25 + 75  # fee 0.25, commission 0.75
    pending = balance(K.PROVIDER_PENDING, provider=order.provider)
    assert pending == 10_000 - 1_500 - 75

    # When a fifth of the charge is refunded
    flows.refund_order(order=order, amount=2_205, reference="goodwill")

    # Then a fifth of the customer's taxes comes back from tax owed (not the
    # tax on the commission, which the platform keeps), the rest from the
    # provider, and every entry balances
    assert balance(K.TAX_LIABILITY) == 500 - 100
    assert balance(K.FEE_TAX_LIABILITY) == 100 - 5
    assert balance(K.PROVIDER_PENDING, provider=order.provider) == pending - 2_100
    assert balance(K.GATEWAY_FUNDS) == 11_025 - 2_205
    for entry in JournalEntry.objects.all():
        assert sum(entry.postings.values_list("amount", flat=True)) == 0

    # And refunding the rest gives back all the customer's tax, to the unit
    flows.refund_order(order=order, amount=11_025 - 2_205, reference="rest")
    assert balance(K.TAX_LIABILITY) == 0
    assert balance(K.FEE_TAX_LIABILITY) == 75


def test_a_refund_before_release_lowers_the_tax_released_in_proportion():
    _gst_on_everything()
    order = priced_order(taxed_listing(price=10_000))
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)

    flows.refund_order(order=order, amount=5_250, reference="half")
    Order.objects.filter(pk=order.pk).update(state="completed")
    flows.release_order(order=order)

    # 11 025 − 5 250 held: the fee whole (5.25), the service half (52.50).
    assert balance(K.TAX_LIABILITY) == 250
    assert balance(K.ORDER_ESCROW, order=order) == 0


def test_no_region_means_no_tax_as_before():
    order = priced_order(taxed_listing(price=10_000))
    flows.authorise_order(order=order, payment_method=CARD_OK)
    _complete_and_release(order)

    assert order.tax_amount == 0
    assert order.total_amount == 10_500
    assert not OrderTax.objects.filter(order=order).exists()
    assert balance(K.TAX_LIABILITY) == balance(K.FEE_TAX_LIABILITY) == 0
    assert balance(K.PROVIDER_PENDING, provider=order.provider) == 8_500


def test_the_tax_report_is_per_region_and_currency():
    # Given released orders in a CNY region and a TWD region
    _gst_on_everything()
    make_region("tw", "taipei", inclusive=True, rules=[("VAT", 500, True, True)])
    shanghai = priced_order(taxed_listing(price=10_000))
    taipei = priced_order(
        taxed_listing(city_slug="taipei", price=2_100, currency="TWD")
    )
    for order in (shanghai, taipei):
        flows.authorise_order(order=order, payment_method=CARD_OK)
        _complete_and_release(order)
    flows.refund_order(order=shanghai, amount=2_205, reference="goodwill")

    # When finance reads the report for today
    today = timezone.localdate()
    rows = {
        (row.region_code, row.currency): row
        for row in tax_report(since=today, until=today)
    }

    # Then each region has its own row in its own currency
    assert set(rows) == {("gst", "CNY"), ("tw", "TWD")}
    gst = rows["gst", "CNY"]
    assert (gst.on_services, gst.on_fees, gst.returned, gst.net) == (
        500,
        100,
        105,
        495,
    )
    tw = rows["tw", "TWD"]
    assert tw.on_services == round(2_100 * 500 / 10_500)
    assert tw.returned == 0
    earlier = today - timedelta(days=1)
    assert tax_report(since=earlier - timedelta(days=9), until=earlier) == []


def test_dispatch_and_quoted_jobs_are_taxed_by_the_same_rules():
    region = _gst_on_everything()

    dispatched = price_fixed_service(
        title="Deep clean", price_amount=10_000, currency="CNY", tax_region=region
    )
    quoted = price_quoted_job(
        title="Paint", unit_amount=2_000, hours=3, currency="CNY", tax_region=region
    )

    assert dispatched.total_amount == 10_000 + 500 + 500 + 25
    assert quoted.tax_amount == 300 + 15
    assert quoted.total_amount == 6_000 + 300 + 315
