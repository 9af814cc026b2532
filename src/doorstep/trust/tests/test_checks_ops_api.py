"""Background checks for ops in the API: start one and decide one that needs
review, through the same services as the back office's pages (audited); a
token without ``ops``, a customer and a role that may not are refused, and
nothing is written when they are or when the input is wrong."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.trust import audit_actions
from doorstep.trust.background_checks.sandbox import deliver_due_events
from doorstep.trust.check_models import BackgroundCheck
from doorstep.trust.tests.conftest import consented
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

CHECKS = f"{API}/ops/background-checks"


@pytest.fixture(autouse=True)
def _no_sandbox_delay(settings):
    settings.DOORSTEP_CHECK_SANDBOX_DELAY_SECONDS = 0


def test_ops_start_a_check_and_decide_it(client, provider):
    consented(provider, legal_name="Mei Consider")
    headers = ops_bearer(make_ops("Trust & safety"))

    started = client.post(CHECKS, {"provider": provider.public_id}, JSON, **headers)

    assert started.status_code == 201, started.content
    check_id = started.json()["id"]
    assert started.json()["provider_id"] == provider.public_id
    deliver_due_events(now=timezone.now() + timedelta(minutes=1))
    assert BackgroundCheck.objects.get(public_id=check_id).status == "consider"
    decided = client.post(
        f"{CHECKS}/{check_id}/decision",
        {"decision": "approve", "reason": "Old minor offence"},
        JSON,
        **headers,
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "approved"
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        audit_actions.START_BACKGROUND_CHECK.code,
        audit_actions.APPROVE_BACKGROUND_CHECK.code,
    } <= actions


def test_a_check_refused_or_wrong_writes_nothing(client, provider):
    consented(provider)
    body = {"provider": provider.public_id}
    ops = make_ops("Trust & safety")
    assert_problem(client.post(CHECKS, body, JSON, **bearer(make_user())), 404)
    no_ops_scope = bearer(ops, second_factor=True, scopes=["read", "write"])
    assert_problem(
        client.post(CHECKS, body, JSON, **no_ops_scope), 403, "insufficient_scope"
    )
    assert_problem(client.post(CHECKS, body, JSON, **bearer(ops)), 403)
    finance = ops_bearer(make_ops("Finance"))
    assert_problem(
        client.post(CHECKS, body, JSON, **finance), 403, "ops_permission_required"
    )
    headers = ops_bearer(ops)
    audited = AuditEntry.objects.count()

    missing = client.post(CHECKS, {"provider": "pro_missing"}, JSON, **headers)
    assert_problem(missing, 404, "provider_not_found")
    decision = {"decision": "approve", "reason": "ok"}
    assert_problem(
        client.post(f"{CHECKS}/bgc_missing/decision", decision, JSON, **headers),
        404,
        "background_check_not_found",
    )
    assert_problem(client.post(CHECKS, {}, JSON, **headers), 400)
    no_reason = {"decision": "approve", "reason": ""}
    assert_problem(
        client.post(f"{CHECKS}/bgc_missing/decision", no_reason, JSON, **headers), 400
    )
    assert not BackgroundCheck.objects.exists()
    assert AuditEntry.objects.count() == audited
