"""Funding the guarantee fund through the API: the same service as the finance
report's form (one ledger entry, audited; the same key funds once); a token
without ``ops``, a customer and a role that may not are refused, and nothing
is written when they are or when the input is wrong."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.payments.audit_actions import FUND_GUARANTEE
from doorstep.payments.models import JournalEntry
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

FUND = f"{API}/ops/finance/guarantee-fund/fundings"
BODY = {"amount": 500_000, "currency": "CNY", "reason": "Q3 reserve", "key": "q3"}


def test_finance_fund_the_guarantee_once_per_key(client):
    headers = ops_bearer(make_ops("Finance"))

    response = client.post(FUND, BODY, JSON, **headers)

    assert response.status_code == 201, response.content
    assert response.json()["amount"] == 500_000
    entry = JournalEntry.objects.get(public_id=response.json()["entry_id"])
    assert entry.description == "Q3 reserve"
    again = client.post(FUND, BODY, JSON, **headers)
    assert again.json()["entry_id"] == entry.public_id
    assert JournalEntry.objects.filter(kind=entry.kind).count() == 1
    audits = AuditEntry.objects.filter(action=FUND_GUARANTEE.code)
    assert [audit.reason for audit in audits] == ["Q3 reserve"]


def test_a_funding_refused_or_wrong_writes_nothing(client):
    ops = make_ops("Finance")
    assert_problem(client.post(FUND, BODY, JSON, **bearer(make_user())), 404)
    no_ops_scope = bearer(ops, second_factor=True, scopes=["read", "write"])
    assert_problem(client.post(FUND, BODY, JSON, **no_ops_scope), 403)
    assert_problem(client.post(FUND, BODY, JSON, **bearer(ops)), 403)
    support = ops_bearer(make_ops("Support"))
    assert_problem(
        client.post(FUND, BODY, JSON, **support), 403, "ops_permission_required"
    )
    headers = ops_bearer(ops)

    for wrong in (
        {**BODY, "amount": 0},
        {**BODY, "currency": "yuan"},
        {**BODY, "reason": ""},
        {"amount": 5},
    ):
        assert_problem(client.post(FUND, wrong, JSON, **headers), 400)
    blank_reason = client.post(FUND, {**BODY, "reason": "   "}, JSON, **headers)
    assert assert_problem(blank_reason, 400, "invalid_input")["errors"]["reason"]
    assert not JournalEntry.objects.exists()
    assert not AuditEntry.objects.exists()
