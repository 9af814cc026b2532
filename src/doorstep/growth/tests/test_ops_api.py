"""Growth for ops in the API: campaigns, their codes and batches, and held
referral rewards, through the same services as the ops pages (audited); a
customer, a token without ``ops`` and a role without ``RUN_GROWTH`` are
refused, and nothing is written when they are or when the input is wrong."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.growth import services
from doorstep.growth.models import (
    Campaign,
    CodeBatch,
    Coupon,
    Referral,
    ReferralCode,
    RewardLot,
)
from tests.factories import make_listing, make_ops, make_order, make_user

pytestmark = pytest.mark.django_db

CAMPAIGNS = f"{API}/ops/growth/campaigns"
REFERRALS = f"{API}/ops/growth/referrals"
CAMPAIGN = {"name": "Spring clean", "kind": "partner", "currency": "CNY"}
CODE = {"code": "spring10", "kind": "percent", "percent_bps": 1000}
BATCH = {"prefix": "ACME", "count": 5, "kind": "fixed", "amount": 20_00}


@pytest.fixture
def grower():
    return make_ops("Trust & safety")


@pytest.fixture
def campaign(grower):
    return services.create_campaign(
        user=grower, name="Autumn", kind="partner", currency="CNY"
    )


def _held() -> Referral:
    inviter = make_user(name="Inviter")
    invitee = make_user(name="Invitee")
    order = make_order(listing=make_listing(price=200_00), customer=invitee)
    return Referral.objects.create(
        code=ReferralCode.objects.create(user=inviter, code=f"C{inviter.pk}"),
        inviter=inviter,
        invitee=invitee,
        order=order,
        status=Referral.Status.QUARANTINED,
        risk_score=60,
        reasons=["shared_device"],
    )


def _counts() -> tuple[int, ...]:
    return (
        Campaign.objects.count(),
        Coupon.objects.count(),
        CodeBatch.objects.count(),
        AuditEntry.objects.count(),
        RewardLot.objects.count(),
        Referral.objects.filter(status=Referral.Status.QUARANTINED).count(),
    )


def test_ops_run_a_campaign_with_codes_and_a_batch(client, grower):
    headers = ops_bearer(grower)

    created = client.post(
        CAMPAIGNS, {**CAMPAIGN, "budget_amount": 500_00}, JSON, **headers
    )

    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    assert created.json()["budget"] == {"amount": 500_00, "currency": "CNY"}
    code = client.post(f"{CAMPAIGNS}/{campaign_id}/codes", CODE, JSON, **headers)
    assert code.status_code == 201, code.content
    assert code.json()["code"] == "SPRING10"
    batch = client.post(f"{CAMPAIGNS}/{campaign_id}/batches", BATCH, JSON, **headers)
    assert batch.status_code == 201, batch.content
    codes = client.get(
        f"{API}/ops/growth/batches/{batch.json()['id']}/codes", **headers
    )
    assert len(codes.json()) == 5
    assert all(c["code"].startswith("ACME-") for c in codes.json())
    paused = client.post(
        f"{CAMPAIGNS}/{campaign_id}/status",
        {"status": "paused", "reason": "Partner asked"},
        JSON,
        **headers,
    )
    assert paused.json()["status"] == "paused"
    detail = client.get(f"{CAMPAIGNS}/{campaign_id}", **headers).json()
    assert [c["code"] for c in detail["codes"]] == ["SPRING10"]
    assert [b["count"] for b in detail["batches"]] == [5]
    listed = client.get(CAMPAIGNS, **headers).json()["items"]
    assert [(c["id"], c["code_count"]) for c in listed] == [(campaign_id, 6)]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "growth.create_campaign",
        "growth.create_coupon",
        "growth.create_batch",
        "growth.set_campaign_status",
    } <= actions


def test_ops_release_a_held_referral(client, grower):
    Campaign.objects.create(
        name="Invite a friend",
        kind=Campaign.Kind.REFERRAL,
        currency="CNY",
        reward_amount=30_00,
        budget_amount=1_000_00,
    )
    referral = _held()
    headers = ops_bearer(grower)

    held = client.get(f"{REFERRALS}/held", **headers).json()
    released = client.post(
        f"{REFERRALS}/{referral.public_id}/review",
        {"decision": "release", "note": "Flatmates, checked"},
        JSON,
        **headers,
    )

    assert [r["id"] for r in held] == [referral.public_id]
    assert released.status_code == 200, released.content
    assert released.json()["status"] == "rewarded"
    assert RewardLot.objects.filter(user=referral.inviter, amount=30_00).exists()
    entry = AuditEntry.objects.get(action="growth.release_referral")
    assert entry.reason == "Flatmates, checked"
    assert client.get(f"{REFERRALS}/held", **headers).json() == []


def test_refused_callers_change_nothing(client, grower, campaign):
    referral = _held()
    base = f"{CAMPAIGNS}/{campaign.public_id}"
    review = {"decision": "release", "note": "ok"}
    writes = [
        (CAMPAIGNS, CAMPAIGN),
        (f"{base}/status", {"status": "ended", "reason": "x"}),
        (f"{base}/codes", CODE),
        (f"{base}/batches", BATCH),
        (f"{REFERRALS}/{referral.public_id}/review", review),
    ]
    customer = bearer(make_user())
    no_ops_scope = bearer(grower, second_factor=True, scopes=["read", "write"])
    finance = ops_bearer(make_ops("Finance"))
    before = _counts()

    for url, body in writes:
        assert_problem(client.post(url, body, JSON, **customer), 404)
        assert_problem(
            client.post(url, body, JSON, **no_ops_scope), 403, "insufficient_scope"
        )
        assert_problem(
            client.post(url, body, JSON, **bearer(grower)), 403, "ops_mfa_required"
        )
        assert_problem(
            client.post(url, body, JSON, **finance), 403, "ops_permission_required"
        )
    assert_problem(client.get(CAMPAIGNS, **finance), 403, "ops_permission_required")
    assert_problem(
        client.get(f"{REFERRALS}/held", **finance), 403, "ops_permission_required"
    )
    assert _counts() == before


def test_bad_input_changes_nothing(client, grower, campaign):
    referral = _held()
    base = f"{CAMPAIGNS}/{campaign.public_id}"
    headers = ops_bearer(grower)
    services.create_coupon(
        user=grower,
        campaign_id=campaign.public_id,
        code="TAKEN",
        kind="fixed",
        amount=1,
    )
    before = _counts()

    for body, field in (
        ({**CAMPAIGN, "currency": "XYZ"}, "currency"),
        ({**CAMPAIGN, "owner_share_bps": 1000}, "owner"),
        ({**CAMPAIGN, "owner_share_bps": 6000, "owner": "prv_x"}, "owner"),
        ({**CAMPAIGN, "funded_by": "provider"}, "provider"),
        ({**CAMPAIGN, "name": " "}, "name"),
        ({**CAMPAIGN, "kind": "lottery"}, "kind"),
    ):
        problem = assert_problem(client.post(CAMPAIGNS, body, JSON, **headers), 400)
        assert field in problem["errors"], problem
    for body in (
        {**CODE, "percent_bps": 0},
        {**CODE, "code": "no/slash"},
        {**CODE, "max_uses": 0},
        {**CODE, "per_user_limit": 0},
        {**CODE, "category": "nowhere"},
        {**CODE, "city": "atlantis"},
    ):
        assert_problem(client.post(f"{base}/codes", body, JSON, **headers), 400)
    assert_problem(
        client.post(f"{base}/codes", {**CODE, "code": "taken"}, JSON, **headers),
        409,
        "code_taken",
    )
    for body in (
        {**BATCH, "count": 0},
        {**BATCH, "prefix": "A-B"},
        {**BATCH, "amount": 0},
    ):
        assert_problem(client.post(f"{base}/batches", body, JSON, **headers), 400)
    for body in (
        {"status": "spent", "reason": "x"},
        {"status": "paused", "reason": ""},
    ):
        assert_problem(client.post(f"{base}/status", body, JSON, **headers), 400)
    assert_problem(
        client.post(f"{CAMPAIGNS}/cmp_missing/codes", CODE, JSON, **headers),
        404,
        "campaign_not_found",
    )
    assert_problem(
        client.post(
            f"{REFERRALS}/{referral.public_id}/review",
            {"decision": "release", "note": ""},
            JSON,
            **headers,
        ),
        400,
    )
    assert_problem(
        client.post(
            f"{REFERRALS}/ref_missing/review",
            {"decision": "reject", "note": "x"},
            JSON,
            **headers,
        ),
        404,
        "referral_not_found",
    )
    assert _counts() == before
    assert Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.ACTIVE
