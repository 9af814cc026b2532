"""The worker's phone API: offers, jobs and their steps, duty and location;
problem+json for every refusal, 404 for anyone else's job or offer."""

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image

from doorstep.accounts.models import StaffMember
from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.dispatch import candidates, cascade
from doorstep.dispatch.models import Offer
from doorstep.dispatch.tests.helpers import (
    HOME,
    after_commit,
    in_three_days_at_ten,
    make_agency,
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from doorstep.orders.states import OrderState
from doorstep.payments.queries import order_money
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NEAR = (HOME[0] + 0.01, HOME[1])


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def agency():
    return make_agency()


@pytest.fixture
def for_sale():
    return service_in_shanghai()


@pytest.fixture
def worker(agency, for_sale):
    return make_worker(
        for_sale.service.category, at=NEAR, staff_of=agency, name="Wu Staff"
    )


@pytest.fixture
def auth(worker):
    return bearer(worker.staff.user)


@pytest.fixture
def offer(worker, for_sale):
    order = paid_dispatch_order(for_sale)
    return order.dispatch_job.offers.get(worker=worker)


@pytest.fixture
def job(offer, worker):
    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=worker.staff.user)
    order = offer.job.order
    order.refresh_from_db()
    return order


def _post(client, path, body=None, **headers):
    return client.post(
        f"{API}{path}", body if body is not None else {}, content_type=JSON, **headers
    )


def test_my_offers_show_pay_and_area_without_the_address(client, auth, offer):
    response = client.get(f"{API}/work/offers", **auth)

    assert response.status_code == 200
    [item] = response.json()["items"]
    assert response.json()["next"] is None
    order = offer.job.order
    assert item["id"] == offer.public_id
    assert item["pay"] == {
        "amount": order_money(order).expected_earnings,
        "currency": "CNY",
    }
    assert item["area"] == "Shanghai"
    assert item["asap"] is True
    assert 0 < item["seconds_left"] <= 90
    assert item["distance_km"] == 1.0
    assert "address" not in item


def test_accepting_returns_the_job(client, auth, offer, worker):
    with after_commit():
        response = _post(client, f"/work/offers/{offer.public_id}/accept", **auth)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["job"]["id"] == offer.job.order.public_id
    assert body["job"]["state"] == OrderState.ACCEPTED
    assert body["job"]["address"] == "1 Yuyuan Road"
    assert body["job"]["map"]["geo"].startswith("geo:31.223500,121.445300")
    assert body["job"]["next_step"] == {"name": "depart", "label": "I'm on my way"}


def test_a_closed_offer_is_a_conflict(client, auth, offer):
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now())

    response = _post(client, f"/work/offers/{offer.public_id}/accept", **auth)

    assert_problem(response, 409, "offer_closed")


def test_declining_with_a_reason(client, auth, offer):
    with after_commit():
        response = _post(
            client,
            f"/work/offers/{offer.public_id}/decline",
            {"reason": "Too far today"},
            **auth,
        )

    assert response.status_code == 200
    assert response.json()["status"] == Offer.Status.DECLINED
    offer.refresh_from_db()
    assert offer.decline_reason == "Too far today"


def test_the_job_from_list_to_done(client, auth, job):
    listed = client.get(f"{API}/work/jobs", **auth).json()
    assert [item["id"] for item in listed["items"]] == [job.public_id]
    assert listed["items"][0]["customer_first_name"] == "Cora"

    departed = _post(client, f"/work/jobs/{job.public_id}/steps/depart", **auth)
    assert departed.json()["state"] == OrderState.ON_THE_WAY
    wrong = _post(
        client,
        f"/work/jobs/{job.public_id}/steps/start",
        {"start_code": "0000" if job.start_code != "0000" else "1111"},
        **auth,
    )
    body = assert_problem(wrong, 422, "wrong_start_code")
    assert "start_code" in body["errors"]
    started = _post(
        client,
        f"/work/jobs/{job.public_id}/steps/start",
        {"start_code": job.start_code},
        **auth,
    )
    assert started.json()["state"] == OrderState.IN_SERVICE

    buffer = BytesIO()
    Image.new("RGB", (64, 48), "#0f766e").save(buffer, "PNG")
    buffer.name = "after.png"
    buffer.seek(0)
    with after_commit():
        done = client.post(
            f"{API}/work/jobs/{job.public_id}/deliver", {"photos": [buffer]}, **auth
        )

    assert done.status_code == 200, done.content
    assert done.json()["state"] == OrderState.DELIVERED
    assert len(done.json()["photos"]) == 1
    detail = client.get(f"{API}/work/jobs/{job.public_id}", **auth).json()
    assert [event["transition"] for event in detail["events"]][-3:] == [
        "depart",
        "start",
        "deliver",
    ]


def test_duty_and_location(client, auth, worker):
    off = _post(client, "/work/duty", {"on_duty": False}, **auth)
    assert off.json()["on_duty"] is False
    refused = _post(client, "/work/location-sharing", {"on": True}, **auth)
    assert_problem(refused, 409, "off_duty")
    not_shared = _post(
        client, "/work/location", {"latitude": 31.2, "longitude": 121.5}, **auth
    )
    assert_problem(not_shared, 409, "location_not_shared")

    _post(client, "/work/duty", {"on_duty": True}, **auth)
    shared = _post(client, "/work/location-sharing", {"on": True}, **auth)
    kept = _post(
        client,
        "/work/location",
        {"latitude": 31.2, "longitude": 121.5, "accuracy": 20},
        **auth,
    )
    again = _post(
        client, "/work/location", {"latitude": 31.2, "longitude": 121.5}, **auth
    )
    bad = _post(client, "/work/location", {"latitude": 95, "longitude": 121.5}, **auth)

    assert shared.json()["shares_location"] is True
    assert kept.status_code == 204
    assert_problem(again, 429, "location_too_frequent")
    assert_problem(bad, 422, "location_out_of_range")
    duty_now = client.get(f"{API}/work/duty", **auth).json()
    assert duty_now["on_duty"]
    assert duty_now["located_at"]
    worker.refresh_from_db()
    assert (worker.latitude, worker.longitude) == (31.2, 121.5)


def test_someone_without_a_worker_has_no_duty(client):
    auth = bearer(make_user())

    assert_problem(client.get(f"{API}/work/duty", **auth), 404, "not_a_worker")
    assert_problem(
        _post(client, "/work/duty", {"on_duty": True}, **auth), 404, "not_a_worker"
    )


@pytest.fixture
def strangers(agency, for_sale, job):
    colleague = make_worker(for_sale.service.category, staff_of=agency, name="Col")
    manager = make_user(name="Manager")
    StaffMember.objects.create(
        agency=agency, user=manager, display_name="M", role=StaffMember.Role.MANAGER
    )
    other = make_worker(
        for_sale.service.category, staff_of=make_agency("Other"), name="Oth"
    )
    return {
        "colleague": colleague.staff.user,
        "owner": agency.owner,
        "manager": manager,
        "other agency": other.staff.user,
        "customer": job.customer,
    }


@pytest.mark.parametrize(
    "who", ["colleague", "owner", "manager", "other agency", "customer"]
)
def test_nobody_else_reaches_the_job(client, job, strangers, who):
    auth = bearer(strangers[who])

    seen = client.get(f"{API}/work/jobs/{job.public_id}", **auth)
    stepped = _post(client, f"/work/jobs/{job.public_id}/steps/depart", **auth)
    delivered = client.post(f"{API}/work/jobs/{job.public_id}/deliver", **auth)
    listed = client.get(f"{API}/work/jobs", **auth).json()

    assert_problem(seen, 404, "order_not_found")
    assert_problem(stepped, 404, "order_not_found")
    assert_problem(delivered, 404, "order_not_found")
    assert listed["items"] == []
    job.refresh_from_db()
    assert job.state == OrderState.ACCEPTED


def test_nobody_else_answers_an_offer(client, agency, for_sale, worker):
    order = paid_dispatch_order(for_sale)
    offer = order.dispatch_job.offers.get(worker=worker)
    other = make_worker(
        for_sale.service.category, staff_of=make_agency("Other"), name="Oth"
    )
    auth = bearer(other.staff.user)

    accepted = _post(client, f"/work/offers/{offer.public_id}/accept", **auth)
    declined = _post(client, f"/work/offers/{offer.public_id}/decline", **auth)
    listed = client.get(f"{API}/work/offers", **auth).json()

    assert_problem(accepted, 404, "offer_not_found")
    assert_problem(declined, 404, "offer_not_found")
    assert listed == {"items": [], "next": None}
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_signed_out_callers_are_refused(client):
    assert_problem(client.get(f"{API}/work/jobs"), 401)


@pytest.fixture
def booked_job(worker, for_sale):
    """A job booked for a time, taken by the worker (based 1 km away)."""
    order = paid_dispatch_order(for_sale, starts_at=in_three_days_at_ten())
    offer = order.dispatch_job.offers.get(worker=worker)
    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=worker.staff.user)
    order.refresh_from_db()
    return order


def test_a_booked_job_says_when_to_leave_in_its_own_zone(
    client, auth, booked_job, job, strangers
):
    # Given a job booked for a time and one as soon as possible before it,
    # both taken: the worker will leave for the booked door from the other's
    expected = booked_job.starts_at - timedelta(
        minutes=candidates.way_minutes(HOME, HOME)
    )

    # When the worker lists them and opens the booked one
    listed = {
        item["id"]: item
        for item in client.get(f"{API}/work/jobs", **auth).json()["items"]
    }
    detail = client.get(f"{API}/work/jobs/{booked_job.public_id}", **auth).json()

    # Then the booked job says when to set off (the platform's leave-by, in
    # Shanghai time); the job as soon as possible has none
    for body in (listed[booked_job.public_id], detail):
        leave_by = datetime.fromisoformat(body["leave_by"])
        assert leave_by == expected
        assert leave_by.utcoffset() == timedelta(hours=8)
    assert listed[job.public_id]["leave_by"] is None
    # and nobody else sees it
    for who in strangers.values():
        assert_problem(
            client.get(f"{API}/work/jobs/{booked_job.public_id}", **bearer(who)),
            404,
            "order_not_found",
        )
