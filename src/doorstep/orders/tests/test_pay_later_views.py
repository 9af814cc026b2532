"""The booking page offers paying later when the listing does; the order page
says what happens with the money to each side; the provider confirms cash
received; the pay page of a refused after-service charge is the customer's."""

import pytest
from django.test import TestCase
from django.urls import reverse

from doorstep.orders.models import Order
from doorstep.orders.services import place_order, transition_order
from doorstep.orders.tests.conftest import at, booking
from doorstep.payments.models import SavedPaymentMethod
from tests.factories import make_provider, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("early_start_allowed")]


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False


@pytest.fixture
def cash_listing(listing):
    listing.offers_cash = True
    listing.offers_pay_after_service = True
    listing.save(update_fields=["offers_cash", "offers_pay_after_service"])
    return listing


def _form(listing, **overrides):
    return {
        "starts_at": at("10:00").isoformat(),
        "address": "88 Huaihai Road",
        "latitude": f"{listing.latitude:.6f}",
        "longitude": f"{listing.longitude:.6f}",
        "notes": "",
        "idempotency_key": "form-key-pay-later",
        "tz": "Asia/Shanghai",
        **overrides,
    }


def test_the_booking_page_offers_the_timings_the_listing_allows(
    client, cash_listing, listing, customer
):
    SavedPaymentMethod.objects.create(
        user=customer,
        gateway="sandbox",
        token="sbx_success_visa_4242",
        brand="visa",
        last4="4242",
        is_default=True,
    )
    client.force_login(customer)

    html = client.get(reverse("orders:book", args=[cash_listing.public_id])).content
    html = html.decode()

    assert 'name="payment_timing"' in html
    assert "Visa ••4242" in html
    assert "Cash on completion" in html


def test_a_listing_paid_now_only_shows_no_choice(client, listing, customer):
    client.force_login(customer)

    html = client.get(reverse("orders:book", args=[listing.public_id])).content

    assert b'name="payment_timing"' not in html


def test_booking_cash_goes_to_the_order_not_the_pay_page(
    client, cash_listing, customer
):
    client.force_login(customer)

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("orders:book", args=[cash_listing.public_id]),
            _form(cash_listing, payment_timing="cash"),
        )

    order = Order.objects.get(customer=customer)
    assert response.status_code == 302, response.content
    assert response.url == order.get_absolute_url()
    assert order.payment_timing == "cash"
    assert order.state == "requested"
    page = client.get(order.get_absolute_url()).content.decode()
    assert "in cash when the job is done" in page


def test_cash_refused_shows_the_error_beside_the_field(
    client, cash_listing, customer, settings
):
    # given a provider who may owe nothing more for cash jobs
    settings.DOORSTEP_CASH_OWED_LIMIT = 0
    client.force_login(customer)

    response = client.post(
        reverse("orders:book", args=[cash_listing.public_id]),
        _form(cash_listing, payment_timing="cash"),
    )

    assert response.status_code == 422
    assert "Cash is not available for now." in response.content.decode()
    assert not Order.objects.filter(customer=customer).exists()


def test_a_listing_paid_now_only_ignores_a_forged_timing(client, listing, customer):
    client.force_login(customer)

    response = client.post(
        reverse("orders:book", args=[listing.public_id]),
        _form(listing, payment_timing="cash"),
    )

    order = Order.objects.get(customer=customer)
    assert response.url == reverse("orders:pay", args=[order.public_id])
    assert order.payment_timing == "pay_now"
    assert order.state == "awaiting_payment"


def test_the_provider_is_told_to_collect_cash_and_confirms_it(
    client, cash_listing, customer
):
    with TestCase.captureOnCommitCallbacks(execute=True):
        order = place_order(**booking(cash_listing, customer), payment_timing="cash")
    provider = order.provider.user
    transition_order(order=order, name="accept", user=provider)
    transition_order(
        order=order, name="start", user=provider, data={"start_code": order.start_code}
    )
    transition_order(order=order, name="deliver", user=provider)
    client.force_login(provider)

    page = client.get(order.get_absolute_url()).content.decode()
    assert "Collect" in page
    assert "in cash" in page
    assert reverse("orders:transition", args=[order.public_id, "receive_cash"]) in page

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("orders:transition", args=[order.public_id, "receive_cash"]),
            {"expected_state": "delivered"},
        )
    order.refresh_from_db()
    assert response.status_code in (200, 302)
    assert order.state == "completed"
    assert order.cash_received_at is not None


def test_the_customer_sees_no_cash_received_button_and_a_stranger_nothing(
    client, cash_listing, customer
):
    with TestCase.captureOnCommitCallbacks(execute=True):
        order = place_order(**booking(cash_listing, customer), payment_timing="cash")
    client.force_login(customer)
    page = client.get(order.get_absolute_url()).content.decode()
    assert "receive_cash" not in page
    assert "Pay the provider" in page

    client.force_login(make_provider().user)
    assert client.get(order.get_absolute_url()).status_code == 404
    client.force_login(make_user())
    assert client.get(reverse("orders:pay", args=[order.public_id])).status_code == 404
