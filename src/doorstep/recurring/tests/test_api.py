"""The API of recurring bookings: create, read and change through the same
services; problem+json refusals; someone else gets 404 on every object."""

import json
from datetime import timedelta

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.recurring.models import Series, VisitStatus
from doorstep.recurring.tests.conftest import after_commit, today, weekly
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _post(client, path, user, body=None):
    with after_commit():
        return client.post(
            f"{API}{path}",
            data=json.dumps(body or {}),
            content_type=JSON,
            **bearer(user),
        )


def test_a_customer_starts_a_series_and_reads_its_visits(client, listing, customer):
    response = _post(
        client,
        "/recurring/series",
        customer,
        {
            "listing": listing.public_id,
            "cadence": "every_2_weeks",
            "start_date": (today() + timedelta(days=3)).isoformat(),
            "start_time": "11:00",
            "visit_count": 6,
            "address": "88 Huaihai Road",
            "latitude": listing.latitude,
            "longitude": listing.longitude,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "customer"
    assert body["price"] == {
        "amount": listing.price_amount,
        "currency": listing.currency,
    }
    # the horizon is four weeks: days 3 and 17 now, day 31 later
    assert [v["status"] for v in body["visits"]] == ["booked", "booked"]
    assert all(v["order"] for v in body["visits"])

    provider_view = client.get(
        f"{API}/recurring/series", **bearer(listing.provider.user)
    ).json()
    assert [s["id"] for s in provider_view] == [body["id"]]
    assert provider_view[0]["role"] == "provider"
    assert provider_view[0]["payment_method"] is None


def test_bad_input_is_a_problem_and_books_nothing(client, listing, customer):
    response = _post(
        client,
        "/recurring/series",
        customer,
        {
            "listing": listing.public_id,
            "cadence": "weekdays",
            "start_date": today().isoformat(),
            "start_time": "11:00",
            "address": "88 Huaihai Road",
            "latitude": listing.latitude,
            "longitude": listing.longitude,
        },
    )
    problem = assert_problem(response, 400, "invalid_input")
    assert "weekdays" in problem["errors"]
    assert not Series.objects.exists()


def test_skip_pause_resume_end_and_price(client, listing, customer):
    series = weekly(listing, customer)
    visit = series.visits.order_by("occurrence").first()
    response = _post(client, f"/recurring/visits/{visit.public_id}/skip", customer)
    assert response.status_code == 200
    assert response.json()["status"] == VisitStatus.SKIPPED
    again = _post(client, f"/recurring/visits/{visit.public_id}/skip", customer)
    assert_problem(again, 409, "visit_not_skippable")

    path = f"/recurring/series/{series.public_id}"
    assert _post(client, f"{path}/pause", customer).json()["status"] == "paused"
    assert _post(client, f"{path}/resume", customer).json()["status"] == "active"
    assert_problem(_post(client, f"{path}/resume", customer), 409, "series_not_paused")

    provider = listing.provider.user
    proposed = _post(client, f"{path}/price-changes", provider, {"amount": 15000})
    assert proposed.status_code == 201
    change = proposed.json()["id"]
    assert_problem(
        _post(client, f"/recurring/price-changes/{change}/accept", provider),
        403,
        "actor_not_allowed",
    )
    accepted = _post(client, f"/recurring/price-changes/{change}/accept", customer)
    assert accepted.json()["status"] == "accepted"
    assert (
        client.get(f"{API}{path}", **bearer(customer)).json()["price"]["amount"]
        == 15000
    )
    assert _post(client, f"{path}/end", provider).json()["status"] == "ended"


def test_someone_else_gets_404_on_every_endpoint(client, listing, customer):
    series = weekly(listing, customer)
    visit = series.visits.order_by("occurrence").first()
    change_owner = listing.provider.user
    from doorstep.recurring import services

    change = services.propose_price(
        user=change_owner, series_id=series.public_id, price_amount=9000
    )
    stranger = make_user()
    s, v = series.public_id, visit.public_id
    reads = [f"/recurring/series/{s}"]
    writes = [
        (f"/recurring/series/{s}/pause", None),
        (f"/recurring/series/{s}/resume", None),
        (f"/recurring/series/{s}/end", None),
        (f"/recurring/series/{s}/card", {"payment_method": "pm_x"}),
        (f"/recurring/series/{s}/price-changes", {"amount": 100}),
        (f"/recurring/price-changes/{change.public_id}/accept", None),
        (f"/recurring/price-changes/{change.public_id}/decline", None),
        (f"/recurring/visits/{v}/skip", None),
        (f"/recurring/visits/{v}/move", {"starts_at": "2030-01-01T10:00:00+08:00"}),
        (f"/recurring/visits/{v}/accept", None),
        (f"/recurring/visits/{v}/decline", None),
    ]
    for path in reads:
        assert_problem(client.get(f"{API}{path}", **bearer(stranger)), 404)
    for path, body in writes:
        assert_problem(_post(client, path, stranger, body), 404)
    assert client.get(f"{API}/recurring/series", **bearer(stranger)).json() == []
    series.refresh_from_db()
    assert series.status == "active"
    visit.refresh_from_db()
    assert visit.status == VisitStatus.BOOKED
