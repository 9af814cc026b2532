"""One price, everywhere: the booking page, the price-preview API, the order (page
and API), the receipt and the amount held on the card show one and the same
breakdown — service fee included — for fixed, hourly and add-on bookings in
each currency the demo uses (JPY has no minor units)."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.catalog.models import Listing, ListingAddOn, PricingModel
from doorstep.core.money import Money
from doorstep.orders.api import price_out
from doorstep.orders.models import Order
from doorstep.orders.pricing import price_booking
from doorstep.orders.tests.conftest import add_on, at
from doorstep.payments.conf import setting
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.payments.models import Payment, SandboxCharge
from doorstep.scheduling.tests.helpers import bookable_listing

pytestmark = pytest.mark.django_db

CARD_OK = "4242 4242 4242 4242"
# An awkward price per currency, so the 5% fee has to round (275.00 is the
# issue's example); JPY amounts are whole yen.
PRICES = {"CNY": 27_500, "USD": 4_999, "HKD": 38_850, "TWD": 120_030, "JPY": 8_257}
ADD_ONS = {"JPY": (333, 1_250)}
TOTAL = re.compile(r'data-price-total="(\d+)">([^<]+)<')


def _listing(currency: str, kind: str) -> tuple[Listing, dict, int]:
    """A bookable listing, the choices to book it with, and its subtotal
    worked out here from the listing's own figures."""
    hourly = kind == "hourly"
    listing = bookable_listing(
        duration=60,
        pricing_model=PricingModel.HOURLY if hourly else PricingModel.FIXED,
        min_hours=2,
    )
    Listing.objects.filter(pk=listing.pk).update(
        currency=currency, price_amount=PRICES[currency]
    )
    listing.refresh_from_db()
    choices: dict = {}
    subtotal = PRICES[currency]
    if hourly:
        choices["hours"] = 3
        subtotal *= 3
    if kind == "add_ons":
        extras = [
            add_on(listing, f"Extra {n}", price)
            for n, price in enumerate(ADD_ONS.get(currency, (1_333, 2_505)))
        ]
        choices["add_on_ids"] = [extra.public_id for extra in extras]
        subtotal += sum(extra.price_amount for extra in extras)
    return listing, choices, subtotal


def _shown_total(html: str) -> tuple[int, str]:
    totals = set(TOTAL.findall(html))
    assert len(totals) == 1, totals
    amount, text = totals.pop()
    return int(amount), text


@pytest.mark.parametrize("kind", ["fixed", "hourly", "add_ons"])
@pytest.mark.parametrize("currency", sorted(PRICES))
def test_every_surface_shows_the_amount_the_card_is_held_for(
    client, customer, currency, kind
):
    # Given a listing in this currency, and what its booking must cost
    listing, choices, subtotal = _listing(currency, kind)
    fee = subtotal * setting("DOORSTEP_SERVICE_FEE_BPS") // 10_000
    expected = (subtotal + fee, Money(subtotal + fee, currency).format("en"))
    client.force_login(customer)
    params = {
        "tz": "Asia/Shanghai",
        **({"hours": choices["hours"]} if "hours" in choices else {}),
        "add_ons": choices.get("add_on_ids", []),
    }
    api_params = {
        **({"hours": choices["hours"]} if "hours" in choices else {}),
        "add_on_ids": choices.get("add_on_ids", []),
    }

    # When the customer looks at the price, books through the API and pays
    page = client.get(reverse("orders:book", args=[listing.public_id]), params)
    partial = client.get(
        reverse("orders:booking_price", args=[listing.public_id]), params
    )
    preview = client.get(f"{API}/services/{listing.public_id}/price", api_params)
    booked = client.post(
        f"{API}/orders",
        data={
            "listing_id": listing.public_id,
            "starts_at": at("10:00").isoformat(),
            "address": "88 Huaihai Road",
            "latitude": listing.latitude,
            "longitude": listing.longitude,
            **choices,
        },
        content_type=JSON,
        **bearer(customer),
    )
    assert booked.status_code == 201, booked.content
    order = Order.objects.get(public_id=booked.json()["id"])
    order = pay_with_sandbox_card(order, CARD_OK)
    order_page = client.get(order.get_absolute_url())
    detail = client.get(f"{API}/orders/{order.public_id}", **bearer(customer))
    receipt = client.get(reverse("payments:receipt", args=[order.public_id]))

    # Then each of them says the same total, and the card is held for exactly it
    assert _shown_total(page.content.decode()) == expected
    assert _shown_total(partial.content.decode()) == expected
    assert _shown_total(order_page.content.decode()) == expected
    assert _shown_total(receipt.content.decode()) == expected
    money = {"amount": expected[0], "currency": currency}
    assert preview.json()["total"] == money
    assert booked.json()["total"] == money
    assert detail.json()["total"] == money
    assert preview.json()["service_fee"] == {"amount": fee, "currency": currency}
    assert preview.json()["lines"] == booked.json()["lines"]
    payment = Payment.objects.get(order=order, kind="order")
    assert payment.amount == expected[0]
    assert payment.service_fee_amount == fee
    charge = SandboxCharge.objects.get(charge_id=payment.gateway_charge_id)
    assert (charge.amount, charge.currency) == (expected[0], currency)


def test_a_platform_discount_is_on_the_order_before_the_card_is_held(client, customer):
    from doorstep.payments.flows import fund_discount

    listing, _choices, subtotal = _listing("CNY", "fixed")
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
    order = Order.objects.get(public_id=booked.json()["id"])
    fund_discount(order=order, amount=1_000, reference="coupon:SPRING")
    order.refresh_from_db()
    order = pay_with_sandbox_card(order, CARD_OK)
    client.force_login(customer)

    html = client.get(order.get_absolute_url()).content.decode()

    fee = subtotal * setting("DOORSTEP_SERVICE_FEE_BPS") // 10_000
    assert order.total_amount == subtotal + fee - 1_000
    assert _shown_total(html)[0] == order.total_amount
    assert "data-price-discount" in html
    assert Payment.objects.get(order=order).amount == order.total_amount


# --- The preview API's refusals ---------------------------------------------------


def test_the_preview_refuses_bad_choices_with_a_problem(client):
    hourly = bookable_listing(pricing_model=PricingModel.HOURLY, min_hours=2)
    quote = bookable_listing()
    Listing.objects.filter(pk=quote.pk).update(
        pricing_model=PricingModel.QUOTE, price_amount=None
    )
    url = f"{API}/services/{{}}/price"

    assert_problem(client.get(url.format("lst_nope")), 404, "listing_not_found")
    assert_problem(
        client.get(url.format(hourly.public_id), {"hours": 1}), 422, "wrong_duration"
    )
    assert_problem(
        client.get(url.format(hourly.public_id), {"add_on_ids": ["add_nope"]}),
        400,
        "unknown_add_on",
    )
    assert_problem(client.get(url.format(quote.public_id)), 422, "quote_only")
    assert_problem(client.get(url.format(hourly.public_id), {"hours": "x"}), 400)


# --- The breakdown itself -------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    currency=st.sampled_from(sorted(PRICES)),
    price=st.integers(min_value=1, max_value=5_000_000),
    hours=st.none() | st.integers(min_value=1, max_value=12),
    add_on_prices=st.lists(st.integers(min_value=0, max_value=500_000), max_size=4),
)
def test_the_breakdown_adds_up_and_renders_its_own_total(
    currency, price, hours, add_on_prices
):
    listing = Listing(
        title="Window cleaning",
        pricing_model=PricingModel.FIXED if hours is None else PricingModel.HOURLY,
        price_amount=price,
        currency=currency,
        min_hours=1,
    )
    add_ons = [
        ListingAddOn(name=f"Extra {n}", price_amount=amount, extra_minutes=0)
        for n, amount in enumerate(add_on_prices)
    ]

    breakdown = price_booking(listing=listing, hours=hours, add_ons=add_ons)

    subtotal = price * (hours or 1) + sum(add_on_prices)
    assert breakdown.subtotal_amount == subtotal
    fee_bps = setting("DOORSTEP_SERVICE_FEE_BPS")
    assert breakdown.service_fee_amount == subtotal * fee_bps // 10_000
    assert breakdown.total_amount == subtotal + breakdown.service_fee_amount
    html = render_to_string("orders/_price_breakdown.html", {"breakdown": breakdown})
    assert _shown_total(html) == (
        breakdown.total_amount,
        Money(breakdown.total_amount, currency).format("en"),
    )
    out = price_out(breakdown, duration_minutes=None)
    assert out.total.amount == breakdown.total_amount
    assert sum(line.amount.amount for line in out.lines) == subtotal
