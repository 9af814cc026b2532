"""Growth in the demo (issue 15): campaigns, codes with uses, a partner's
batch, referrals rewarded, joined and held for ops with their reasons, points
with their history (an expired lot, points spent on an order), touches
claimed by accounts — all made through the growth services, with the books
balanced."""

import pytest
from django.db.models import Sum
from django.utils import timezone

from doorstep.demo.builders import DEMO_LOGINS, build_demo
from doorstep.growth.models import (
    Campaign,
    CodeBatch,
    Coupon,
    Redemption,
    Referral,
    RewardLot,
    RewardMove,
    Touch,
)
from doorstep.payments.models import AccountKind, LedgerAccount, Posting
from doorstep.payments.reconciliation import reconcile

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_campaigns_codes_referrals_and_points():
    # Given the demo built through the services, with its past
    report = build_demo(providers=30, customers=30, orders=24, now=timezone.now())
    customer = next(login for login in DEMO_LOGINS if login.role == "customer")

    # then there is a referral programme per currency, with its welcome code
    programmes = Campaign.objects.filter(kind=Campaign.Kind.REFERRAL)
    assert set(programmes.values_list("currency", flat=True)) == {
        "CNY",
        "TWD",
        "HKD",
        "USD",
    }
    for programme in programmes:
        assert programme.reward_amount > 0
        assert programme.budget_amount
        assert programme.coupons.get().first_order_only
    # and the other kinds: a paused promotion, a provider's own, an influencer's
    paused = Campaign.objects.get(status=Campaign.Status.PAUSED)
    assert paused.coupons.get().uses == 1  # used before it was paused
    own = Campaign.objects.get(funded_by=Campaign.FundedBy.PROVIDER)
    assert own.provider.user.email == "provider@demo.doorstep.dev"
    influencer = Campaign.objects.get(kind=Campaign.Kind.INFLUENCER)
    assert influencer.owner_share_bps > 0
    assert influencer.owner is not None
    spring = Coupon.objects.get(code="SPRING20")
    assert spring.kind == Coupon.Kind.PERCENT
    assert spring.cap_amount
    assert spring.category is not None
    assert spring.valid_until is not None
    # and a partner's batch of fifty single-use codes, a few of them used
    batch = CodeBatch.objects.get()
    assert batch.coupons.count() == batch.count == 50
    assert all(code.max_uses == 1 for code in batch.coupons.all())
    assert 1 <= batch.coupons.filter(uses=1).count() < 50

    # and codes were used on orders, counted against their campaigns
    assert Coupon.objects.filter(uses__gt=0).count() >= 4, report.growth
    redemptions = Redemption.objects.filter(status=Redemption.Status.ACTIVE)
    assert redemptions.filter(referral__isnull=False).exists()
    assert redemptions.filter(funded_by=Campaign.FundedBy.PROVIDER).exists()
    for campaign in Campaign.objects.exclude(kind=Campaign.Kind.INFLUENCER):
        discounts = redemptions.filter(campaign=campaign).aggregate(s=Sum("amount"))
        rewards = Referral.objects.filter(
            status=Referral.Status.REWARDED, currency=campaign.currency
        ).aggregate(s=Sum("reward_amount"))
        paid = (rewards["s"] or 0) if campaign.kind == Campaign.Kind.REFERRAL else 0
        assert campaign.spent_amount == (discounts["s"] or 0) + paid, campaign
    for _order_id, discount in redemptions.values_list("order", "amount"):
        assert discount > 0

    # and the demo customer's friends: rewarded, joined, held with reasons
    mine = Referral.objects.filter(inviter__email=customer.email)
    statuses = set(mine.values_list("status", flat=True))
    assert {"rewarded", "joined", "quarantined"} <= statuses, report.growth
    rewarded = mine.get(status=Referral.Status.REWARDED)
    credit = RewardLot.objects.get(
        user__email=customer.email,
        kind=RewardLot.Kind.CREDIT,
        source_ref=rewarded.public_id,
    )
    assert credit.amount == rewarded.reward_amount > 0
    held = Referral.objects.filter(status=Referral.Status.QUARANTINED)
    assert held.count() >= 2
    for referral in held:
        assert referral.reasons
        assert referral.risk_score >= 50
    assert "shared_device" in mine.get(status="quarantined").reasons
    # and the demo provider invited a provider
    assert Referral.objects.filter(
        inviter__email="provider@demo.doorstep.dev",
        invitee__provider_profile__isnull=False,
    ).exists()

    # and points with their history: earned on orders, one lot expired, spent
    points = RewardLot.objects.filter(kind=RewardLot.Kind.POINTS)
    assert points.filter(source=RewardLot.Source.ORDER).count() >= 5
    expired = points.get(expired_at__isnull=False)
    assert expired.remaining == 0
    assert expired.moves.filter(kind=RewardMove.Kind.EXPIRED).exists()
    spent = RewardMove.objects.filter(
        kind=RewardMove.Kind.SPENT, lot__user__email=customer.email
    )
    assert spent.exists()
    assert all(move.order_id for move in spent)
    for lot in RewardLot.objects.all():
        assert lot.remaining == sum(lot.moves.values_list("change", flat=True))

    # and visitors' touches, claimed by the accounts they became
    touches = Touch.objects.all()
    assert {"referral", "coupon", "campaign"} <= set(
        touches.values_list("source", flat=True)
    )
    assert touches.filter(user__isnull=False).exists()
    assert touches.filter(user__isnull=True).exists()

    # and the books balance, the liabilities are the open lots
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
    for kind, account_kind in (
        (RewardLot.Kind.POINTS, AccountKind.POINTS_LIABILITY),
        (RewardLot.Kind.CREDIT, AccountKind.CREDIT_LIABILITY),
    ):
        for account in LedgerAccount.objects.filter(kind=account_kind):
            owed = RewardLot.objects.filter(
                kind=kind, currency=account.currency
            ).aggregate(s=Sum("remaining"))["s"]
            assert account.balance == (owed or 0), (kind, account.currency)
    assert reconcile() == []
    assert report.growth["growth_stories_stopped"] == 0, report.growth
    assert report.growth["growth_codes_refused"] == 0, report.growth
