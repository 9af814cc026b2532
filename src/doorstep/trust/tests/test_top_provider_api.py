"""The Top provider rules for ops in the API: read them and change some,
through the same service as the back office's page (the old rules kept,
audited); a customer, a token without ``ops`` and a role that may not are
refused, and nothing is written when they are or when the input is wrong."""

from decimal import Decimal

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.trust.audit_actions import UPDATE_TOP_PROVIDER_RULES
from doorstep.trust.check_models import TopProviderRules
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

RULES = f"{API}/ops/top-provider/rules"


def test_ops_read_the_defaults_and_change_some_rules(client):
    headers = ops_bearer(make_ops("Ops admin"))
    assert client.get(RULES, **headers).json()["created_at"] is None

    changed = client.patch(
        RULES,
        {"min_rating": 4.8, "max_median_response_minutes": None},
        JSON,
        **headers,
    )

    assert changed.status_code == 200, changed.content
    rules = TopProviderRules.objects.get(is_active=True)
    assert rules.min_rating == Decimal("4.80")
    assert rules.max_median_response_minutes is None
    assert rules.min_reviews == 5  # not sent: kept
    assert client.get(RULES, **headers).json()["min_rating"] == 4.8
    assert AuditEntry.objects.filter(action=UPDATE_TOP_PROVIDER_RULES.code).exists()


def test_refused_callers_and_bad_input_change_nothing(client):
    body = {"window_days": 90}
    ops = make_ops("Ops admin")
    assert_problem(client.patch(RULES, body, JSON, **bearer(make_user())), 404)
    no_ops_scope = bearer(ops, second_factor=True, scopes=["read", "write"])
    assert_problem(
        client.patch(RULES, body, JSON, **no_ops_scope), 403, "insufficient_scope"
    )
    assert_problem(client.patch(RULES, body, JSON, **bearer(ops)), 403)
    finance = ops_bearer(make_ops("Finance"))
    assert_problem(
        client.patch(RULES, body, JSON, **finance), 403, "ops_permission_required"
    )
    assert_problem(client.get(RULES, **finance), 403, "ops_permission_required")
    headers = ops_bearer(ops)

    for wrong in (
        {"window_days": 0},
        {"min_rating": 5.5},
        {"min_rating": "4.5"},
        {"max_cancellation_bps": 20_000},
        {"min_reviews": -1},
        {"min_reviews": None},
        {"stars": 5},
    ):
        assert_problem(client.patch(RULES, wrong, JSON, **headers), 400)
    assert not TopProviderRules.objects.exists()
    assert not AuditEntry.objects.exists()
