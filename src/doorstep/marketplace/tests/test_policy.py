"""One source of truth for fees: the price previewed is the price charged, a
fee change reaches new previews at once and never an existing order, and the
order rules and money flows follow the operator's figures."""

import pytest
from django.urls import reverse

from doorstep.api.testing import API, JSON, bearer
from doorstep.marketplace import policy, services
from doorstep.orders.models import Order
from doorstep.orders.tests.conftest import at
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.payments.models import Payment
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

CARD_OK = "4242 4242 4242 4242"
PRICE = 27_500


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _preview(client, listing) -> dict:
    response = client.get(f"{API}/services/{listing.public_id}/price")
    assert response.status_code == 200, response.content
    return response.json()


def _book_and_pay(client, listing, customer, hour: str) -> Order:
    booked = client.post(
        f"{API}/orders",
        data={
            "listing_id": listing.public_id,
            "starts_at": at(hour).isoformat(),
            "address": "88 Huaihai Road",
            "latitude": listing.latitude,
            "longitude": listing.longitude,
        },
        content_type=JSON,
        **bearer(customer),
    )
    assert booked.status_code == 201, booked.content
    order = Order.objects.get(public_id=booked.json()["id"])
    return pay_with_sandbox_card(order, CARD_OK)


def test_a_fee_change_reaches_new_previews_and_charges_but_not_booked_orders(client):
    # Given a listing at 275.00, an order booked at the environment's fee
    listing = bookable_listing(duration=60)
    listing.price_amount = PRICE
    listing.save(update_fields=["price_amount"])
    customer = make_user()
    fee_before = PRICE * policy.defaults().service_fee_bps // 10_000
    preview_before = _preview(client, listing)
    earlier = _book_and_pay(client, listing, customer, "10:00")
    assert preview_before["service_fee"]["amount"] == fee_before
    assert (
        Payment.objects.get(order=earlier).amount == (preview_before["total"]["amount"])
    )

    # When ops set the service fee to 12.5%
    services.update_policy(
        actor=make_ops("Ops admin"), values={"service_fee_bps": 1_250}
    )

    # Then the next preview uses it, and the card is held for exactly that total
    preview_after = _preview(client, listing)
    assert preview_after["service_fee"]["amount"] == PRICE * 1_250 // 10_000
    later = _book_and_pay(client, listing, customer, "13:00")
    assert later.total_amount == preview_after["total"]["amount"]
    assert Payment.objects.get(order=later).amount == preview_after["total"]["amount"]
    # And the order booked before keeps its fee, total and held amount
    earlier.refresh_from_db()
    assert earlier.service_fee_amount == fee_before
    assert earlier.total_amount == preview_before["total"]["amount"]
    client.force_login(customer)
    page = client.get(earlier.get_absolute_url()).content.decode()
    assert f'data-price-total="{preview_before["total"]["amount"]}"' in page


def test_the_booking_page_shows_the_fee_in_force(client):
    listing = bookable_listing(duration=60)
    services.update_policy(actor=make_ops("Ops admin"), values={"service_fee_bps": 0})
    client.force_login(make_user())

    html = client.get(
        reverse("orders:booking_price", args=[listing.public_id]),
        {"tz": "Asia/Shanghai"},
    ).content.decode()

    assert f'data-price-total="{listing.price_amount}"' in html


def test_the_order_rules_read_the_operators_figures(settings):
    # Given the environment's cancellation policy
    from doorstep.orders.processes import book_provider

    order = Order(subtotal_amount=10_000)
    assert book_provider.policy_fee(order) == (
        10_000 * settings.DOORSTEP_CANCELLATION_FEE_BPS // 10_000
    )

    # When ops change the fee, the free window and the no-show grace
    services.update_policy(
        actor=make_ops("Ops admin"),
        values={
            "cancellation_fee_bps": 5_000,
            "cancellation_free_hours": 6,
            "no_show_grace_minutes": 30,
            "min_payout": 100,
            "clearing_days": 2,
        },
    )

    # Then the order process and the money flows use the new figures
    assert book_provider.policy_fee(order) == 5_000
    current = policy.current()
    assert (current.cancellation_free_hours, current.no_show_grace_minutes) == (6, 30)
    assert (current.min_payout, current.clearing_days) == (100, 2)


def test_the_environment_default_holds_until_ops_override_it(settings):
    settings.DOORSTEP_SERVICE_FEE_BPS = 321
    assert policy.current().service_fee_bps == 321
    services.update_policy(actor=make_ops("Ops admin"), values={"service_fee_bps": 100})
    assert policy.current().service_fee_bps == 100


@pytest.mark.parametrize("role", ["Support", "Finance", "Trust & safety"])
def test_the_services_refuse_roles_without_the_permission(role):
    from doorstep.core.errors import PermissionDenied

    actor = make_ops(role)
    with pytest.raises(PermissionDenied):
        services.update_policy(actor=actor, values={"service_fee_bps": 100})
    with pytest.raises(PermissionDenied):
        services.update_branding(
            actor=actor, name="X", primary_colour="", accent_colour=""
        )
    with pytest.raises(PermissionDenied):
        services.update_city(actor=actor, slug="shanghai", radius_km=10)
    assert policy.current() == policy.defaults()
