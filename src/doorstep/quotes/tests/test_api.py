"""The requests-for-quotes API over HTTP: a job posted with a photo, quoted by
two providers, countered and revised, compared, hired at an offered time and
paid; bad input changes nothing; the wrong person gets 404 everywhere."""

import json
from datetime import timedelta

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.quotes.models import CategoryQuestion, Invitation, JobRequest, Quote
from doorstep.quotes.tests.helpers import (
    pay,
    photo,
    post,
    quote,
    quoting_listing,
    start_times,
    tomorrow,
)
from tests.factories import SHANGHAI, TAIPEI, make_category, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleaning():
    return make_category("deep-cleaning")


@pytest.fixture
def two_providers(cleaning):
    near = quoting_listing(cleaning, at=(31.2310, 121.4740))
    far = quoting_listing(cleaning, at=(31.2400, 121.4800))
    return near, far


def _post(client, path, body=None, headers=None, **extra):
    return client.post(
        f"{API}{path}",
        data=json.dumps(body if body is not None else {}),
        content_type=JSON,
        **(headers or {}),
        **extra,
    )


def _job(category, **fields) -> dict:
    body = {
        "category_id": category.slug,
        "title": "Deep clean",
        "description": "Deep clean of a two-bedroom flat.",
        "address": "88 Century Avenue, Pudong",
        "latitude": SHANGHAI[0],
        "longitude": SHANGHAI[1],
        "wanted_from": tomorrow().isoformat(),
        "wanted_until": (tomorrow() + timedelta(days=2)).isoformat(),
    }
    body.update(fields)
    return body


def _counts() -> tuple[int, ...]:
    return (
        JobRequest.objects.count(),
        Invitation.objects.count(),
        Quote.objects.count(),
        Order.objects.count(),
    )


def _times(invitation, count: int = 2) -> list[str]:
    return [moment.isoformat() for moment in start_times(invitation, count)]


# --- The whole flow ------------------------------------------------------------------


def test_post_quote_counter_revise_compare_hire_and_pay(
    client, cleaning, two_providers
):
    customer = make_user(name="Mei Chen", phone="+8613800000000")
    as_customer = bearer(customer)
    near, far = two_providers
    as_near, as_far = bearer(near.provider.user), bearer(far.provider.user)

    # The customer posts the job with a photo and a budget (multipart).
    posted = client.post(
        f"{API}/quote-requests",
        data={
            **_job(cleaning, times_of_day=["morning", "afternoon"]),
            "budget_amount": "40000",
            "budget_currency": "CNY",
            "photos": [photo()],
        },
        HTTP_IDEMPOTENCY_KEY="job-1",
        **as_customer,
    )
    assert posted.status_code == 201, posted.content
    job = posted.json()
    assert job["status"] == "open"
    assert job["budget"] == {"amount": 40000, "currency": "CNY"}
    assert job["times_of_day"] == ["afternoon", "morning"]
    assert job["invited"] == 2
    assert job["quotes"] == []
    assert len(job["photos"]) == 1

    # Each provider finds it among the requests sent to them, and opens it:
    # how far it is and the photo, never its address nor the customer's name
    # or contact (the order has the address once they are hired).
    invitations = {}
    for listing, headers in ((near, as_near), (far, as_far)):
        listed = client.get(f"{API}/me/quote-invitations?status=waiting", **headers)
        assert listed.status_code == 200, listed.content
        (item,) = listed.json()["items"]
        assert item["request"]["id"] == job["id"]
        assert item["quote_id"] is None
        opened = client.get(f"{API}/me/quote-invitations/{item['id']}", **headers)
        assert opened.status_code == 200, opened.content
        detail = opened.json()
        assert detail["distance_km"] >= 0
        assert "88 Century Avenue" not in opened.content.decode()
        assert detail["seen_at"] is not None
        for private in (customer.name, customer.email, customer.phone):
            assert private not in opened.content.decode()
        picture = client.get(detail["request"]["photos"][0]["url"], **headers)
        assert picture.status_code == 200
        invitations[listing.pk] = Invitation.objects.get(public_id=item["id"])

    # Both quote.
    near_quote = _post(
        client,
        f"/me/quote-invitations/{invitations[near.pk].public_id}/quote",
        {
            "pricing": "fixed",
            "amount": 35000,
            "included": "All rooms, our supplies.",
            "start_times": _times(invitations[near.pk]),
        },
        as_near,
    )
    assert near_quote.status_code == 201, near_quote.content
    far_quote = _post(
        client,
        f"/me/quote-invitations/{invitations[far.pk].public_id}/quote",
        {
            "pricing": "hourly",
            "amount": 8000,
            "hours": 4,
            "included": "Two cleaners.",
            "message": "We can come early.",
            "start_times": _times(invitations[far.pk]),
        },
        as_far,
    )
    assert far_quote.status_code == 201, far_quote.content
    far_id = far_quote.json()["id"]
    assert far_quote.json()["job_price"] == {"amount": 32000, "currency": "CNY"}

    # The customer counters the hourly one; its provider revises to 7000/hour.
    countered = _post(
        client, f"/quotes/{far_id}/counter", {"amount": 28000}, as_customer
    )
    assert countered.status_code == 200, countered.content
    assert countered.json()["counter"]["amount"]["amount"] == 28000
    assert countered.json()["can_counter"] is False
    revised = _post(
        client,
        f"/quotes/{far_id}/revise",
        {"amount": 7000, "hours": 4, "message": "Deal."},
        as_far,
    )
    assert revised.status_code == 200, revised.content
    assert revised.json()["revision"]["previous_price"]["amount"] == 8000
    assert revised.json()["job_price"]["amount"] == 28000

    # The customer compares: cheapest in total first, with the fee, the
    # provider's track record and the start times offered; reading marks read.
    compared = client.get(f"{API}/quote-requests/{job['id']}", **as_customer)
    assert compared.status_code == 200, compared.content
    cards = compared.json()["quotes"]
    assert [card["id"] for card in cards] == [far_id, near_quote.json()["id"]]
    cheapest = cards[0]
    assert cheapest["job_price"]["amount"] == 28000
    assert cheapest["total"]["amount"] == 28000 + cheapest["service_fee"]["amount"]
    assert cheapest["provider"]["name"] == far.provider.display_name
    assert {"rating_mean", "rating_count", "completed_jobs", "badges"} <= set(
        cheapest["provider"]
    )
    assert cheapest["revision"]["previous_job_price"]["amount"] == 32000
    assert cheapest["can_hire"] is True
    assert cheapest["start_times"]
    assert not Quote.objects.filter(read_at__isnull=True).exists()
    mine = client.get(f"{API}/quote-requests", **as_customer).json()
    assert [item["id"] for item in mine["items"]] == [job["id"]]
    assert mine["items"][0]["quote_count"] == 2

    # Hire at an offered time: an order waiting for its payment.
    hired = _post(
        client,
        f"/quotes/{far_id}/hire",
        {"starts_at": cheapest["start_times"][0], "notes": "Ring twice."},
        as_customer,
    )
    assert hired.status_code == 201, hired.content
    order_body = hired.json()
    assert order_body["state"] == "awaiting_payment"
    assert order_body["mode"] == "quote"
    assert order_body["total"] == cheapest["total"]
    assert order_body["payment"]["next_action_url"]

    order = pay(Order.objects.get(public_id=order_body["id"]))

    assert order.state == OrderState.ACCEPTED
    after = client.get(f"{API}/quote-requests/{job['id']}", **as_customer).json()
    assert after["status"] == "hired"
    statuses = {card["id"]: card["status"] for card in after["quotes"]}
    assert statuses == {far_id: "hired", near_quote.json()["id"]: "not_chosen"}
    assert after["quotes"][0]["order_id"] == order.public_id
    seen_by_near = client.get(
        f"{API}/me/quote-invitations/{invitations[near.pk].public_id}", **as_near
    ).json()
    assert seen_by_near["quote"]["status"] == "not_chosen"


def test_the_questions_of_a_category_are_public_and_answered_in_a_request(
    client, cleaning, two_providers
):
    rooms = CategoryQuestion.objects.create(
        category=cleaning,
        kind=CategoryQuestion.Kind.CHOICE,
        label_en="How many rooms?",
        label_zh_hans="几个房间？",
        choices=[{"value": "2", "en": "Two rooms", "zh_hans": "两个房间"}],
    )

    asked = client.get(f"{API}/categories/deep-cleaning/quote-questions")
    in_chinese = client.get(
        f"{API}/categories/deep-cleaning/quote-questions",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert asked.status_code == 200
    assert asked.json() == [
        {
            "id": rooms.public_id,
            "kind": "choice",
            "label": "How many rooms?",
            "required": True,
            "choices": [{"value": "2", "label": "Two rooms"}],
        }
    ]
    assert in_chinese.json()[0]["label"] == "几个房间？"
    assert_problem(
        client.get(f"{API}/categories/nothing-here/quote-questions"),
        404,
        "category_not_found",
    )

    as_customer = bearer(make_user())
    unanswered = _post(client, "/quote-requests", _job(cleaning), as_customer)
    body = assert_problem(unanswered, 400, "invalid_input")
    assert f"answers.{rooms.public_id}" in body["errors"]
    answered = _post(
        client,
        "/quote-requests",
        _job(cleaning, answers={rooms.public_id: "2"}),
        as_customer,
    )
    assert answered.status_code == 201, answered.content
    assert answered.json()["answers"] == [
        {"question": "How many rooms?", "answer": "Two rooms"}
    ]
    from_a_form = client.post(
        f"{API}/quote-requests",
        data={**_job(cleaning), f"answers.{rooms.public_id}": "2"},
        **as_customer,
    )
    assert from_a_form.status_code == 201, from_a_form.content
    assert from_a_form.json()["answers"] == answered.json()["answers"]


# --- Bad input changes nothing -------------------------------------------------------


def test_bad_requests_are_refused_and_change_nothing(client, cleaning, two_providers):
    as_customer = bearer(make_user())
    before = _counts()

    no_category = _job(cleaning)
    del no_category["category_id"]
    refused = assert_problem(
        _post(client, "/quote-requests", no_category, as_customer),
        400,
        "invalid_input",
    )
    assert "category_id" in refused["errors"]
    assert_problem(
        _post(
            client, "/quote-requests", _job(cleaning, category_id="nope"), as_customer
        ),
        404,
        "category_not_found",
    )
    outside = _post(
        client,
        "/quote-requests",
        _job(cleaning, latitude=10.0, longitude=10.0),
        as_customer,
    )
    assert "address" in assert_problem(outside, 422, "outside_service_area")["errors"]
    wrong_currency = _job(cleaning, budget={"amount": 5000, "currency": "TWD"})
    assert_problem(
        _post(client, "/quote-requests", wrong_currency, as_customer),
        422,
        "currency_mismatch",
    )
    nobody_there = _post(
        client,
        "/quote-requests",
        _job(cleaning, latitude=TAIPEI[0], longitude=TAIPEI[1]),
        as_customer,
    )
    assert nobody_there.status_code == 422
    unknown_field = _post(
        client, "/quote-requests", _job(cleaning, colour="red"), as_customer
    )
    assert "colour" in assert_problem(unknown_field, 400, "invalid_input")["errors"]
    not_json = client.post(
        f"{API}/quote-requests", data="{", content_type=JSON, **as_customer
    )
    assert_problem(not_json, 400, "invalid_input")

    assert _counts() == before


def test_a_replayed_idempotency_key_returns_the_same_request(
    client, cleaning, two_providers
):
    as_customer = bearer(make_user())
    key = {"HTTP_IDEMPOTENCY_KEY": "retry-me"}

    first = _post(client, "/quote-requests", _job(cleaning), as_customer, **key)
    again = _post(client, "/quote-requests", _job(cleaning), as_customer, **key)
    other = _post(
        client,
        "/quote-requests",
        _job(cleaning, description="Something else entirely."),
        as_customer,
        **key,
    )

    assert first.status_code == 201, first.content
    assert again.status_code == 200, again.content
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert_problem(other, 422, "idempotency_mismatch")
    assert JobRequest.objects.count() == 1
    assert Invitation.objects.count() == 2


def test_a_closed_request_takes_no_quote(client, cleaning, two_providers):
    customer = make_user()
    request = post(customer, cleaning)
    invitation = request.invitations.first()
    cancelled = _post(
        client, f"/quote-requests/{request.public_id}/cancel", {}, bearer(customer)
    )
    assert cancelled.status_code == 200, cancelled.content
    assert cancelled.json()["status"] == "cancelled"

    refused = _post(
        client,
        f"/me/quote-invitations/{invitation.public_id}/quote",
        {
            "pricing": "fixed",
            "amount": 30000,
            "included": "Everything.",
            "start_times": _times(invitation),
        },
        bearer(invitation.provider.user),
    )

    assert_problem(refused, 409, "request_closed")
    assert not Quote.objects.exists()
    again = _post(
        client, f"/quote-requests/{request.public_id}/cancel", {}, bearer(customer)
    )
    assert_problem(again, 409, "request_closed")


def test_hiring_twice_or_at_a_time_not_offered_is_refused(
    client, cleaning, two_providers
):
    customer = make_user()
    as_customer = bearer(customer)
    request = post(customer, cleaning)
    first, second = (quote(i) for i in request.invitations.order_by("rank"))

    not_offered = _post(
        client,
        f"/quotes/{first.public_id}/hire",
        {"starts_at": "2031-01-01T09:00:00+08:00"},
        as_customer,
    )
    body = assert_problem(not_offered, 422, "not_an_offered_time")
    assert "starts_at" in body["errors"]
    assert not Order.objects.exists()

    hired = _post(
        client,
        f"/quotes/{first.public_id}/hire",
        {"starts_at": first.start_times[0]},
        as_customer,
    )
    assert hired.status_code == 201, hired.content
    twice = _post(
        client,
        f"/quotes/{second.public_id}/hire",
        {"starts_at": second.start_times[0]},
        as_customer,
    )
    assert_problem(twice, 409, "request_closed")
    same_again = _post(
        client,
        f"/quotes/{first.public_id}/hire",
        {"starts_at": first.start_times[0]},
        as_customer,
    )
    assert_problem(same_again, 409)
    assert Order.objects.count() == 1


def test_a_provider_revises_once_and_may_withdraw_and_decline(
    client, cleaning, two_providers
):
    customer = make_user()
    request = post(customer, cleaning)
    first, second = request.invitations.order_by("rank")
    sent = quote(first, amount=30000)
    as_first = bearer(first.provider.user)

    revise = f"/quotes/{sent.public_id}/revise"
    assert _post(client, revise, {"amount": 27000}, as_first).status_code == 200
    assert_problem(
        _post(client, revise, {"amount": 26000}, as_first), 409, "revision_used"
    )
    withdrawn = _post(client, f"/quotes/{sent.public_id}/withdraw", {}, as_first)
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["status"] == "withdrawn"
    customer_view = client.get(
        f"{API}/quote-requests/{request.public_id}", **bearer(customer)
    )
    assert customer_view.json()["quotes"] == []

    as_second = bearer(second.provider.user)
    declined = _post(
        client,
        f"/me/quote-invitations/{second.public_id}/decline",
        {"reason": "Fully booked."},
        as_second,
    )
    assert declined.status_code == 200, declined.content
    assert declined.json()["status"] == "declined"
    assert_problem(
        _post(
            client, f"/me/quote-invitations/{second.public_id}/decline", {}, as_second
        ),
        409,
        "invitation_answered",
    )
    waiting = client.get(f"{API}/me/quote-invitations?status=waiting", **as_second)
    assert waiting.json()["items"] == []


# --- Who may see and do what ---------------------------------------------------------


@pytest.fixture
def quoted(cleaning, two_providers):
    """A request sent to two providers; the first quoted."""
    customer = make_user()
    request = post(customer, cleaning, photos=[photo()])
    invited, other = request.invitations.order_by("rank")
    sent = quote(invited)
    return customer, request, invited, other, sent


def _object_endpoints(request, invitation, sent) -> dict[str, list]:
    start = sent.start_times[0]
    customer = [
        ("get", f"/quote-requests/{request.public_id}", None),
        ("post", f"/quote-requests/{request.public_id}/cancel", {}),
        ("post", f"/quotes/{sent.public_id}/counter", {"amount": 100}),
        ("post", f"/quotes/{sent.public_id}/hire", {"starts_at": start}),
    ]
    provider = [
        ("get", f"/me/quote-invitations/{invitation.public_id}", None),
        (
            "post",
            f"/me/quote-invitations/{invitation.public_id}/quote",
            {
                "pricing": "fixed",
                "amount": 100,
                "included": "All.",
                "start_times": [start],
            },
        ),
        ("post", f"/me/quote-invitations/{invitation.public_id}/decline", {}),
        ("post", f"/quotes/{sent.public_id}/revise", {"amount": 100}),
        ("post", f"/quotes/{sent.public_id}/withdraw", {}),
    ]
    return {"customer": customer, "provider": provider}


def _call(client, method, path, body, headers):
    if method == "get":
        return client.get(f"{API}{path}", **headers)
    return _post(client, path, body, headers)


def test_the_wrong_person_gets_404_on_every_object_endpoint(client, quoted):
    customer, request, invitation, other, sent = quoted
    endpoints = _object_endpoints(request, invitation, sent)
    stranger = bearer(make_user())
    uninvited = bearer(quoting_listing(request.category, at=TAIPEI).provider.user)
    invited = bearer(invitation.provider.user)
    other_invited = bearer(other.provider.user)
    as_customer = bearer(customer)
    before = _counts()
    quote_before = Quote.objects.values().get(pk=sent.pk)

    wrong = {
        "customer": [stranger, uninvited, invited, other_invited],
        "provider": [stranger, uninvited, as_customer, other_invited],
    }
    for side, callers in wrong.items():
        for method, path, body in endpoints[side]:
            for headers in callers:
                answer = _call(client, method, path, body, headers)
                assert answer.status_code == 404, (path, answer.content)
                assert_problem(answer, 404)

    # The photo is not theirs either.
    (photo_row,) = request.photos.all()
    url = f"/quotes/{request.public_id}/photos/{photo_row.public_id}/"
    assert client.get(url, **stranger).status_code == 404
    assert client.get(url, **uninvited).status_code == 404
    assert client.get(url, **other_invited).status_code == 200

    # Lists hold only the caller's own.
    assert client.get(f"{API}/quote-requests", **stranger).json()["items"] == []
    assert client.get(f"{API}/me/quote-invitations", **uninvited).json()["items"] == []
    invited_list = client.get(f"{API}/me/quote-invitations", **invited).json()
    assert [item["id"] for item in invited_list["items"]] == [invitation.public_id]

    assert _counts() == before
    assert Quote.objects.values().get(pk=sent.pk) == quote_before
    request.refresh_from_db()
    assert request.status == JobRequest.Status.OPEN


def test_without_credentials_every_endpoint_answers_401(client, quoted):
    _customer, request, invitation, _other, sent = quoted
    endpoints = _object_endpoints(request, invitation, sent)
    calls = [
        *endpoints["customer"],
        *endpoints["provider"],
        ("get", "/quote-requests", None),
        ("post", "/quote-requests", _job(request.category)),
        ("get", "/me/quote-invitations", None),
    ]
    before = _counts()

    for method, path, body in calls:
        assert_problem(_call(client, method, path, body, {}), 401, "not_authenticated")

    assert _counts() == before


def test_lists_are_paged_by_cursor(client, cleaning, two_providers):
    customer = make_user()
    for day in range(3):
        post(customer, cleaning, wanted_from=tomorrow() + timedelta(days=day))
    as_customer = bearer(customer)

    first = client.get(f"{API}/quote-requests?limit=2", **as_customer).json()
    rest = client.get(
        f"{API}/quote-requests?limit=2&cursor={first['next']}", **as_customer
    ).json()

    assert len(first["items"]) == 2
    assert first["next"]
    assert len(rest["items"]) == 1
    assert rest["next"] is None
    ids = [item["id"] for item in first["items"] + rest["items"]]
    assert len(set(ids)) == 3
    provider = two_providers[0].provider.user
    invitations = client.get(f"{API}/me/quote-invitations?limit=2", **bearer(provider))
    page = invitations.json()
    assert len(page["items"]) == 2
    assert page["next"]
