"""The dispatch promises for ops in the API: set and remove, through the same
services as the settings page (audited); a token without ``ops``, a customer
and a role that may not are refused, and nothing is written when they are or
when the input is wrong."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.dispatch import audit_actions
from doorstep.dispatch.models import SlaPolicy
from tests.factories import make_category, make_ops, make_user

pytestmark = pytest.mark.django_db

PROMISES = f"{API}/ops/dispatch/promises"
PROMISE = {
    "city": "shanghai",
    "respond_minutes": 5,
    "arrive_minutes": 45,
    "asap_offer_seconds": 60,
    "scheduled_offer_minutes": 30,
    "compensation_bps": 1000,
    "reason": "Faster in Shanghai",
}


def _snapshot() -> list[tuple]:
    return list(SlaPolicy.objects.order_by("pk").values_list())


def test_ops_set_and_remove_a_promise(client):
    category = make_category("locksmith")
    headers = ops_bearer(make_ops())

    response = client.put(
        PROMISES, {**PROMISE, "category": category.public_id}, JSON, **headers
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["city"], body["category"]) == ("shanghai", category.public_id)
    changed = client.put(
        PROMISES,
        {**PROMISE, "category": category.public_id, "arrive_minutes": 30},
        JSON,
        **headers,
    )
    assert changed.json()["id"] == body["id"]
    assert SlaPolicy.objects.get(pk=body["id"]).arrive_minutes == 30
    listed = client.get(PROMISES, **headers).json()["items"]
    assert body["id"] in [item["id"] for item in listed]
    remove = f"{PROMISES}/{body['id']}/remove"
    removed = client.post(remove, {"reason": "Back to the default"}, JSON, **headers)
    assert removed.status_code == 204
    assert not SlaPolicy.objects.filter(pk=body["id"]).exists()
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [
        audit_actions.SAVE_SLA_POLICY.code,
        audit_actions.SAVE_SLA_POLICY.code,
        audit_actions.DELETE_SLA_POLICY.code,
    ]
    assert AuditEntry.objects.order_by("pk").last().reason == "Back to the default"
    assert_problem(
        client.post(remove, {}, JSON, **headers), 404, "sla_policy_not_found"
    )


def test_a_promise_refused_or_wrong_writes_nothing(client):
    policy = SlaPolicy.objects.first() or SlaPolicy.objects.create()
    before = _snapshot()
    remove = f"{PROMISES}/{policy.pk}/remove"
    ops = make_ops()
    for method, url, body in (("put", PROMISES, PROMISE), ("post", remove, {})):
        send = getattr(client, method)
        assert_problem(send(url, body, JSON, **bearer(make_user())), 404, "not_found")
        no_ops_scope = bearer(ops, second_factor=True, scopes=["read", "write"])
        assert_problem(send(url, body, JSON, **no_ops_scope), 403, "insufficient_scope")
        assert_problem(send(url, body, JSON, **bearer(ops)), 403, "ops_mfa_required")
        # Dispatch watch the board but do not change the settings.
        dispatcher = ops_bearer(make_ops("Dispatch"))
        assert_problem(
            send(url, body, JSON, **dispatcher), 403, "ops_permission_required"
        )
    headers = ops_bearer(ops)

    assert_problem(
        client.post(f"{PROMISES}/nope/remove", {}, JSON, **headers),
        404,
        "sla_policy_not_found",
    )
    atlantis = client.put(PROMISES, {**PROMISE, "city": "atlantis"}, JSON, **headers)
    assert assert_problem(atlantis, 400, "invalid_input")["errors"]["city"]
    too_slow = client.put(
        PROMISES, {**PROMISE, "arrive_minutes": 5000}, JSON, **headers
    )
    assert assert_problem(too_slow, 400, "invalid_input")["errors"]["arrive_minutes"]
    assert_problem(client.put(PROMISES, {"city": "shanghai"}, JSON, **headers), 400)
    assert _snapshot() == before
    assert not AuditEntry.objects.exists()
