"""The orders API: booking with an Idempotency-Key, lists, one order with its
history and next steps, transitions and reschedules — and every object endpoint
tried as the wrong user."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.orders.models import Order, RescheduleRequest
from doorstep.orders.services import place_order, transition_order
from doorstep.orders.tests.conftest import at, book_and_pay, booking
from doorstep.payments.models import SavedPaymentMethod
from doorstep.scheduling.models import TimeClaim
from tests.factories import make_listing, make_ops, make_provider, make_user

pytestmark = pytest.mark.django_db


def _post(client, path, body=None, headers=None):
    return client.post(
        f"{API}{path}",
        data=json.dumps(body) if body is not None else "",
        content_type=JSON,
        **(headers or {}),
    )


def _body(listing, **overrides):
    body = {
        "listing_id": listing.public_id,
        "starts_at": at("10:00").isoformat(),
        "address": "88 Huaihai Road",
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "notes": "Third floor",
    }
    body.update(overrides)
    return body


@pytest.fixture
def customer_auth(customer):
    return bearer(customer)


@pytest.fixture
def order(listing, customer):
    return book_and_pay(**booking(listing, customer))


# --- Booking ------------------------------------------------------------------------


def test_booking_answers_201_then_200_for_a_repeat(client, listing, customer_auth):
    headers = {**customer_auth, "HTTP_IDEMPOTENCY_KEY": "book-1"}

    first = _post(client, "/orders", _body(listing), headers)
    again = _post(client, "/orders", _body(listing), headers)

    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert Order.objects.count() == 1
    body = first.json()
    assert body["state"] == "awaiting_payment"
    assert body["role"] == "customer"
    assert body["starts_at"] == at("10:00").isoformat()
    assert body["subtotal"] == {"amount": 10000, "currency": "CNY"}
    assert body["service_fee"] == {"amount": 500, "currency": "CNY"}
    assert body["total"] == {"amount": 10500, "currency": "CNY"}
    assert body["lines"][0]["amount"] == {"amount": 10000, "currency": "CNY"}
    assert body["start_code"] is None  # nothing to start before it is paid
    assert body["events"][0]["transition"] == "create"
    assert body["allowed_transitions"] == []
    assert again.json()["payment"]["client_secret"] == body["payment"]["client_secret"]


def test_the_same_key_with_another_body_is_refused(client, listing, customer_auth):
    headers = {**customer_auth, "HTTP_IDEMPOTENCY_KEY": "book-1"}
    _post(client, "/orders", _body(listing), headers)

    response = _post(
        client, "/orders", _body(listing, starts_at=at("14:00").isoformat()), headers
    )

    assert_problem(response, 422, "idempotency_mismatch")
    assert Order.objects.count() == 1


def test_a_taken_slot_is_409(client, listing, customer_auth):
    book_and_pay(**booking(listing, make_user()))

    response = _post(client, "/orders", _body(listing), customer_auth)

    body = assert_problem(response, 409, "slot_taken")
    assert "starts_at" in body["errors"]


@pytest.mark.parametrize(
    ("starts_at", "status", "field"),
    [
        ("tomorrow at ten", 400, "starts_at"),
        ("2026-12-01T10:00:00", 400, "starts_at"),  # no offset
        ("", 400, "starts_at"),
    ],
)
def test_a_malformed_start_is_400(
    client, listing, customer_auth, starts_at, status, field
):
    response = _post(
        client, "/orders", _body(listing, starts_at=starts_at), customer_auth
    )

    body = assert_problem(response, status, "invalid_input")
    assert field in body["errors"]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "status", "code"),
    [
        ({"starts_at": "2020-01-01T10:00:00+08:00"}, 422, "in_past"),
        ({"hours": 3}, 422, "wrong_duration"),
        ({"add_on_ids": ["add_unknown"]}, 400, "unknown_add_on"),
        ({"latitude": 95}, 400, "invalid_input"),
        ({"unexpected": 1}, 400, "invalid_input"),
        ({"listing_id": "lst_nope"}, 404, "listing_not_found"),
    ],
)
def test_bad_bookings_are_problems_and_write_nothing(
    client, listing, customer_auth, overrides, status, code
):
    response = _post(client, "/orders", _body(listing, **overrides), customer_auth)

    assert_problem(response, status, code)
    assert not Order.objects.exists()
    assert not TimeClaim.objects.exists()


def test_a_provider_booking_their_own_listing_is_422(client, listing):
    response = _post(client, "/orders", _body(listing), bearer(listing.provider.user))

    assert_problem(response, 422, "own_listing")


def test_a_quote_listing_is_422(client, customer_auth):
    listing = make_listing(pricing_model="quote")

    response = _post(client, "/orders", _body(listing), customer_auth)

    assert_problem(response, 422, "quote_only")


def test_booking_needs_a_signed_in_caller(client, listing):
    assert_problem(_post(client, "/orders", _body(listing)), 401)


def test_a_hold_then_a_booking_with_it(client, listing, customer_auth):
    hold = _post(
        client,
        "/orders/holds",
        {"listing_id": listing.public_id, "starts_at": at("10:00").isoformat()},
        customer_auth,
    )
    assert hold.status_code == 201, hold.content
    token = hold.json()["hold_token"]

    taken = _post(client, "/orders", _body(listing), bearer(make_user()))
    assert_problem(taken, 409, "slot_taken")

    response = _post(client, "/orders", _body(listing, hold_token=token), customer_auth)
    assert response.status_code == 201, response.content
    assert TimeClaim.objects.filter(released_at__isnull=True).count() == 1


# --- Reading ------------------------------------------------------------------------


def test_lists_by_role_with_cursor_pages(client, listing, customer):
    for hour in ("09:00", "11:00", "13:00"):
        book_and_pay(**booking(listing, customer, starts_at=at(hour)))
    provider_auth = bearer(listing.provider.user)

    page = client.get(
        f"{API}/orders", {"role": "customer", "limit": 2}, **bearer(customer)
    )
    assert page.status_code == 200, page.content
    assert len(page.json()["items"]) == 2
    rest = client.get(
        f"{API}/orders",
        {"role": "customer", "limit": 2, "cursor": page.json()["next"]},
        **bearer(customer),
    ).json()
    assert len(rest["items"]) == 1
    assert rest["next"] is None

    as_provider = client.get(f"{API}/orders", {"role": "provider"}, **provider_auth)
    items = as_provider.json()["items"]
    assert len(items) == 3
    assert {item["role"] for item in items} == {"provider"}
    assert {item["start_code"] for item in items} == {None}
    as_customer_of_nothing = client.get(
        f"{API}/orders", {"role": "customer"}, **provider_auth
    )
    assert as_customer_of_nothing.json()["items"] == []


def test_list_filters_by_state(client, order, customer_auth):
    empty = client.get(f"{API}/orders", {"state": "completed"}, **customer_auth)
    found = client.get(f"{API}/orders", {"state": "requested"}, **customer_auth)

    assert empty.json()["items"] == []
    assert [item["id"] for item in found.json()["items"]] == [order.public_id]


def _book_each_timing(listing, customer, *, days: int) -> None:
    """Three orders on one day: paid now, paid after the service, in cash."""
    book_and_pay(**booking(listing, customer, starts_at=at("09:00", days=days)))
    for hour, timing in (("12:00", "after_service"), ("15:00", "cash")):
        place_order(
            **booking(listing, customer, starts_at=at(hour, days=days)),
            payment_timing=timing,
        )


def _queries_of_the_list(client, auth) -> tuple[int, int]:
    client.get(f"{API}/orders", **auth)  # the token's last use is written once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{API}/orders", **auth)
    assert response.status_code == 200, response.content
    return len(queries.captured_queries), len(response.json()["items"])


def test_the_list_costs_the_same_queries_for_any_number_of_orders(
    client, listing, customer
):
    # Given a listing that takes every payment timing, a customer with a saved
    # card and three orders, one of each timing
    listing.offers_cash = listing.offers_pay_after_service = True
    listing.save(update_fields=["offers_cash", "offers_pay_after_service"])
    SavedPaymentMethod.objects.create(
        user=customer,
        gateway="sandbox",
        token="sbx_success_visa_4242",
        brand="visa",
        last4="4242",
        is_default=True,
    )
    _book_each_timing(listing, customer, days=2)
    as_customer, as_provider = bearer(customer), bearer(listing.provider.user)
    few = _queries_of_the_list(client, as_customer)
    few_provided = _queries_of_the_list(client, as_provider)

    # When three more are booked
    _book_each_timing(listing, customer, days=3)

    # Then either side's list shows them for the same number of queries
    assert _queries_of_the_list(client, as_customer) == (few[0], 6)
    assert _queries_of_the_list(client, as_provider)[0] == few_provided[0]
    assert few[0] <= 8


def test_a_bad_role_is_400(client, customer_auth):
    assert_problem(client.get(f"{API}/orders", {"role": "ops"}, **customer_auth), 400)


def test_one_order_shows_what_the_provider_may_do(client, order):
    response = client.get(
        f"{API}/orders/{order.public_id}", **bearer(order.provider.user)
    )

    body = response.json()
    assert body["role"] == "provider"
    assert body["start_code"] is None
    assert {t["name"]: t["label"] for t in body["allowed_transitions"]} == {
        "accept": "Accept",
        "decline": "Decline",
        "cancel": "Cancel",
    }


# --- Transitions --------------------------------------------------------------------


@pytest.mark.usefixtures("early_start_allowed")
def test_the_whole_job_through_the_api(client, order):
    provider = bearer(order.provider.user)
    customer = bearer(order.customer)
    path = f"/orders/{order.public_id}/transitions"

    assert _post(client, f"{path}/accept", None, provider).status_code == 200
    assert _post(client, f"{path}/depart", {}, provider).status_code == 200
    code = client.get(f"{API}/orders/{order.public_id}", **customer).json()[
        "start_code"
    ]
    started = _post(client, f"{path}/start", {"start_code": code}, provider)
    assert started.json()["state"] == "in_service"
    assert _post(client, f"{path}/deliver", {}, provider).json()["state"] == "delivered"
    done = _post(client, f"{path}/confirm", {}, customer)

    assert done.json()["state"] == "completed"
    assert [event["transition"] for event in done.json()["events"]] == [
        "create",
        "pay",
        "accept",
        "depart",
        "start",
        "deliver",
        "confirm",
    ]


def test_a_transition_by_the_wrong_party_is_403(client, order):
    response = _post(
        client,
        f"/orders/{order.public_id}/transitions/accept",
        {},
        bearer(order.customer),
    )

    assert_problem(response, 403, "actor_not_allowed")
    order.refresh_from_db()
    assert order.state == "requested"


def test_a_transition_twice_is_409(client, order):
    provider = bearer(order.provider.user)
    path = f"/orders/{order.public_id}/transitions/accept"

    _post(client, path, {"expected_state": "requested"}, provider)
    again = _post(client, path, {"expected_state": "requested"}, provider)
    plain = _post(client, path, {}, provider)

    assert_problem(again, 409, "state_changed")
    assert_problem(plain, 409, "illegal_transition")
    assert order.events.filter(transition="accept").count() == 1


def test_an_unknown_transition_is_409(client, order):
    response = _post(
        client,
        f"/orders/{order.public_id}/transitions/teleport",
        {},
        bearer(order.customer),
    )
    assert_problem(response, 409, "unknown_transition")


@pytest.mark.usefixtures("early_start_allowed")
def test_a_wrong_start_code_is_422_with_the_field(client, order):
    provider = bearer(order.provider.user)
    _post(client, f"/orders/{order.public_id}/transitions/accept", {}, provider)
    wrong = "0000" if order.start_code != "0000" else "1111"

    response = _post(
        client,
        f"/orders/{order.public_id}/transitions/start",
        {"start_code": wrong},
        provider,
    )

    body = assert_problem(response, 422, "wrong_start_code")
    assert "start_code" in body["errors"]


# --- Reschedule ---------------------------------------------------------------------


def test_propose_and_accept_a_new_time(client, order):
    proposed = _post(
        client,
        f"/orders/{order.public_id}/reschedule",
        {"starts_at": at("14:00").isoformat()},
        bearer(order.customer),
    )
    assert proposed.status_code == 201, proposed.content
    request_id = proposed.json()["id"]

    answered = _post(
        client,
        f"/orders/{order.public_id}/reschedule/{request_id}/answer",
        {"accept": True},
        bearer(order.provider.user),
    )

    assert answered.status_code == 200, answered.content
    assert answered.json()["starts_at"] == at("14:00").isoformat()
    assert answered.json()["reschedule_requests"][0]["status"] == "accepted"


# --- The wrong user on every object endpoint ----------------------------------------


def _object_requests(order, request_id):
    base = f"/orders/{order.public_id}"
    return [
        ("get", base, None),
        ("post", f"{base}/transitions/cancel", {}),
        ("post", f"{base}/transitions/accept", {}),
        ("post", f"{base}/reschedule", {"starts_at": at("15:00").isoformat()}),
        ("post", f"{base}/reschedule/{request_id}/answer", {"accept": True}),
    ]


@pytest.mark.parametrize("who", ["another customer", "another provider", "staff"])
def test_strangers_get_404_everywhere_and_change_nothing(client, order, who):
    proposal = RescheduleRequest.objects.create(
        order=order,
        proposed_by="customer",
        starts_at=at("14:00"),
        ends_at=at("16:00"),
        previous_starts_at=order.starts_at,
        created_at=order.created_at,
    )
    stranger = {
        "another customer": make_user,
        "another provider": lambda: make_provider().user,
        "staff": lambda: make_user(is_staff=True),
    }[who]()
    headers = bearer(stranger)

    for method, path, body in _object_requests(order, proposal.public_id):
        if method == "get":
            response = client.get(f"{API}{path}", **headers)
        else:
            response = _post(client, path, body, headers)
        assert_problem(response, 404)

    order.refresh_from_db()
    assert order.state == "requested"
    assert order.events.count() == 2  # created, paid
    proposal.refresh_from_db()
    assert proposal.is_pending
    assert client.get(f"{API}/orders", **headers).json()["items"] == []


# --- The start window ---------------------------------------------------------------


def _move_start(order, *, minutes_from_now: int) -> None:
    starts_at = timezone.now() + timedelta(minutes=minutes_from_now)
    Order.objects.filter(pk=order.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=2)
    )


def test_a_job_days_ahead_cannot_be_started_or_delivered(client, order, settings):
    # Given an accepted order that starts in two days
    settings.DOORSTEP_START_WINDOW_MINUTES = 60
    provider = bearer(order.provider.user)
    path = f"/orders/{order.public_id}/transitions"
    _post(client, f"{path}/accept", {}, provider)
    before = list(order.events.values_list("transition", flat=True))

    # When the provider tries to start it with the right code
    started = _post(client, f"{path}/start", {"start_code": order.start_code}, provider)
    delivered = _post(client, f"{path}/deliver", {}, provider)

    # Then it is refused, and nothing moved
    assert_problem(started, 422, "too_early_to_start")
    assert_problem(delivered, 409, "illegal_transition")
    order.refresh_from_db()
    assert order.state == "accepted"
    assert list(order.events.values_list("transition", flat=True)) == before


def test_a_job_starts_from_the_window_before_its_time(client, order, settings):
    # Given an accepted order starting in 70, then in 50 minutes (window: 60)
    settings.DOORSTEP_START_WINDOW_MINUTES = 60
    provider = bearer(order.provider.user)
    path = f"/orders/{order.public_id}/transitions"
    _post(client, f"{path}/accept", {}, provider)
    body = {"start_code": order.start_code}

    _move_start(order, minutes_from_now=70)
    early = _post(client, f"{path}/start", body, provider)
    _move_start(order, minutes_from_now=50)
    on_time = _post(client, f"{path}/start", body, provider)

    assert_problem(early, 422, "too_early_to_start")
    assert on_time.status_code == 200, on_time.content
    assert on_time.json()["state"] == "in_service"


def test_ops_may_start_a_job_early(client, order, settings):
    settings.DOORSTEP_START_WINDOW_MINUTES = 60
    ops = make_ops()
    transition_order(order=order, name="accept", user=order.provider.user)

    started = transition_order(order=order, name="start", user=ops, as_ops=True)

    assert started.state == "in_service"
    assert order.events.get(transition="start").data == {"override": True}
