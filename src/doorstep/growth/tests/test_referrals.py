"""Referrals through the services: a friend joins through a code, gets the
welcome discount on a first order, and the inviter is paid once that order's
dispute window passes — or held for ops when the two accounts look like one."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from doorstep.core.errors import DomainError, PermissionDenied
from doorstep.growth import checkout, referrals, rewards
from doorstep.growth.models import Campaign, Coupon, Referral, RewardLot
from doorstep.orders.models import Order
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import LedgerAccount
from tests.factories import make_listing, make_ops, make_order, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _programme(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SERVICE_FEE_BPS = 500
    campaign = Campaign.objects.create(
        name="Invite a friend",
        kind=Campaign.Kind.REFERRAL,
        currency="CNY",
        reward_amount=3_000,
        budget_amount=100_000,
    )
    Coupon.objects.create(
        code="WELCOME-CNY",
        campaign=campaign,
        kind=Coupon.Kind.FIXED,
        amount=2_000,
        currency="CNY",
        first_order_only=True,
    )


def _done_long_ago(order: Order) -> Order:
    """The order was completed and its dispute window has passed."""
    Order.objects.filter(pk=order.pk).update(
        state="completed", state_changed_at=timezone.now() - timedelta(days=30)
    )
    order.refresh_from_db()
    return order


def _seen(user, *, device: str, ip: str) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    request.COOKIES[referrals.DEVICE_COOKIE] = device
    referrals.record_sighting(user, request)


def test_a_friend_gets_the_welcome_discount_and_the_inviter_credit_later():
    inviter, friend = make_user(name="Mei Lin"), make_user()
    code = referrals.code_for(inviter)
    assert code.code.startswith("MEI")
    assert referrals.code_for(inviter) == code
    _seen(inviter, device="phone-a", ip="10.1.1.1")
    _seen(friend, device="phone-b", ip="10.9.9.9")

    referral = referrals.attach(invitee=friend, code=code.code.lower())
    order = make_order(
        listing=make_listing(price=20_000), customer=friend, state="awaiting_payment"
    )
    perks = checkout.apply(order=order, user=friend, code=code.code)

    assert perks.code_amount == 2_000
    assert referral.status == Referral.Status.JOINED
    # Not before the dispute window has passed.
    assert rewards.settle_due() == 0
    _done_long_ago(order)
    assert rewards.settle_due() == 1
    assert rewards.settle_due() == 0

    referral.refresh_from_db()
    assert referral.status == Referral.Status.REWARDED
    credit = RewardLot.objects.get(user=inviter, kind=RewardLot.Kind.CREDIT)
    assert (credit.amount, credit.currency) == (3_000, "CNY")
    points = RewardLot.objects.get(user=friend, kind=RewardLot.Kind.POINTS)
    assert points.amount == order.total_amount // 100
    assert LedgerAccount.objects.get(kind=K.CREDIT_LIABILITY).balance == 3_000
    assert Campaign.objects.get(kind="referral").spent_amount == 2_000 + 3_000

    # And the inviter spends it on their own booking.
    own = make_order(
        listing=make_listing(price=10_000), customer=inviter, state="awaiting_payment"
    )
    assert checkout.apply(order=own, user=inviter, use_credit=True).credit_amount == (
        3_000
    )


def test_a_referral_code_is_not_a_code_for_anyone_else():
    inviter, stranger = make_user(), make_user()
    code = referrals.code_for(inviter).code
    order = make_order(
        listing=make_listing(price=20_000), customer=stranger, state="awaiting_payment"
    )

    with pytest.raises(DomainError):
        checkout.apply(order=order, user=stranger, code=code)
    own = make_order(
        listing=make_listing(price=20_000), customer=inviter, state="awaiting_payment"
    )
    with pytest.raises(DomainError) as self_use:
        checkout.apply(order=own, user=inviter, code=code)
    assert "your own code" in self_use.value.message


def test_one_self_referral_is_held_with_its_reasons_and_ops_decide():
    inviter = make_user()
    second_account = make_user()
    _seen(inviter, device="same-phone", ip="10.1.1.1")
    _seen(second_account, device="same-phone", ip="10.1.1.1")
    referrals.attach(invitee=second_account, code=referrals.code_for(inviter).code)
    order = make_order(listing=make_listing(price=20_000), customer=second_account)
    _done_long_ago(order)

    rewards.settle_due()

    referral = Referral.objects.get()
    assert referral.status == Referral.Status.QUARANTINED
    assert "shared_device" in referral.reasons
    assert referral.risk_score >= 50
    assert not RewardLot.objects.filter(user=inviter).exists()
    assert referrals.held() == [referral]

    with pytest.raises(PermissionDenied):
        referrals.review(
            user=make_user(), referral_id=referral.public_id, release=True, note="ok"
        )
    ops = make_ops("Trust & safety")
    decided = referrals.review(
        user=ops, referral_id=referral.public_id, release=False, note="One phone."
    )
    assert decided.status == Referral.Status.REJECTED
    assert not RewardLot.objects.filter(user=inviter, kind="credit").exists()
    with pytest.raises(DomainError) as twice:
        referrals.review(
            user=ops, referral_id=referral.public_id, release=True, note="changed"
        )
    assert twice.value.code == "referral_decided"


def test_sign_ups_beyond_the_velocity_limit_are_never_rewarded(settings):
    inviter = make_user()
    code = referrals.code_for(inviter).code

    made = [referrals.attach(invitee=make_user(), code=code) for _ in range(8)]

    statuses = [referral.status for referral in made]
    assert statuses.count(Referral.Status.JOINED) <= 5
    assert Referral.Status.REJECTED in statuses
    assert referrals.attach(invitee=inviter, code=code) is None


def test_the_welcome_offer_is_only_through_a_friends_code():
    stranger = make_user()
    order = make_order(
        listing=make_listing(price=20_000), customer=stranger, state="awaiting_payment"
    )

    with pytest.raises(DomainError) as refused:
        checkout.apply(order=order, user=stranger, code="WELCOME-CNY")

    assert "friend's invitation" in refused.value.message
    assert Coupon.objects.get(code="WELCOME-CNY").uses == 0


def test_the_inviter_hears_when_a_friend_joins_and_when_they_are_paid():
    from doorstep.events.models import Event
    from doorstep.growth.notices import plan_for

    inviter, friend = make_user(name="Mei Lin"), make_user(name="Dan Wu")
    referral = referrals.attach(invitee=friend, code=referrals.code_for(inviter).code)
    joined = Event.objects.get(topic="growth.referral_joined")
    (notice,) = plan_for(joined)
    assert (notice.recipient, notice.wording, notice.params["friend"]) == (
        inviter,
        "referral_joined",
        "Dan",
    )
    order = make_order(listing=make_listing(price=20_000), customer=friend)
    _done_long_ago(order)

    rewards.settle_due()

    referral.refresh_from_db()
    assert referral.status == Referral.Status.REWARDED
    (paid,) = plan_for(Event.objects.get(topic="growth.referral_rewarded"))
    assert paid.wording == "referral_rewarded"
    assert paid.params["amount"].amount == 3_000
    (points,) = plan_for(Event.objects.get(topic="growth.points_earned"))
    assert points.recipient == friend


def test_a_provider_who_brings_a_provider_is_paid_after_their_first_jobs(settings):
    from doorstep.accounts.models import ProviderProfile

    settings.DOORSTEP_REFERRAL_PROVIDER_JOBS = 2
    inviter_listing = make_listing(price=20_000)
    inviter = inviter_listing.provider.user
    newcomer = make_user(name="Ling Zhao")
    referrals.attach(invitee=newcomer, code=referrals.code_for(inviter).code)
    listing = make_listing(price=20_000)
    ProviderProfile.objects.filter(pk=listing.provider.pk).update(user=newcomer)
    listing.provider.refresh_from_db()
    first = make_order(listing=listing, starts_in=timedelta(days=3))
    _done_long_ago(first)

    rewards.settle_due()
    assert Referral.objects.get().status == Referral.Status.JOINED

    second = make_order(listing=listing, starts_in=timedelta(days=5))
    _done_long_ago(second)
    rewards.settle_due()

    referral = Referral.objects.get()
    assert referral.status == Referral.Status.REWARDED
    assert referral.order == second
    pending = LedgerAccount.objects.get(
        kind=K.PROVIDER_PENDING, provider=inviter_listing.provider
    )
    assert pending.balance == 3_000
    assert not RewardLot.objects.filter(user=inviter, kind="credit").exists()


def test_an_influencers_code_pays_its_owner_a_share_once_the_window_passes():
    owner = make_listing(price=10_000).provider
    campaign = Campaign.objects.create(
        name="Wang Li's followers",
        kind=Campaign.Kind.INFLUENCER,
        currency="CNY",
        owner=owner,
        owner_share_bps=500,
    )
    Coupon.objects.create(
        code="WANGLI10",
        campaign=campaign,
        kind=Coupon.Kind.PERCENT,
        percent_bps=1_000,
        currency="CNY",
    )
    follower = make_user()
    order = make_order(
        listing=make_listing(price=20_000), customer=follower, state="awaiting_payment"
    )
    checkout.apply(order=order, user=follower, code="WANGLI10")
    _done_long_ago(order)

    rewards.settle_due()
    rewards.settle_due()

    pending = LedgerAccount.objects.get(kind=K.PROVIDER_PENDING, provider=owner)
    assert pending.balance == 1_000  # 5% of the 200.00 price
    campaign.refresh_from_db()
    assert campaign.spent_amount == 2_000 + 1_000


def test_a_first_review_earns_points_once():
    from doorstep.events.models import Event
    from doorstep.growth.consumers import on_review_event
    from doorstep.reviews import services
    from doorstep.reviews.models import Review

    customer = make_user()
    reviews = []
    for days in (3, 6):
        order = make_order(
            listing=make_listing(price=10_000),
            customer=customer,
            starts_in=timedelta(days=days),
        )
        Order.objects.filter(pk=order.pk).update(state="completed")
        review = services.submit_review(
            order=order, author=customer, stars=5, text="Lovely"
        )
        Review.objects.filter(pk=review.pk).update(revealed_at=timezone.now())
        reviews.append(review)

    for review in (*reviews, reviews[0]):
        on_review_event(Event(topic="review.revealed", subject=review.public_id))

    (lot,) = RewardLot.objects.filter(user=customer, source="first_review")
    assert (lot.amount, lot.source_ref) == (200, reviews[0].public_id)
