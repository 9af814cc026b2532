"""Flagged messages for ops in the API: the decision the flag's page takes,
through the same service (audited); a token without ``ops``, a customer and a
role that may not are refused, and nothing is written when they are or when
the input is wrong."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.messaging import audit_actions, services
from doorstep.messaging.models import MessageFlag
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(inquiry, customer) -> MessageFlag:
    services.send_message(
        sender=customer, conversation=inquiry, body="pay me by Alipay directly"
    )
    return MessageFlag.objects.get()


def _decide(flag_id) -> str:
    return f"{API}/ops/messages/flags/{flag_id}/decision"


def test_ops_confirm_a_flag_and_warn_the_sender(client, flag):
    headers = ops_bearer(make_ops("Trust & safety"))

    response = client.post(
        _decide(flag.pk),
        {"decision": "confirm", "warn": True, "note": "Asked to pay outside"},
        JSON,
        **headers,
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
    assert response.json()["sender_warned"] is True
    entry = AuditEntry.objects.get()
    assert entry.action == audit_actions.CONFIRM_FLAG.code
    assert entry.reason == "Asked to pay outside"
    again = client.post(_decide(flag.pk), {"decision": "dismiss"}, JSON, **headers)
    assert_problem(again, 409, "flag_already_decided")


def test_a_flag_decision_refused_or_wrong_writes_nothing(client, flag):
    url = _decide(flag.pk)
    body = {"decision": "dismiss"}
    ops = make_ops("Trust & safety")
    assert_problem(client.post(url, body, JSON, **bearer(make_user())), 404)
    no_ops_scope = bearer(ops, second_factor=True, scopes=["read", "write"])
    assert_problem(
        client.post(url, body, JSON, **no_ops_scope), 403, "insufficient_scope"
    )
    assert_problem(client.post(url, body, JSON, **bearer(ops)), 403, "ops_mfa_required")
    finance = ops_bearer(make_ops("Finance"))
    assert_problem(
        client.post(url, body, JSON, **finance), 403, "ops_permission_required"
    )
    headers = ops_bearer(ops)

    for unknown in ("999999", "abc"):
        assert_problem(
            client.post(_decide(unknown), body, JSON, **headers), 404, "flag_not_found"
        )
    assert_problem(client.post(url, {"decision": "ban"}, JSON, **headers), 400)
    warn_on_dismiss = {"decision": "dismiss", "warn": True}
    assert_problem(
        client.post(url, warn_on_dismiss, JSON, **headers), 400, "warn_needs_confirm"
    )
    flag.refresh_from_db()
    assert flag.is_open
    assert not AuditEntry.objects.exists()
