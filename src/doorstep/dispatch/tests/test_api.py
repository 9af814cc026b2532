"""The customer's dispatch API: services on sale at a point with their promise,
the price at a place, buying (Idempotency-Key), the search's status — bad input
writes nothing, and other people's orders are 404."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.dispatch import cascade
from doorstep.dispatch.models import DispatchJob, SlaPolicy
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
from doorstep.orders.tests.conftest import book_and_pay, booking
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import TAIPEI, make_user

pytestmark = pytest.mark.django_db

NEAR = (HOME[0] + 0.01, HOME[1])


@pytest.fixture
def on_sale():
    return service_in_shanghai()


@pytest.fixture
def customer():
    return make_user(name="Cora Customer")


@pytest.fixture
def auth(customer):
    return bearer(customer)


def _post(client, path, body, headers):
    return client.post(
        f"{API}{path}", data=json.dumps(body), content_type=JSON, **headers
    )


def _body(on_sale, **changes):
    body = {
        "service_id": on_sale.service.public_id,
        "asap": True,
        "address": "1 Yuyuan Road",
        "latitude": HOME[0],
        "longitude": HOME[1],
        "notes": "Ring twice",
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def _counts():
    return Order.objects.count(), DispatchJob.objects.count()


# --- The catalogue ------------------------------------------------------------------


def test_services_near_a_point_carry_price_standard_and_promise(client, on_sale):
    category = on_sale.service.category
    category.standard_en = "Kitchen, bathroom and floors; own supplies."
    category.warranty_days = 7
    category.save()
    SlaPolicy.objects.create(
        city=on_sale.city, category=category, respond_minutes=20, arrive_minutes=90
    )

    response = client.get(
        f"{API}/dispatch/services", {"latitude": HOME[0], "longitude": HOME[1]}
    )

    assert response.status_code == 200
    [service] = response.json()
    assert service["id"] == on_sale.service.public_id
    assert service["price"] == {"amount": 15_000, "currency": "CNY"}
    assert service["city"] == "shanghai"
    assert service["standard"].startswith("Kitchen")
    assert service["warranty_days"] == 7
    assert service["promise"] == {
        "respond_minutes": 20,
        "arrive_minutes": 90,
        "offers_asap": True,
    }


def test_no_services_outside_every_served_city(client, on_sale):
    response = client.get(f"{API}/dispatch/services", {"latitude": 0, "longitude": 0})

    assert response.status_code == 200
    assert response.json() == []


def test_the_price_preview_is_what_the_order_stores(client, on_sale, auth):
    preview = client.get(
        f"{API}/dispatch/services/{on_sale.service.public_id}/price",
        {"latitude": HOME[0], "longitude": HOME[1]},
    ).json()

    placed = _post(client, "/dispatch/orders", _body(on_sale), auth).json()

    assert preview["subtotal"] == placed["subtotal"]
    assert preview["service_fee"] == placed["service_fee"]
    assert preview["total"] == placed["total"]
    assert preview["service"]["id"] == on_sale.service.public_id


def test_price_preview_errors(client, on_sale):
    path = f"{API}/dispatch/services/{on_sale.service.public_id}/price"

    assert_problem(
        client.get(path, {"latitude": 0, "longitude": 0}), 422, "outside_service_area"
    )
    assert_problem(
        client.get(path, {"latitude": TAIPEI[0], "longitude": TAIPEI[1]}),
        422,
        "service_not_sold_here",
    )
    assert_problem(
        client.get(
            f"{API}/dispatch/services/svc_nothing/price",
            {"latitude": HOME[0], "longitude": HOME[1]},
        ),
        404,
        "service_not_found",
    )


# --- Buying -------------------------------------------------------------------------


def test_buying_answers_201_with_the_payment_then_200_for_a_repeat(
    client, on_sale, auth
):
    headers = {**auth, "HTTP_IDEMPOTENCY_KEY": "buy-1"}

    first = _post(client, "/dispatch/orders", _body(on_sale), headers)
    again = _post(client, "/dispatch/orders", _body(on_sale), headers)

    assert first.status_code == 201, first.content
    body = first.json()
    assert body["mode"] == "dispatch"
    assert body["state"] == "awaiting_payment"
    assert body["listing_id"] is None
    assert body["provider_id"] is None
    assert body["payment"]["next_action_url"]
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == body["id"]
    assert Order.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(client, on_sale, auth):
    headers = {**auth, "HTTP_IDEMPOTENCY_KEY": "buy-2"}
    _post(client, "/dispatch/orders", _body(on_sale), headers)

    response = _post(client, "/dispatch/orders", _body(on_sale, notes="x"), headers)

    assert_problem(response, 422, "idempotency_mismatch")
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "status", "code", "field"),
    [
        ({"latitude": 0, "longitude": 0}, 422, "outside_service_area", "address"),
        (
            {"latitude": TAIPEI[0], "longitude": TAIPEI[1]},
            422,
            "service_not_sold_here",
            "address",
        ),
        ({"asap": False}, 400, "invalid_input", "starts_at"),
        ({"asap": False, "starts_at": "soon"}, 400, None, "starts_at"),
        ({"address": ""}, 400, None, "address"),
        ({"latitude": 91}, 400, None, "latitude"),
        ({"service_id": "svc_nothing"}, 404, "service_not_found", None),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(
    client, on_sale, auth, changes, status, code, field
):
    before = _counts()

    response = _post(client, "/dispatch/orders", _body(on_sale, **changes), auth)

    problem = assert_problem(response, status, code)
    if field:
        assert any(field in key for key in problem.get("errors", {})), problem
    assert _counts() == before


def test_times_too_soon_or_too_far_ahead_are_refused(client, on_sale, auth):
    before = _counts()
    now = timezone.now()

    soon = _post(
        client,
        "/dispatch/orders",
        _body(on_sale, asap=False, starts_at=(now + timedelta(minutes=20)).isoformat()),
        auth,
    )
    far = _post(
        client,
        "/dispatch/orders",
        _body(on_sale, asap=False, starts_at=(now + timedelta(days=40)).isoformat()),
        auth,
    )
    both = _post(
        client,
        "/dispatch/orders",
        _body(on_sale, starts_at=(now + timedelta(days=2)).isoformat()),
        auth,
    )

    assert "starts_at" in assert_problem(soon, 422, "too_soon")["errors"]
    assert "starts_at" in assert_problem(far, 422, "too_far_ahead")["errors"]
    assert "starts_at" in assert_problem(both, 400, "invalid_input")["errors"]
    assert _counts() == before


def test_asap_is_refused_where_the_city_sells_the_service_for_a_time_only(
    client, on_sale, auth
):
    on_sale.offers_asap = False
    on_sale.save()
    before = _counts()

    response = _post(client, "/dispatch/orders", _body(on_sale), auth)

    assert "starts_at" in assert_problem(response, 422, "asap_not_offered")["errors"]
    assert _counts() == before


def test_a_scheduled_order_is_accepted(client, on_sale, auth):
    starts_at = (timezone.now() + timedelta(days=2)).replace(microsecond=0)

    response = _post(
        client,
        "/dispatch/orders",
        _body(on_sale, asap=False, starts_at=starts_at.isoformat()),
        auth,
    )

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert order.starts_at == starts_at
    assert order.dispatch_job.is_asap is False


def test_signed_out_callers_cannot_buy(client, on_sale):
    response = _post(client, "/dispatch/orders", _body(on_sale), {})

    assert_problem(response, 401)
    assert Order.objects.count() == 0


# --- Status and the order endpoints -------------------------------------------------


def test_status_while_searching_shows_the_promise_and_offers_count(
    client, on_sale, customer, auth
):
    make_worker(on_sale.service.category, at=NEAR)
    order = paid_dispatch_order(on_sale, customer)

    response = client.get(f"{API}/dispatch/orders/{order.public_id}", **auth)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "dispatching"
    assert body["searching"] is True
    assert body["asap"] is True
    assert body["respond_by"]
    assert body["arrive_by"]
    assert body["offers_made"] == 1
    assert body["worker"] is None
    assert body["eta"] == body["arrive_by"]


def test_status_names_the_staff_member_and_agency_once_assigned(
    client, on_sale, customer, auth
):
    agency = make_agency("Bright Homes")
    worker = make_worker(
        on_sale.service.category, at=NEAR, staff_of=agency, name="Wei Zhang"
    )
    order = paid_dispatch_order(on_sale, customer)
    offer = order.dispatch_job.offers.get()
    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=worker.staff.user)

    body = client.get(f"{API}/dispatch/orders/{order.public_id}", **auth).json()
    detail = client.get(f"{API}/orders/{order.public_id}", **auth).json()

    assert body["state"] == "accepted"
    assert body["searching"] is False
    assert body["worker"]["name"] == "Wei Zhang"
    assert body["worker"]["agency_name"] == "Bright Homes"
    assert body["accepted_at"]
    assert detail["listing_id"] is None
    assert detail["provider_id"] == agency.owner.provider_profile.public_id
    assert detail["staff_name"] == "Wei Zhang"
    assert detail["start_code"]


def test_dispatch_orders_serialise_in_the_order_endpoints(
    client, on_sale, customer, auth
):
    order = paid_dispatch_order(on_sale, customer)

    listed = client.get(f"{API}/orders", **auth)
    one = client.get(f"{API}/orders/{order.public_id}", **auth)

    assert listed.status_code == 200, listed.content
    [item] = listed.json()["items"]
    assert (item["mode"], item["listing_id"], item["provider_id"]) == (
        "dispatch",
        None,
        None,
    )
    assert one.status_code == 200
    assert one.json()["provider_name"] == ""
    assert {t["name"] for t in one.json()["allowed_transitions"]} >= {"cancel"}


def test_cancelling_while_searching_is_free(client, on_sale, customer, auth):
    order = paid_dispatch_order(on_sale, customer)

    with after_commit():
        response = _post(
            client, f"/orders/{order.public_id}/transitions/cancel", {}, auth
        )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == OrderState.CANCELLED
    assert response.json()["cancellation_fee"]["amount"] == 0


def test_other_people_get_404_on_every_order_endpoint(client, on_sale, customer):
    order = paid_dispatch_order(on_sale, customer)
    stranger = bearer(make_user(name="Stranger"))
    listing_order_path = f"{API}/dispatch/orders/{order.public_id}"

    for response in (
        client.get(listing_order_path, **stranger),
        client.get(f"{API}/orders/{order.public_id}", **stranger),
        _post(client, f"/orders/{order.public_id}/transitions/cancel", {}, stranger),
        _post(client, f"/orders/{order.public_id}/payment", {}, stranger),
    ):
        assert_problem(response, 404, "order_not_found")
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHING


def test_status_of_a_booked_order_is_404(client, customer, auth):
    order = book_and_pay(**booking(bookable_listing(), customer))

    response = client.get(f"{API}/dispatch/orders/{order.public_id}", **auth)

    assert_problem(response, 404, "order_not_found")
