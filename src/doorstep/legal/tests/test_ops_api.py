"""Publishing the terms and the privacy policy through the API: the same
service as the back office's page (numbered, audited, a material version
asks everyone to accept it); a customer, a token without ``ops`` and a role
without ``MANAGE_SETTINGS`` are refused, and nothing is written when they are
or when the input is wrong."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.legal import audit_actions
from doorstep.legal.models import PolicyVersion
from doorstep.legal.starter import STARTER_TEXT
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

TERMS = f"{API}/ops/legal/terms/versions"
BODY = {**STARTER_TEXT["terms"], "material": True, "reason": "Launch"}


def test_ops_publish_versions_and_list_them(client):
    headers = ops_bearer(make_ops("Ops admin"))

    first = client.post(TERMS, BODY, JSON, **headers)
    fix = {**BODY, "material": False, "summary_en": "A typo fixed."}
    second = client.post(TERMS, fix, JSON, **headers)

    assert first.status_code == 201, first.content
    assert (first.json()["version"], first.json()["material"]) == (1, True)
    assert (second.json()["version"], second.json()["material"]) == (2, False)
    listed = client.get(TERMS, **headers).json()
    assert [(v["version"], v["accepted_by"]) for v in listed] == [(2, 0), (1, 0)]
    entry = AuditEntry.objects.filter(action=audit_actions.PUBLISH_VERSION.code)
    assert entry.count() == 2
    assert client.get(f"{API}/policies/terms").json()["version"] == 2


def test_refused_callers_and_bad_input_change_nothing(client):
    ops = make_ops("Ops admin")
    assert_problem(client.post(TERMS, BODY, JSON, **bearer(make_user())), 404)
    no_ops_scope = bearer(ops, second_factor=True, scopes=["read", "write"])
    assert_problem(
        client.post(TERMS, BODY, JSON, **no_ops_scope), 403, "insufficient_scope"
    )
    assert_problem(
        client.post(TERMS, BODY, JSON, **bearer(ops)), 403, "ops_mfa_required"
    )
    support = ops_bearer(make_ops("Support"))
    assert_problem(
        client.post(TERMS, BODY, JSON, **support), 403, "ops_permission_required"
    )
    assert_problem(client.get(TERMS, **support), 403, "ops_permission_required")
    headers = ops_bearer(ops)

    for wrong in (
        {**BODY, "body_en": "  "},
        {**BODY, "summary_en": ""},
        {**BODY, "material": "yes"},
        {**BODY, "colour": "red"},
    ):
        assert_problem(client.post(TERMS, wrong, JSON, **headers), 400)
    unknown = f"{API}/ops/legal/cookies/versions"
    assert_problem(client.post(unknown, BODY, JSON, **headers), 400)
    assert_problem(client.get(unknown, **headers), 404)
    assert not PolicyVersion.objects.exists()
    assert not AuditEntry.objects.exists()
