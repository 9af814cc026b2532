"""The dispatch board's API: ops with a second factor and a dispatching role
list open orders and workers and assign by hand; everyone else is refused
(404 for non-ops); conflicts are problem+json."""

import pytest

from doorstep.api.testing import assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.dispatch import cascade
from doorstep.dispatch.models import Offer
from doorstep.dispatch.tests.helpers import (
    HOME,
    after_commit,
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from doorstep.orders.engine import apply_transition
from doorstep.orders.states import OrderState
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

NEAR = (HOME[0] + 0.01, HOME[1])
FURTHER = (HOME[0] + 0.03, HOME[1])
JOBS = "/api/v1/ops/dispatch/jobs"


@pytest.fixture
def for_sale():
    return service_in_shanghai()


@pytest.fixture
def dispatcher_headers():
    return ops_bearer(make_ops("Dispatch"))


def _post(client, path, body, headers):
    return client.post(path, body, content_type="application/json", **headers)


def test_non_ops_do_not_learn_the_endpoints_exist(client):
    assert_problem(client.get(JOBS, **bearer(make_user())), 404)


def test_ops_need_a_token_minted_with_the_second_factor(client):
    response = client.get(JOBS, **bearer(make_ops("Dispatch")))

    assert_problem(response, 403, "ops_mfa_required")


def test_ops_whose_role_does_not_dispatch_are_refused(client, for_sale):
    order = paid_dispatch_order(for_sale)
    headers = ops_bearer(make_ops("Finance"))

    assert_problem(client.get(JOBS, **headers), 403, "ops_permission_required")
    response = _post(
        client,
        f"{JOBS}/{order.public_id}/unassign",
        {"reason": "x"},
        headers,
    )
    assert_problem(response, 403, "ops_permission_required")


def test_the_board_as_json(client, for_sale, dispatcher_headers):
    worker = make_worker(for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(for_sale)

    jobs = client.get(JOBS, **dispatcher_headers).json()["items"]
    workers = client.get("/api/v1/ops/dispatch/workers", **dispatcher_headers)
    candidates = client.get(
        f"{JOBS}/{order.public_id}/candidates", **dispatcher_headers
    ).json()["items"]

    [job] = jobs
    assert job["order_id"] == order.public_id
    assert job["state"] == OrderState.DISPATCHING
    assert job["offered_to"]["id"] == worker.public_id
    assert 0 < job["respond"]["seconds_left"] <= 30 * 60
    assert job["respond"]["breached"] is False
    assert workers.json()["items"][0]["id"] == worker.public_id
    assert candidates[0]["worker"]["id"] == worker.public_id
    assert candidates[0]["eligible"] is True


def test_assign_by_hand_through_the_api_is_audited(
    client, for_sale, dispatcher_headers
):
    make_worker(for_sale.service.category, at=NEAR)
    chosen = make_worker(for_sale.service.category, at=FURTHER)
    order = paid_dispatch_order(for_sale)

    response = _post(
        client,
        f"{JOBS}/{order.public_id}/assign",
        {"worker": chosen.public_id, "reason": "Speaks the customer's dialect"},
        dispatcher_headers,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == OrderState.ACCEPTED
    assert body["worker"]["id"] == chosen.public_id
    entry = AuditEntry.objects.get(action="orders.assign")
    assert entry.reason == "Speaks the customer's dialect"


def test_a_busy_worker_is_a_conflict(client, for_sale, dispatcher_headers):
    busy = make_worker(for_sale.service.category, at=NEAR)
    taken = paid_dispatch_order(for_sale)
    offer = taken.dispatch_job.offers.get(status=Offer.Status.PENDING)
    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=busy.provider.user)
    order = paid_dispatch_order(for_sale)

    response = _post(
        client,
        f"{JOBS}/{order.public_id}/assign",
        {"worker": busy.public_id, "reason": "Nearest"},
        dispatcher_headers,
    )

    problem = assert_problem(response, 409, "slot_taken")
    assert "worker" in problem["errors"]
    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHING


def test_an_order_that_moved_on_is_a_conflict(client, for_sale, dispatcher_headers):
    worker = make_worker(for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(for_sale)
    with after_commit():
        apply_transition(order_id=order.pk, name="cancel", user=order.customer)

    response = _post(
        client,
        f"{JOBS}/{order.public_id}/assign",
        {"worker": worker.public_id, "reason": "Try"},
        dispatcher_headers,
    )

    assert_problem(response, 409, "state_changed")


def test_unknown_orders_and_workers_are_not_found(client, for_sale, dispatcher_headers):
    order = paid_dispatch_order(for_sale)

    assert_problem(
        _post(
            client,
            f"{JOBS}/ord_none/assign",
            {"worker": "wkr_x", "reason": "x"},
            dispatcher_headers,
        ),
        404,
        "order_not_found",
    )
    assert_problem(
        _post(
            client,
            f"{JOBS}/{order.public_id}/assign",
            {"worker": "wkr_x", "reason": "x"},
            dispatcher_headers,
        ),
        404,
        "worker_not_found",
    )


def test_unassign_through_the_api(client, for_sale, dispatcher_headers):
    worker = make_worker(for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(for_sale)
    offer = order.dispatch_job.offers.get()
    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=worker.provider.user)

    response = _post(
        client,
        f"{JOBS}/{order.public_id}/unassign",
        {"reason": "Worker called in sick"},
        dispatcher_headers,
    )

    assert response.status_code == 200, response.content
    assert response.json()["state"] == OrderState.DISPATCHING
    assert response.json()["worker"] is None
