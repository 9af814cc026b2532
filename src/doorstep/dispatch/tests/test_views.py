"""The customer's web pages for platform services: the catalogue of a city, the
booking page (errors beside the fields, nothing written), the hand-over to
payment, and the order page of a dispatched order while searching and once a
worker is assigned."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.accounts.models import SavedAddress
from doorstep.dispatch import cascade
from doorstep.dispatch.models import DispatchJob
from doorstep.dispatch.tests.helpers import (
    HOME,
    after_commit,
    make_agency,
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from tests.factories import TAIPEI, make_user

pytestmark = pytest.mark.django_db

SHANGHAI_ZONE = ZoneInfo("Asia/Shanghai")
NEAR = (HOME[0] + 0.01, HOME[1])


@pytest.fixture
def on_sale():
    offer = service_in_shanghai()
    category = offer.service.category
    category.standard_en = "Kitchen and bathroom\nFloors mopped"
    category.warranty_days = 7
    category.save()
    return offer


@pytest.fixture
def customer():
    return make_user(name="Cora Customer")


def _book_url(on_sale):
    url = reverse("dispatch:book", args=[on_sale.service.public_id])
    return f"{url}?city=shanghai"


def _form(**changes):
    data = {
        "when": "asap",
        "address": "1 Yuyuan Road",
        "latitude": HOME[0],
        "longitude": HOME[1],
        "notes": "Ring twice",
        "idempotency_key": "key-1",
    }
    data.update(changes)
    return data


def _counts():
    return Order.objects.count(), DispatchJob.objects.count()


# --- The catalogue ------------------------------------------------------------------


def test_the_catalogue_shows_price_duration_standard_and_promise(client, on_sale):
    response = client.get(reverse("dispatch:catalogue"), {"city": "shanghai"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Home cleaning, 2 hours" in html
    assert "CN¥150.00" in html
    assert "2 h" in html
    assert "Floors mopped" in html
    assert "7-day warranty" in html
    assert "A pro at your door within 2 h" in html
    assert "confirmed within 30 min" in html


def test_a_city_without_services_says_so(client, on_sale):
    response = client.get(reverse("dispatch:catalogue"), {"city": "taipei"})

    assert response.status_code == 200
    assert "Home cleaning" not in response.content.decode()
    assert "No fixed-price services in" in response.content.decode()


def test_the_catalogue_follows_the_customers_default_address(client, on_sale, customer):
    SavedAddress.objects.create(
        user=customer,
        label="Home",
        address="1 Yuyuan Road",
        latitude=HOME[0],
        longitude=HOME[1],
        is_default=True,
    )
    client.force_login(customer)

    response = client.get(reverse("dispatch:catalogue"))

    assert "Home cleaning, 2 hours" in response.content.decode()


# --- The booking page ---------------------------------------------------------------


def test_booking_needs_a_signed_in_customer(client, on_sale):
    response = client.get(_book_url(on_sale))

    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_the_booking_page_offers_asap_or_a_time_the_map_and_the_price(
    client, on_sale, customer
):
    client.force_login(customer)

    response = client.get(_book_url(on_sale))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="asap"' in html
    assert 'type="date"' in html
    assert "data-map-pin" in html
    assert "data-price-total" in html
    assert "Asia/Shanghai" in html
    assert "A pro at your door within 2 h" in html


def test_an_unknown_service_is_404(client, customer):
    client.force_login(customer)

    response = client.get(reverse("dispatch:book", args=["svc_nothing"]))

    assert response.status_code == 404


def test_booking_asap_hands_over_to_payment(client, on_sale, customer):
    client.force_login(customer)

    response = client.post(_book_url(on_sale), _form())

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("orders:pay", args=[order.public_id])
    assert order.mode == "dispatch"
    assert order.state == OrderState.AWAITING_PAYMENT
    assert order.dispatch_job.is_asap
    assert order.total_amount > order.subtotal_amount == 15_000


def test_a_time_is_read_in_the_citys_zone(client, on_sale, customer):
    client.force_login(customer)
    day = (timezone.now() + timedelta(days=2)).astimezone(SHANGHAI_ZONE).date()

    client.post(
        _book_url(on_sale), _form(when="later", day=day.isoformat(), time="10:30")
    )

    order = Order.objects.get()
    assert order.starts_at == datetime(
        day.year, day.month, day.day, 10, 30, tzinfo=SHANGHAI_ZONE
    )
    assert order.dispatch_job.is_asap is False


def test_a_repeated_submit_books_once(client, on_sale, customer):
    client.force_login(customer)

    client.post(_book_url(on_sale), _form())
    client.post(_book_url(on_sale), _form())

    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"when": "later"}, "day", "Choose a date."),
        ({"address": ""}, "address", "Tell us where to come."),
        (
            {"latitude": TAIPEI[0], "longitude": TAIPEI[1]},
            "address",
            "This service is not offered in",
        ),
        ({"latitude": 0, "longitude": 0}, "address", "We do not serve this address"),
    ],
)
def test_errors_show_beside_the_field_and_nothing_is_written(
    client, on_sale, customer, changes, field, message
):
    client.force_login(customer)
    before = _counts()

    response = client.post(_book_url(on_sale), _form(**changes))

    assert response.status_code in (400, 422)
    errors = response.context["form"].errors
    assert any(message in problem for problem in errors[field]), errors
    assert message in response.content.decode()
    assert _counts() == before


def test_too_soon_shows_beside_the_date(client, on_sale, customer):
    client.force_login(customer)
    soon = timezone.now().astimezone(SHANGHAI_ZONE) + timedelta(minutes=10)
    before = _counts()

    response = client.post(
        _book_url(on_sale),
        _form(when="later", day=soon.date().isoformat(), time=soon.strftime("%H:%M")),
    )

    assert response.status_code == 422
    assert "Book at least 60 minutes ahead" in response.context["form"].errors["day"][0]
    assert _counts() == before


def test_asap_is_not_offered_where_the_city_sells_for_a_time_only(
    client, on_sale, customer
):
    on_sale.offers_asap = False
    on_sale.save()
    client.force_login(customer)

    page = client.get(_book_url(on_sale))
    response = client.post(_book_url(on_sale), _form())

    assert 'value="asap"' not in page.content.decode()
    assert response.status_code == 400
    assert Order.objects.count() == 0


# --- The order page -----------------------------------------------------------------


def test_while_searching_the_order_page_shows_the_promise_clock(
    client, on_sale, customer
):
    make_worker(on_sale.service.category, at=NEAR)
    order = paid_dispatch_order(on_sale, customer)
    client.force_login(customer)

    response = client.get(order.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Finding a worker" in html
    assert "data-respond-by" in html
    assert "data-arrive-by" in html
    assert "data-no-provider-yet" in html
    assert "data-order-chat-later" in html
    assert "data-order-chat=" not in html
    assert "Cancelling now is free." in html


def test_the_order_list_and_receipt_cope_with_no_provider(client, on_sale, customer):
    order = paid_dispatch_order(on_sale, customer)
    client.force_login(customer)

    mine = client.get(reverse("orders:mine"))
    receipt = client.get(reverse("payments:receipt", args=[order.public_id]))

    assert mine.status_code == 200
    assert "Finding a worker" in mine.content.decode()
    assert receipt.status_code == 200


def test_once_assigned_the_page_names_the_worker_and_shows_the_start_code(
    client, on_sale, customer
):
    agency = make_agency("Bright Homes")
    worker = make_worker(
        on_sale.service.category, at=NEAR, staff_of=agency, name="Wei Zhang"
    )
    order = paid_dispatch_order(on_sale, customer)
    offer = order.dispatch_job.offers.get()
    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=worker.staff.user)
    order.refresh_from_db()
    client.force_login(customer)

    response = client.get(order.get_absolute_url())

    html = response.content.decode()
    assert "Wei Zhang is coming" in html
    assert "Bright Homes" in html
    assert "data-eta" in html
    assert order.start_code in html
    assert "data-order-chat" in html


def test_the_live_block_changes_when_another_worker_is_asked(client, on_sale, customer):
    first = make_worker(on_sale.service.category, at=NEAR)
    make_worker(on_sale.service.category, at=(HOME[0] + 0.05, HOME[1]))
    order = paid_dispatch_order(on_sale, customer)
    client.force_login(customer)
    live = reverse("orders:live", args=[order.public_id])
    version = client.get(order.get_absolute_url()).context["version"]

    unchanged = client.get(live, {"v": version})
    with after_commit():
        cascade.decline_offer(
            offer_id=order.dispatch_job.offers.get().public_id,
            user=first.provider.user,
        )
    changed = client.get(live, {"v": version})

    assert unchanged.status_code == 204
    assert changed.status_code == 200
    assert "data-offers-made>2<" in changed.content.decode()


def test_someone_elses_dispatch_order_is_404(client, on_sale, customer):
    order = paid_dispatch_order(on_sale, customer)
    client.force_login(make_user(name="Stranger"))

    assert client.get(order.get_absolute_url()).status_code == 404
    assert client.get(reverse("orders:live", args=[order.public_id])).status_code == (
        404
    )
