"""Provider plans for ops in the API: list, create, change, archive and offer
again, through the same services as the plan pages (audited); a customer, a
token without ``ops`` and a role without ``MANAGE_SETTINGS`` are refused, and
nothing is written when they are or when the input is wrong."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.subscriptions import audit_actions
from doorstep.subscriptions.models import Plan, PlanPrice
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

PLANS = f"{API}/ops/plans"
BODY = {
    "name_en": "Gold",
    "badge_en": "Gold",
    "commission_discount_bps": 500,
    "trial_days": 14,
    "prices": [
        {"currency": "CNY", "interval": "month", "amount": 12_000},
        {"currency": "CNY", "interval": "year", "amount": 120_000},
    ],
}


def test_ops_create_change_archive_and_list_a_plan(client, basic):
    headers = ops_bearer(make_ops("Ops admin"))

    created = client.post(PLANS, BODY, JSON, **headers)

    assert created.status_code == 201, created.content
    plan_id = created.json()["id"]
    plan = Plan.objects.get(public_id=plan_id)
    assert (plan.name_en, plan.trial_days) == ("Gold", 14)
    assert plan.prices.count() == 2
    changed = client.put(
        f"{PLANS}/{plan_id}",
        {
            **BODY,
            "extra_photos": 5,
            "prices": [{"currency": "CNY", "interval": "month", "amount": 15_000}],
            "reason": "New price list",
        },
        JSON,
        **headers,
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["extra_photos"] == 5
    assert [p["price"]["amount"] for p in changed.json()["prices"]] == [15_000]
    archived = client.post(
        f"{PLANS}/{plan_id}/status",
        {"status": "archived", "reason": "Replaced"},
        JSON,
        **headers,
    )
    assert archived.json()["status"] == "archived"
    listed = client.get(PLANS, **headers).json()
    assert {row["id"] for row in listed} == {basic.public_id, plan_id}
    assert client.get(f"{PLANS}/{plan_id}", **headers).json()["status"] == "archived"
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert sorted(actions) == sorted(
        [
            audit_actions.CREATE_PLAN.code,
            audit_actions.UPDATE_PLAN.code,
            audit_actions.ARCHIVE_PLAN.code,
        ]
    )


def test_refused_callers_and_bad_input_change_nothing(client, basic):
    one = f"{PLANS}/{basic.public_id}"
    ops = make_ops("Ops admin")
    customer = bearer(make_user())
    no_ops_scope = bearer(ops, second_factor=True, scopes=["read", "write"])
    finance = ops_bearer(make_ops("Finance"))
    writes = [
        ("post", PLANS, BODY),
        ("put", one, BODY),
        ("post", f"{one}/status", {"status": "archived", "reason": "x"}),
    ]
    for method, url, body in writes:
        call = getattr(client, method)
        assert_problem(call(url, body, JSON, **customer), 404)
        assert_problem(call(url, body, JSON, **no_ops_scope), 403, "insufficient_scope")
        assert_problem(call(url, body, JSON, **bearer(ops)), 403, "ops_mfa_required")
        assert_problem(call(url, body, JSON, **finance), 403, "ops_permission_required")
    assert_problem(client.get(PLANS, **finance), 403, "ops_permission_required")
    headers = ops_bearer(ops)

    for wrong in (
        {**BODY, "name_en": " "},
        {**BODY, "prices": []},
        {**BODY, "prices": [{"currency": "QQQ", "interval": "month", "amount": 1}]},
        {**BODY, "prices": [{"currency": "CNY", "interval": "month", "amount": 0}]},
        {**BODY, "trial_days": 91},
        {**BODY, "commission_discount_bps": -1},
        {**BODY, "colour": "gold"},
    ):
        assert_problem(client.post(PLANS, wrong, JSON, **headers), 400)
        assert_problem(client.put(one, wrong, JSON, **headers), 400)
    assert_problem(
        client.post(
            f"{one}/status", {"status": "gone", "reason": "x"}, JSON, **headers
        ),
        400,
    )
    assert_problem(
        client.post(
            f"{one}/status", {"status": "archived", "reason": " "}, JSON, **headers
        ),
        400,
    )
    assert_problem(client.put(f"{PLANS}/plan_missing", BODY, JSON, **headers), 404)
    assert_problem(client.get(f"{PLANS}/plan_missing", **headers), 404)
    assert list(Plan.objects.all()) == [basic]
    basic.refresh_from_db()
    assert (basic.name_en, basic.status) == ("Basic", "active")
    assert PlanPrice.objects.filter(plan=basic).count() == 2
    assert not AuditEntry.objects.exists()
