"""Standards enforcement for ops in the API: penalty rules, a provider's
standing (set, lifted, a complaint upheld) and appeals, through the same
services as the ops pages (audited); a customer, a token without ``ops`` and a
role without ``ENFORCE_STANDARDS`` are refused, and nothing is written when
they are or when the input is wrong."""

import itertools
from datetime import timedelta

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.trust import audit_actions, standards
from doorstep.trust.standards_models import (
    Appeal,
    PenaltyRule,
    PenaltyTrigger,
    ProviderStanding,
    StandingLevel,
    Strike,
)
from tests.factories import make_ops, make_order, make_user

pytestmark = pytest.mark.django_db
_days = itertools.count(10)

RULES = f"{API}/ops/standards/rules"
APPEALS = f"{API}/ops/standards/appeals"
RULE_BODY = {
    "active": True,
    "fine_bps": 3000,
    "fine_fixed": {"CNY": 5000},
    "strikes": 3,
    "reason": "Stricter after complaints",
}


def _providers(provider) -> str:
    return f"{API}/ops/standards/providers/{provider.public_id}"


def _done_order(listing, customer):
    return make_order(
        listing=listing,
        customer=customer,
        state="completed",
        starts_in=timedelta(days=next(_days)),
    )


def _appeal(provider, listing, customer) -> Appeal:
    strike = standards.uphold_quality_complaint(
        user=make_ops("Trust & safety"),
        order=_done_order(listing, customer),
        reason="Windows left dirty",
    )
    return standards.file_appeal(
        user=provider.user, strike_id=strike.public_id, text="They were clean"
    )


def test_ops_change_a_rule_and_read_the_rules(client):
    headers = ops_bearer(make_ops("Trust & safety"))

    changed = client.put(f"{RULES}/no_show", RULE_BODY, JSON, **headers)

    assert changed.status_code == 200, changed.content
    rule = PenaltyRule.objects.get(trigger=PenaltyTrigger.NO_SHOW)
    assert (rule.fine_bps, rule.fine_fixed, rule.strikes) == (3000, {"CNY": 5000}, 3)
    listed = client.get(RULES, **headers).json()
    assert {"trigger": "no_show", "fine_bps": 3000}.items() <= next(
        r for r in listed if r["trigger"] == "no_show"
    ).items()
    audit = AuditEntry.objects.get(action=audit_actions.PENALTY_RULE_CHANGED.code)
    assert audit.reason == "Stricter after complaints"


def test_ops_set_uphold_a_complaint_and_lift_a_standing(
    client, provider, listing, customer
):
    headers = ops_bearer(make_ops("Trust & safety"))
    base = _providers(provider)

    set_ = client.post(
        f"{base}/standing",
        {"level": "restricted", "reason_code": "quality", "reason": "Complaints"},
        JSON,
        **headers,
    )
    assert set_.status_code == 200, set_.content
    assert set_.json()["level"] == "restricted"
    order = _done_order(listing, customer)
    upheld = client.post(
        f"{base}/complaints",
        {"order": order.public_id, "reason": "Broke a vase"},
        JSON,
        **headers,
    )
    assert upheld.status_code == 201, upheld.content
    assert Strike.objects.filter(order=order).exists()
    lifted = client.post(
        f"{base}/standing/lift", {"reason": "Retrained"}, JSON, **headers
    )
    assert lifted.status_code == 200, lifted.content
    assert lifted.json()["level"] == "good"
    read = client.get(base, **headers).json()
    assert read["provider_id"] == provider.public_id
    assert [s["order_id"] for s in read["strikes"]] == [order.public_id]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        audit_actions.STANDING_SET.code,
        audit_actions.COMPLAINT_UPHELD.code,
        audit_actions.STANDING_LIFTED.code,
    } <= actions


def test_ops_list_open_appeals_and_decide_one(client, provider, listing, customer):
    appeal = _appeal(provider, listing, customer)
    headers = ops_bearer(make_ops("Trust & safety"))

    listed = client.get(APPEALS, **headers)

    assert [a["id"] for a in listed.json()["items"]] == [appeal.public_id]
    decided = client.post(
        f"{APPEALS}/{appeal.public_id}/decision",
        {"decision": "overturn", "reason": "Photos show clean windows"},
        JSON,
        **headers,
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "overturned"
    assert Strike.objects.get(pk=appeal.strike_id).removed_at is not None
    assert AuditEntry.objects.filter(
        action=audit_actions.APPEAL_OVERTURNED.code
    ).exists()
    assert client.get(APPEALS, **headers).json()["items"] == []


def test_refused_callers_and_bad_input_change_nothing(
    client, provider, listing, customer
):
    appeal = _appeal(provider, listing, customer)
    base = _providers(provider)
    audited = AuditEntry.objects.count()
    ops = make_ops("Trust & safety")
    no_ops_scope = bearer(ops, second_factor=True, scopes=["read", "write"])
    finance = ops_bearer(make_ops("Finance"))
    decision = {"decision": "overturn", "reason": "ok"}
    customer_headers = bearer(make_user(email="someone@example.com"))
    writes = [
        ("put", f"{RULES}/no_show", RULE_BODY),
        (
            "post",
            f"{base}/standing",
            {"level": "suspended", "reason_code": "fraud", "reason": "x"},
        ),
        ("post", f"{base}/standing/lift", {"reason": "x"}),
        ("post", f"{APPEALS}/{appeal.public_id}/decision", decision),
    ]
    for method, url, body in writes:
        call = getattr(client, method)
        assert_problem(call(url, body, JSON, **customer_headers), 404)
        assert_problem(call(url, body, JSON, **no_ops_scope), 403, "insufficient_scope")
        assert_problem(call(url, body, JSON, **bearer(ops)), 403, "ops_mfa_required")
        assert_problem(call(url, body, JSON, **finance), 403, "ops_permission_required")
    assert_problem(client.get(RULES, **finance), 403, "ops_permission_required")
    headers = ops_bearer(ops)

    for wrong in (
        {**RULE_BODY, "fine_bps": 20_000},
        {**RULE_BODY, "fine_fixed": {"yuan": 5}},
        {**RULE_BODY, "reason": ""},
        {**RULE_BODY, "strikes": "3"},
        {"active": True},
    ):
        assert_problem(client.put(f"{RULES}/no_show", wrong, JSON, **headers), 400)
    assert_problem(client.put(f"{RULES}/nope", RULE_BODY, JSON, **headers), 404)
    bad_level = {"level": "good", "reason_code": "fraud", "reason": "x"}
    assert_problem(client.post(f"{base}/standing", bad_level, JSON, **headers), 400)
    bad_code = {"level": "warned", "reason_code": "whim", "reason": "x"}
    assert_problem(client.post(f"{base}/standing", bad_code, JSON, **headers), 400)
    assert_problem(
        client.post(f"{base}/standing/lift", {"reason": "x"}, JSON, **headers),
        409,
        "standing_already_good",
    )
    other_order = make_order(state="completed", starts_in=timedelta(days=40))
    assert_problem(
        client.post(
            f"{base}/complaints",
            {"order": other_order.public_id, "reason": "x"},
            JSON,
            **headers,
        ),
        404,
        "order_not_found",
    )
    assert_problem(
        client.post(
            f"{API}/ops/standards/providers/prv_missing/standing/lift",
            {"reason": "x"},
            JSON,
            **headers,
        ),
        404,
        "provider_not_found",
    )
    assert_problem(
        client.post(
            f"{APPEALS}/{appeal.public_id}/decision",
            {"decision": "maybe", "reason": "x"},
            JSON,
            **headers,
        ),
        400,
    )
    assert PenaltyRule.objects.get(trigger="no_show").fine_bps == 2000
    assert not ProviderStanding.objects.filter(level__gt=StandingLevel.GOOD).exists()
    assert Appeal.objects.get(pk=appeal.pk).status == Appeal.Status.OPEN
    assert AuditEntry.objects.count() == audited
