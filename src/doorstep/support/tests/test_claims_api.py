"""The claims API: file, answer, accept and decide through it; problem+json
for bad input; every object endpoint answers 404 to the wrong user."""

import json

import pytest
from django.test import TestCase

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.orders.tests.conftest import at, photo_upload
from doorstep.payments import flows
from doorstep.support import claims
from doorstep.support.models import WarrantyClaim
from doorstep.support.tests.claims_helpers import (  # noqa: F401
    _marketplace,
    completed_order,
    warranty_listing,
)
from tests.factories import make_ops, make_provider, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def order():
    return completed_order(warranty_listing(days=7), make_user())


def _post(client, path, body=None, headers=None):
    return client.post(
        f"{API}{path}",
        data=json.dumps(body if body is not None else {}),
        content_type=JSON,
        **(headers or {}),
    )


def test_the_customer_claims_the_provider_offers_and_the_customer_accepts(
    client, order
):
    customer, provider = bearer(order.customer), bearer(order.provider.user)

    filed = client.post(
        f"{API}/orders/{order.public_id}/warranty-claims",
        data={"description": "The tap drips.", "photos": [photo_upload()]},
        **customer,
    )
    assert filed.status_code == 201, filed.content
    claim = filed.json()
    assert claim["status"] == "filed"
    assert len(claim["photos"]) == 1
    # the photo is served to the parties only: their browsers, their apps
    assert client.get(claim["photos"][0]["url"], **customer).status_code == 200
    assert (
        client.get(claim["photos"][0]["url"], **bearer(make_user())).status_code == 404
    )
    client.force_login(make_user())
    assert client.get(claim["photos"][0]["url"]).status_code == 404
    client.force_login(order.customer)
    photo = client.get(claim["photos"][0]["url"])
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/webp"
    client.logout()

    offered = _post(
        client,
        f"/warranty-claims/{claim['id']}/redo-offer",
        {"starts_at": at("14:00", days=4).isoformat(), "note": "Tuesday?"},
        provider,
    )
    assert offered.status_code == 200, offered.content
    assert offered.json()["status"] == "redo_offered"

    accept = f"/warranty-claims/{claim['id']}/accept-redo"
    accepted = _post(client, accept, {}, customer)
    assert accepted.status_code == 200, accepted.content
    redo_id = accepted.json()["redo_order_id"]
    assert redo_id
    redo = client.get(f"{API}/orders/{redo_id}", **customer)
    assert redo.json()["state"] == "accepted"

    listed = client.get(f"{API}/warranty-claims", **provider)
    assert [item["id"] for item in listed.json()["items"]] == [claim["id"]]


def test_bad_input_and_a_closed_window_are_problems(client, order, settings):
    customer = bearer(order.customer)
    blank = client.post(
        f"{API}/orders/{order.public_id}/warranty-claims",
        data={"description": "  "},
        **customer,
    )
    assert_problem(blank, 400, "invalid_input")
    listing = order.listing
    listing.category.warranty_days = 0
    listing.category.save(update_fields=["warranty_days"])
    none = client.post(
        f"{API}/orders/{order.public_id}/warranty-claims",
        data={"description": "Drips"},
        **customer,
    )
    assert_problem(none, 422, "no_warranty")
    over = client.post(
        f"{API}/orders/{order.public_id}/guarantee-claims",
        data={"description": "Vase", "amount": 999_999},
        **customer,
    )
    assert_problem(over, 422, "over_guarantee_cap")


def test_every_claim_endpoint_is_not_found_for_the_wrong_user(client, order):
    claim = claims.file_warranty_claim(
        customer=order.customer, order_id=order.public_id, description="Drips"
    )
    damage = claims.file_guarantee_claim(
        customer=order.customer,
        order_id=order.public_id,
        description="Vase",
        amount=1_000,
    )
    for stranger in (bearer(make_user()), bearer(make_provider().user)):
        assert_problem(
            client.get(f"{API}/warranty-claims/{claim.public_id}", **stranger),
            404,
            "claim_not_found",
        )
        for action, body in (
            ("redo-offer", {"starts_at": at("14:00", days=4).isoformat()}),
            ("decline", {"note": "no"}),
            ("accept-redo", {}),
            ("decline-redo", {}),
        ):
            response = _post(
                client, f"/warranty-claims/{claim.public_id}/{action}", body, stranger
            )
            assert_problem(response, 404, "claim_not_found")
        assert_problem(
            client.get(f"{API}/guarantee-claims/{damage.public_id}", **stranger),
            404,
            "claim_not_found",
        )
        for kind in ("warranty", "guarantee"):
            response = client.post(
                f"{API}/orders/{order.public_id}/{kind}-claims",
                data={"description": "x", "amount": 10},
                **stranger,
            )
            assert_problem(response, 404, "order_not_found")
        assert client.get(f"{API}/warranty-claims", **stranger).json()["items"] == []
    # the provider does not see the customer's damage claim
    provider = bearer(order.provider.user)
    assert_problem(
        client.get(f"{API}/guarantee-claims/{damage.public_id}", **provider),
        404,
        "claim_not_found",
    )
    # nor ops endpoints, without the second factor and the role
    assert_problem(
        client.get(f"{API}/ops/warranty-claims/{claim.public_id}", **provider), 404
    )
    finance = ops_bearer(make_ops("Finance"))
    assert_problem(
        client.get(f"{API}/ops/warranty-claims/{claim.public_id}", **finance),
        403,
        "ops_permission_required",
    )


def test_ops_decide_through_the_api(client, order):
    claim = claims.file_warranty_claim(
        customer=order.customer, order_id=order.public_id, description="Drips"
    )
    damage = claims.file_guarantee_claim(
        customer=order.customer,
        order_id=order.public_id,
        description="Vase",
        amount=2_000,
    )
    flows.fund_guarantee(
        currency="CNY", amount=10_000, user=make_ops("Finance"), reason="r", key="k"
    )
    ops = ops_bearer(make_ops("Support"))

    listed = client.get(f"{API}/ops/warranty-claims?status=filed", **ops)
    assert [item["id"] for item in listed.json()["items"]] == [claim.public_id]
    missing_reason = _post(
        client,
        f"/ops/warranty-claims/{claim.public_id}/decision",
        {"outcome": "reject", "reason": ""},
        ops,
    )
    assert_problem(missing_reason, 400)
    with TestCase.captureOnCommitCallbacks(execute=True):
        refunded = _post(
            client,
            f"/ops/warranty-claims/{claim.public_id}/decision",
            {"outcome": "refund", "amount": 1_500, "reason": "Fitting fault."},
            ops,
        )
    assert refunded.status_code == 200, refunded.content
    assert refunded.json()["refund"] == {"amount": 1_500, "currency": "CNY"}
    assert WarrantyClaim.objects.get().status == "refunded"
    with TestCase.captureOnCommitCallbacks(execute=True):
        approved = _post(
            client,
            f"/ops/guarantee-claims/{damage.public_id}/decision",
            {"outcome": "approve", "amount": 2_000, "reason": "Photos."},
            ops,
        )
    assert approved.status_code == 200, approved.content
    assert flows.guarantee_fund_balance("CNY") == 8_000
