"""Growth's ops pages: only ops who run growth see and change campaigns,
codes, batches and held referral rewards; bad input is shown beside its
field and changes nothing; every action is in the audit trail; a batch's
codes download as CSV; releasing a held referral pays, rejecting does not."""

import csv
import io

import pytest
from django.urls import reverse

from doorstep.audit.models import AuditEntry
from doorstep.backoffice.queues import queue_by_key, summarise
from doorstep.growth import services
from doorstep.growth.models import (
    Campaign,
    CodeBatch,
    Coupon,
    Referral,
    ReferralCode,
    RewardLot,
)
from doorstep.growth.ops_views import reason_label
from tests.factories import (
    make_listing,
    make_ops,
    make_order,
    make_provider,
    make_user,
    sign_in_ops,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def grower():
    return make_ops("Trust & safety")


@pytest.fixture
def ops_client(client, grower):
    sign_in_ops(client, grower)
    return client


@pytest.fixture
def campaign(grower):
    return services.create_campaign(
        user=grower,
        name="Spring clean",
        kind=Campaign.Kind.PARTNER,
        currency="CNY",
        budget_amount=500_00,
        utm_campaign="spring",
    )


def _counts() -> tuple[int, ...]:
    return (
        Campaign.objects.count(),
        Coupon.objects.count(),
        CodeBatch.objects.count(),
        AuditEntry.objects.count(),
        RewardLot.objects.count(),
    )


def _pages(campaign: Campaign) -> list[str]:
    return [
        reverse("growth_ops:campaigns"),
        reverse("growth_ops:campaign_create"),
        reverse("growth_ops:campaign", args=[campaign.public_id]),
        reverse("growth_ops:referrals"),
        reverse("growth_ops:funnel"),
    ]


# --- Who may --------------------------------------------------------------------------


def test_customers_and_staff_without_second_factor_never_see_growth_ops(
    client, campaign
):
    client.force_login(make_user())
    for url in _pages(campaign):
        assert client.get(url).status_code == 404, url

    staff = make_ops("Trust & safety")
    sign_in_ops(client, staff, second_factor=False)
    assert client.get(reverse("growth_ops:campaigns")).status_code == 404


def test_ops_without_growth_are_refused_and_nothing_changes(client, campaign):
    # Given Finance: ops, with a second factor, but not running growth.
    sign_in_ops(client, make_ops("Finance"))
    before = _counts()

    for url in _pages(campaign):
        assert client.get(url).status_code == 403, url
    posts = {
        reverse("growth_ops:campaign_create"): {
            "name": "Mine",
            "kind": "promotion",
            "funded_by": "platform",
            "currency": "CNY",
        },
        reverse("growth_ops:campaign_status", args=[campaign.public_id]): {
            "status-status": "ended",
            "status-reason": "because",
        },
        reverse("growth_ops:coupon_create", args=[campaign.public_id]): {
            "code": "FREE",
            "kind": "fixed",
            "amount": "10",
            "per_user_limit": "1",
        },
        reverse("growth_ops:batch_create", args=[campaign.public_id]): {
            "batch-prefix": "P",
            "batch-count": "3",
            "batch-kind": "fixed",
            "batch-amount": "10",
        },
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url

    assert _counts() == before
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.ACTIVE


def test_a_batch_csv_is_refused_to_ops_without_growth(client, grower, campaign):
    batch = services.create_batch(
        user=grower,
        campaign_id=campaign.public_id,
        prefix="ACME",
        count=2,
        kind="fixed",
        amount=1_000,
    )
    sign_in_ops(client, make_ops("Support"))

    url = reverse("growth_ops:batch_csv", args=[batch.public_id])
    assert client.get(url).status_code == 403


# --- Campaigns ------------------------------------------------------------------------


def test_the_list_shows_budget_and_spent_in_each_campaigns_own_currency(
    ops_client, grower, campaign
):
    other = services.create_campaign(
        user=grower,
        name="Taipei week",
        kind="promotion",
        currency="TWD",
        budget_amount=None,
    )
    Campaign.objects.filter(pk=other.pk).update(spent_amount=120_00)
    services.create_coupon(
        user=grower,
        campaign_id=campaign.public_id,
        code="SPRING10",
        kind="fixed",
        amount=10_00,
    )
    Coupon.objects.filter(code="SPRING10").update(uses=3)

    page = ops_client.get(reverse("growth_ops:campaigns")).content.decode()

    assert "Spring clean" in page
    assert "Taipei week" in page
    assert "CN¥500.00" in page  # the budget, in yuan
    assert "NT$120.00" in page  # spent, in Taiwan dollars, never mixed
    assert "No cap" in page
    row = page.split(f'data-campaign="{campaign.public_id}"')[1].split("</tr>")[0]
    assert '<td class="num">1</td>' in row  # one code
    assert '<td class="num">3</td>' in row  # used three times


def test_creating_a_campaign_with_a_provider_by_email_is_audited(ops_client):
    owner = make_provider(user=make_user(email="influencer@example.com"))

    response = ops_client.post(
        reverse("growth_ops:campaign_create"),
        {
            "name": "Mei's followers",
            "kind": "influencer",
            "funded_by": "platform",
            "currency": "cny",
            "budget": "1000.50",
            "owner": "INFLUENCER@example.com",
            "owner_share": "10",
            "utm_campaign": "mei",
        },
    )

    campaign = Campaign.objects.get(name="Mei's followers")
    assert response.status_code == 302
    assert response.url == reverse("growth_ops:campaign", args=[campaign.public_id])
    assert campaign.currency == "CNY"
    assert campaign.budget_amount == 1000_50
    assert campaign.owner == owner
    assert campaign.owner_share_bps == 1_000
    entry = AuditEntry.objects.get(action="growth.create_campaign")
    assert entry.target_id == campaign.public_id


def test_a_campaign_form_with_bad_input_shows_errors_beside_fields(ops_client):
    before = _counts()

    response = ops_client.post(
        reverse("growth_ops:campaign_create"),
        {
            "name": "",
            "kind": "promotion",
            "funded_by": "provider",
            "currency": "XXQ",
            "budget": "10.555",
            "owner": "nobody@example.com",
        },
    )

    assert response.status_code == 400
    form = response.context["form"]
    assert "name" in form.errors
    assert "currency" in form.errors
    assert "owner" in form.errors
    assert _counts() == before


def test_the_services_refusal_is_shown_beside_its_field(ops_client):
    # A provider-funded campaign without its provider: the service refuses.
    before = _counts()

    response = ops_client.post(
        reverse("growth_ops:campaign_create"),
        {
            "name": "Own",
            "kind": "promotion",
            "funded_by": "provider",
            "currency": "CNY",
        },
    )

    assert response.status_code == 400
    assert "provider" in response.context["form"].errors
    assert _counts() == before


def test_a_share_without_its_owner_is_refused_beside_the_owner(ops_client):
    # The service's rule (the API's too), shown beside the form's field.
    before = _counts()

    response = ops_client.post(
        reverse("growth_ops:campaign_create"),
        {
            "name": "Influencer",
            "kind": "influencer",
            "funded_by": "platform",
            "currency": "CNY",
            "owner_share": "10",
        },
    )

    assert response.status_code == 400
    assert "owner" in response.context["form"].errors
    assert _counts() == before


def test_pause_needs_a_reason_and_is_audited(ops_client, campaign):
    url = reverse("growth_ops:campaign_status", args=[campaign.public_id])
    before = _counts()

    refused = ops_client.post(url, {"status-status": "paused", "status-reason": ""})

    assert refused.status_code == 400
    assert "reason" in refused.context["status_form"].errors
    assert _counts() == before

    done = ops_client.post(
        url, {"status-status": "paused", "status-reason": "Partner asked"}
    )

    assert done.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.PAUSED
    entry = AuditEntry.objects.get(action="growth.set_campaign_status")
    assert entry.reason == "Partner asked"
    assert entry.before == {"status": "active"}
    assert entry.after == {"status": "paused"}


def test_adding_a_code_shows_it_with_its_uses_and_a_taken_code_beside_the_field(
    ops_client, campaign
):
    url = reverse("growth_ops:coupon_create", args=[campaign.public_id])
    data = {
        "code": "spring-10",
        "kind": "percent",
        "percent": "12.5",
        "cap": "30",
        "per_user_limit": "1",
        "max_uses": "100",
    }

    assert ops_client.post(url, data).status_code == 302
    coupon = Coupon.objects.get(code="SPRING-10")
    assert (coupon.percent_bps, coupon.cap_amount, coupon.max_uses) == (1250, 3000, 100)
    assert AuditEntry.objects.filter(action="growth.create_coupon").count() == 1
    page = ops_client.get(reverse("growth_ops:campaign", args=[campaign.public_id]))
    assert "SPRING-10" in page.content.decode()
    assert "0 / 100" in page.content.decode()

    before = _counts()
    again = ops_client.post(url, data)

    assert again.status_code == 400
    assert "code" in again.context["coupon_form"].errors
    assert _counts() == before


def test_a_bad_code_changes_nothing(ops_client, campaign):
    url = reverse("growth_ops:coupon_create", args=[campaign.public_id])
    before = _counts()

    response = ops_client.post(
        url,
        {"code": "no spaces!", "kind": "fixed", "amount": "0", "per_user_limit": "1"},
    )

    assert response.status_code == 400
    assert "code" in response.context["coupon_form"].errors
    assert _counts() == before


def test_a_batch_is_made_audited_and_downloads_as_csv(ops_client, campaign):
    response = ops_client.post(
        reverse("growth_ops:batch_create", args=[campaign.public_id]),
        {
            "batch-prefix": "acme",
            "batch-count": "3",
            "batch-kind": "fixed",
            "batch-amount": "25.50",
            "batch-first_order_only": "on",
        },
    )

    assert response.status_code == 302
    batch = CodeBatch.objects.get()
    assert batch.count == 3
    assert AuditEntry.objects.filter(action="growth.create_batch").count() == 1
    Coupon.objects.filter(batch=batch).order_by("code").filter(
        pk=Coupon.objects.filter(batch=batch).order_by("code").first().pk
    ).update(uses=1)

    download = ops_client.get(reverse("growth_ops:batch_csv", args=[batch.public_id]))

    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/csv")
    assert f'filename="ACME-{batch.public_id}.csv"' in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert rows[0] == ["code", "discount", "currency", "valid_until", "used"]
    codes = sorted(Coupon.objects.filter(batch=batch).values_list("code", flat=True))
    assert [row[0] for row in rows[1:]] == codes
    assert all(row[0].startswith("ACME-") for row in rows[1:])
    assert {tuple(row[1:3]) for row in rows[1:]} == {("25.50", "CNY")}
    assert [row[4] for row in rows[1:]] == ["yes", "no", "no"]


def test_a_batch_with_bad_input_shows_errors_and_makes_nothing(ops_client, campaign):
    before = _counts()

    response = ops_client.post(
        reverse("growth_ops:batch_create", args=[campaign.public_id]),
        {"batch-prefix": "a-b", "batch-count": "9999", "batch-kind": "fixed"},
    )

    assert response.status_code == 400
    assert response.context["batch_form"].errors
    assert _counts() == before


def test_an_unknown_campaign_is_not_found(ops_client):
    assert ops_client.get("/ops/growth/campaigns/cmp_nope/").status_code == 404
    assert ops_client.get("/ops/growth/batches/bat_nope.csv").status_code == 404


# --- The quarantine queue -------------------------------------------------------------


@pytest.fixture
def programme(grower):
    return Campaign.objects.create(
        name="Invite a friend",
        kind=Campaign.Kind.REFERRAL,
        currency="CNY",
        reward_amount=30_00,
        budget_amount=1_000_00,
    )


def _held(*, score: int, reasons: list[str], name: str = "") -> Referral:
    inviter = make_user(name=name or "Inviter")
    invitee = make_user(name="Invitee " + (name or "x"))
    order = make_order(listing=make_listing(price=200_00), customer=invitee)
    return Referral.objects.create(
        code=ReferralCode.objects.create(user=inviter, code=f"C{inviter.pk}"),
        inviter=inviter,
        invitee=invitee,
        order=order,
        status=Referral.Status.QUARANTINED,
        risk_score=score,
        reasons=reasons,
    )


def test_the_queue_lists_held_referrals_riskiest_first_with_their_reasons(
    ops_client, programme
):
    low = _held(score=55, reasons=["shared_address", "budget_spent"], name="Low")
    high = _held(score=90, reasons=["shared_card"], name="High")

    page = ops_client.get(reverse("growth_ops:referrals")).content.decode()

    assert page.index(high.public_id) < page.index(low.public_id)
    assert "Same payment card as the inviter" in page
    assert "Same address as the inviter" in page
    assert high.inviter.public_id in page
    assert "High" in page
    assert high.invitee.public_id in page
    assert reverse("orders:ops_detail", args=[high.order.public_id]) in page
    assert "Risk 90 / 100" in page


def test_a_reason_the_rules_do_not_know_is_shown_as_stored():
    assert reason_label("shared_device") == "Same device as the inviter"
    assert reason_label("something_new") == "something_new"


def test_releasing_pays_the_inviter_and_is_audited(ops_client, programme):
    referral = _held(score=60, reasons=["shared_device"])

    response = ops_client.post(
        reverse("growth_ops:referral_review", args=[referral.public_id]),
        {"decision": "release", "note": "Flatmates, checked"},
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REWARDED
    assert referral.review_note == "Flatmates, checked"
    lot = RewardLot.objects.get(user=referral.inviter, kind=RewardLot.Kind.CREDIT)
    assert (lot.kind, lot.amount, lot.currency) == ("credit", 30_00, "CNY")
    entry = AuditEntry.objects.get(action="growth.release_referral")
    assert entry.reason == "Flatmates, checked"


def test_rejecting_pays_nothing_and_is_audited(ops_client, programme):
    referral = _held(score=95, reasons=["self_referral"])

    response = ops_client.post(
        reverse("growth_ops:referral_review", args=[referral.public_id]),
        {"decision": "reject", "note": "Same person"},
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REJECTED
    assert not RewardLot.objects.exists()
    assert AuditEntry.objects.filter(action="growth.reject_referral").count() == 1


def test_a_review_without_a_note_changes_nothing(ops_client, programme):
    referral = _held(score=60, reasons=["shared_device"])
    before = _counts()

    response = ops_client.post(
        reverse("growth_ops:referral_review", args=[referral.public_id]),
        {"decision": "release", "note": ""},
    )

    assert response.status_code == 400
    rows = response.context["rows"]
    assert "note" in rows[0]["form"].errors
    referral.refresh_from_db()
    assert referral.status == Referral.Status.QUARANTINED
    assert _counts() == before


def test_ops_without_growth_cannot_release(client, programme):
    referral = _held(score=60, reasons=["shared_device"])
    sign_in_ops(client, make_ops("Finance"))

    response = client.post(
        reverse("growth_ops:referral_review", args=[referral.public_id]),
        {"decision": "release", "note": "ok"},
    )

    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.status == Referral.Status.QUARANTINED
    assert not RewardLot.objects.exists()


def test_a_decided_referral_is_refused_clearly(ops_client, programme):
    referral = _held(score=60, reasons=["shared_device"])
    url = reverse("growth_ops:referral_review", args=[referral.public_id])
    ops_client.post(url, {"decision": "reject", "note": "no"})

    response = ops_client.post(url, {"decision": "release", "note": "yes"}, follow=True)

    assert "already decided" in response.content.decode()
    assert not RewardLot.objects.exists()


def test_the_ops_home_counts_held_referrals_for_those_who_run_growth(
    ops_client, client, programme
):
    _held(score=60, reasons=["shared_device"])
    _held(score=70, reasons=["shared_card"])
    referral = _held(score=70, reasons=["shared_card"])
    Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.REWARDED)

    queue = queue_by_key("held_referrals")
    assert summarise(queue).count == 2
    home = ops_client.get(reverse("backoffice:home")).content.decode()
    row = home.split('data-queue="held_referrals"')[1].split("</tr>")[0]
    assert reverse("growth_ops:referrals") in row
    assert "<td>2</td>" in row

    client.logout()
    sign_in_ops(client, make_ops("Finance"))
    assert 'data-queue="held_referrals"' not in client.get("/ops/").content.decode()


def test_a_code_can_be_kept_to_one_category_and_a_missing_one_is_refused(
    ops_client, campaign
):
    from tests.factories import make_category

    make_category("deep-cleaning")
    url = reverse("growth_ops:coupon_create", args=[campaign.public_id])
    data = {"code": "CLEAN5", "kind": "fixed", "amount": "5", "per_user_limit": "1"}

    refused = ops_client.post(url, data | {"category": "no-such-category"})
    assert refused.status_code == 400
    assert "category" in refused.context["coupon_form"].errors
    assert not Coupon.objects.filter(code="CLEAN5").exists()

    assert ops_client.post(url, data | {"category": "deep-cleaning"}).status_code == 302
    coupon = Coupon.objects.get(code="CLEAN5")
    assert coupon.category.slug == "deep-cleaning"
    assert coupon.city is None
