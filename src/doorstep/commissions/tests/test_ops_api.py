"""Commission limits through the API: the same services as the settings page
(audited), behind the back office's access; a customer, a token without
``ops``, one without the second factor and a role without settings are
refused, and a refused or wrong request changes nothing."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.commissions import audit_actions
from doorstep.commissions.models import CommissionLimit
from tests.factories import make_category, make_ops, make_user

pytestmark = pytest.mark.django_db

LIMITS = f"{API}/ops/settings/commission-limits"


@pytest.fixture
def category():
    return make_category("deep-cleaning")


@pytest.fixture
def headers():
    return ops_bearer(make_ops("Ops admin"))


def _state() -> tuple:
    return (
        list(
            CommissionLimit.objects.values_list(
                "currency", "minimum_amount", "maximum_amount"
            )
        ),
        AuditEntry.objects.count(),
    )


def test_ops_set_replace_list_and_remove_a_limit(client, headers, category):
    body = {"category": category.public_id, "currency": "cny", "minimum_amount": 2000}

    first = client.put(LIMITS, body, JSON, **headers)
    replaced = client.put(
        LIMITS, {**body, "maximum_amount": 5000, "reason": "Cap"}, JSON, **headers
    )

    assert first.status_code == replaced.status_code == 200, replaced.content
    assert replaced.json()["id"] == first.json()["id"]
    assert (replaced.json()["currency"], replaced.json()["maximum_amount"]) == (
        "CNY",
        5000,
    )
    listed = client.get(LIMITS, **headers).json()["items"]
    assert listed == [replaced.json()]
    removed = client.post(
        f"{LIMITS}/{first.json()['id']}/remove", {"reason": "Gone"}, JSON, **headers
    )
    assert removed.status_code == 204, removed.content
    assert not CommissionLimit.objects.exists()
    actions = AuditEntry.objects.order_by("pk").values_list("action", "reason")
    assert list(actions) == [
        (audit_actions.SET_COMMISSION_LIMIT.code, ""),
        (audit_actions.SET_COMMISSION_LIMIT.code, "Cap"),
        (audit_actions.REMOVE_COMMISSION_LIMIT.code, "Gone"),
    ]


def test_bad_input_is_refused_and_changes_nothing(client, headers, category):
    body = {"category": category.public_id, "currency": "CNY", "minimum_amount": 50}
    client.put(LIMITS, body, JSON, **headers)
    before = _state()

    for wrong, code in (
        ({**body, "maximum_amount": 10}, "invalid_input"),
        ({**body, "currency": "QQQ"}, "invalid_input"),
        ({**body, "minimum_amount": -1}, None),
        ({**body, "minimum_amount": "1"}, None),
        ({"currency": "CNY"}, None),
    ):
        assert_problem(client.put(LIMITS, wrong, JSON, **headers), 400, code)
    assert_problem(
        client.put(LIMITS, {**body, "category": "cat_missing"}, JSON, **headers),
        404,
        "category_not_found",
    )
    assert_problem(
        client.post(f"{LIMITS}/cml_missing/remove", {}, JSON, **headers),
        404,
        "not_found",
    )
    assert _state() == before


def test_only_ops_with_settings_may_read_or_change_limits(client, category):
    body = {"category": category.public_id, "currency": "CNY", "minimum_amount": 50}
    ops = make_ops("Ops admin")
    limit = CommissionLimit.objects.create(category=category, currency="USD")
    before = _state()

    for headers, status, code in (
        (bearer(make_user()), 404, "not_found"),
        (
            bearer(ops, second_factor=True, scopes=["read", "write"]),
            403,
            "insufficient_scope",
        ),
        (bearer(ops), 403, "ops_mfa_required"),
        (ops_bearer(make_ops("Support")), 403, "ops_permission_required"),
    ):
        assert_problem(client.put(LIMITS, body, JSON, **headers), status, code)
        remove = client.post(f"{LIMITS}/{limit.public_id}/remove", {}, JSON, **headers)
        assert_problem(remove, status, code)
        assert_problem(client.get(LIMITS, **headers), status, code)
    assert _state() == before
