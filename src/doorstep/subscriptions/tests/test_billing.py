"""Subscribing, renewing, dunning and plan changes, with the sandbox gateway
and the real ledger; renewals and retries happen by the periodic job, run as
the scheduler runs it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.models import Event
from doorstep.payments.flows import PaymentError
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import JournalEntry, LedgerAccount, Posting
from doorstep.periodic.jobs import JOBS_BY_NAME
from doorstep.subscriptions import services
from doorstep.subscriptions.billing import GRACE_DAYS, RETRY_AFTER_DAYS
from doorstep.subscriptions.models import Subscription, SubscriptionCharge
from doorstep.subscriptions.perks import NO_PERKS, perks_of
from doorstep.subscriptions.tests.conftest import CARD_DECLINED, CARD_OK, save_card
from tests.factories import make_provider, make_user

pytestmark = pytest.mark.django_db

Status = Subscription._meta.get_field("status").choices


def _balance(kind) -> int:
    account = LedgerAccount.objects.filter(kind=kind, currency="CNY").first()
    return account.balance if account else 0


def _run_billing_job():
    """What the scheduler calls for ``run_subscription_billing``."""
    return JOBS_BY_NAME["run_subscription_billing"].function()


def _period_over(subscription: Subscription) -> None:
    """Wind the subscription's period back so that it ended a moment ago."""
    length = subscription.current_period_end - subscription.current_period_start
    end = timezone.now() - timedelta(seconds=1)
    Subscription.objects.filter(pk=subscription.pk).update(
        current_period_start=end - length, current_period_end=end
    )


def _counts() -> tuple[int, ...]:
    return (
        Subscription.objects.count(),
        SubscriptionCharge.objects.count(),
        JournalEntry.objects.count(),
    )


def test_subscribing_charges_the_first_month_and_gives_the_perks(provider, card, pro):
    # when the provider subscribes monthly with their saved card
    subscription = services.subscribe(
        user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
    )

    # then the month is paid through the gateway and into the ledger
    assert subscription.status == "active"
    charge = subscription.charges.get()
    assert (charge.reason, charge.status, charge.amount) == (
        "first",
        "succeeded",
        9_000,
    )
    assert charge.gateway_charge_id.startswith("ch_sbx_")
    assert _balance(K.GATEWAY_FUNDS) == 9_000
    assert _balance(K.SUBSCRIPTION_REVENUE) == 9_000
    assert (
        subscription.current_period_end.month != subscription.current_period_start.month
    )
    # and the plan's perks apply
    perks = perks_of(provider)
    assert (perks.commission_discount_bps, perks.extra_quote_leads) == (300, 20)
    assert (perks.badge, perks.extra_photos) == ("Pro", 10)
    assert Event.objects.filter(topic="subscription.started").exists()


def test_a_declined_card_leaves_no_plan_and_no_money(provider, pro):
    save_card(provider.user, CARD_DECLINED)

    with pytest.raises(PaymentError) as refused:
        services.subscribe(
            user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
        )

    assert refused.value.code == "card_declined"
    assert perks_of(provider) == NO_PERKS
    assert Subscription.objects.get().status == "expired"
    assert JournalEntry.objects.count() == 0
    # and the provider may try again with another card
    save_card(provider.user, CARD_OK)
    services.subscribe(
        user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
    )
    assert perks_of(provider).badge == "Pro"


def test_bad_subscribe_requests_change_nothing(provider, card, pro, basic):
    services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )
    before = _counts()

    with pytest.raises(Conflict) as twice:
        services.subscribe(
            user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
        )
    assert twice.value.code == "subscription_active"
    with pytest.raises(Conflict) as no_price:
        services.subscribe(
            user=make_provider().user,
            plan_id=pro.public_id,
            interval="month",
            currency="USD",
        )
    assert no_price.value.code in {"plan_not_available"}
    with pytest.raises(NotFound):
        services.subscribe(
            user=make_user(), plan_id=pro.public_id, interval="month", currency="CNY"
        )
    someone = make_provider()
    with pytest.raises(DomainError) as no_card:
        services.subscribe(
            user=someone.user, plan_id=pro.public_id, interval="month", currency="CNY"
        )
    assert no_card.value.code == "card_required"
    with pytest.raises(NotFound):
        # another person's saved card
        services.subscribe(
            user=someone.user,
            plan_id=pro.public_id,
            interval="month",
            currency="CNY",
            method_id=card.public_id,
        )
    assert _counts() == before


def test_the_job_renews_due_plans_once(provider, card, basic):
    subscription = services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )
    assert _run_billing_job()["paid"] == 0  # not due yet
    _period_over(subscription)
    old_end = Subscription.objects.get().current_period_end

    result = _run_billing_job()
    again = _run_billing_job()

    subscription.refresh_from_db()
    assert result["paid"] == 1
    assert again["paid"] == 0
    assert subscription.current_period_start == old_end
    assert subscription.current_period_end > timezone.now()
    assert (
        subscription.charges.filter(reason="renewal", status="succeeded").count() == 1
    )
    assert _balance(K.SUBSCRIPTION_REVENUE) == 6_000
    assert Event.objects.filter(topic="subscription.renewed").exists()


def test_a_failed_renewal_is_retried_then_the_plan_expires(provider, card, pro):
    # given a subscriber whose card stops working before the renewal
    subscription = services.subscribe(
        user=provider.user, plan_id=pro.public_id, interval="month", currency="CNY"
    )
    declined = save_card(provider.user, CARD_DECLINED)
    Subscription.objects.filter(pk=subscription.pk).update(payment_method=declined)
    _period_over(subscription)

    # when the job renews it
    assert _run_billing_job()["failed"] == 1

    # then the plan is past due, perks kept for now, a retry booked a day on
    subscription.refresh_from_db()
    renewal = subscription.charges.get(reason="renewal")
    assert subscription.status == "past_due"
    assert renewal.next_retry_at == subscription.past_due_since + timedelta(
        days=RETRY_AFTER_DAYS[0]
    )
    assert perks_of(provider).badge == "Pro"
    assert _run_billing_job()["failed"] == 0  # nothing due before the retry

    # each retry, when due, fails again and books the next one
    for index, days in enumerate(RETRY_AFTER_DAYS[1:], start=2):
        SubscriptionCharge.objects.filter(pk=renewal.pk).update(
            next_retry_at=timezone.now() - timedelta(seconds=1)
        )
        assert _run_billing_job()["failed"] == 1
        renewal.refresh_from_db()
        assert renewal.attempt_count == index
        assert renewal.next_retry_at == subscription.past_due_since + timedelta(
            days=days
        )
    SubscriptionCharge.objects.filter(pk=renewal.pk).update(
        next_retry_at=timezone.now() - timedelta(seconds=1)
    )
    _run_billing_job()
    renewal.refresh_from_db()
    assert renewal.attempt_count == len(RETRY_AFTER_DAYS) + 1
    assert renewal.next_retry_at is None
    assert Event.objects.filter(topic="subscription.payment_failed").count() == 4

    # when the grace period is over, the job ends the plan and its perks
    Subscription.objects.filter(pk=subscription.pk).update(
        past_due_since=timezone.now() - timedelta(days=GRACE_DAYS, seconds=1)
    )
    assert _run_billing_job()["expired"] == 1
    subscription.refresh_from_db()
    renewal.refresh_from_db()
    assert subscription.status == "expired"
    assert renewal.status == "abandoned"
    assert perks_of(provider) == NO_PERKS
    assert _balance(K.SUBSCRIPTION_REVENUE) == 9_000  # only the first month
    assert Event.objects.filter(topic="subscription.expired").exists()


def test_a_new_card_pays_the_failed_renewal_at_the_next_run(provider, card, basic):
    subscription = services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )
    declined = save_card(provider.user, CARD_DECLINED)
    Subscription.objects.filter(pk=subscription.pk).update(payment_method=declined)
    _period_over(subscription)
    _run_billing_job()

    services.set_subscription_card(user=provider.user, method_id=card.public_id)
    assert _run_billing_job()["paid"] == 1

    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert subscription.past_due_since is None
    assert Event.objects.filter(topic="subscription.recovered").exists()


def test_cancel_at_period_end_then_resume_or_end(provider, card, basic):
    subscription = services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )
    services.cancel_subscription(user=provider.user)
    assert perks_of(provider).badge == "Plus"  # until the period ends
    services.resume_subscription(user=provider.user)
    assert not Subscription.objects.get().cancel_at_period_end

    services.cancel_subscription(user=provider.user)
    _period_over(subscription)
    result = _run_billing_job()

    subscription.refresh_from_db()
    assert result["ended"] == 1
    assert result["paid"] == 0
    assert subscription.status == "cancelled"
    assert perks_of(provider) == NO_PERKS
    assert not subscription.charges.filter(reason="renewal").exists()


def test_cancel_at_once_ends_the_perks_now(provider, card, basic):
    services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )
    subscription = services.cancel_subscription(user=provider.user, at_once=True)

    assert perks_of(provider) == NO_PERKS
    before_the_end = subscription.ended_at - timedelta(microseconds=1)
    assert perks_of(provider, at=before_the_end).badge == "Plus"
    with pytest.raises(NotFound):
        services.cancel_subscription(user=provider.user)


def test_a_trial_starts_free_and_the_job_charges_when_it_ends(provider, card, basic):
    basic.trial_days = 14
    basic.save()
    subscription = services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )
    assert subscription.status == "trialing"
    assert not subscription.charges.exists()
    _period_over(subscription)

    _run_billing_job()

    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert _balance(K.SUBSCRIPTION_REVENUE) == 3_000


def test_someone_without_a_plan_cannot_change_or_cancel_one(provider, card, basic, pro):
    services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )
    stranger = make_provider()
    save_card(stranger.user)
    for action in (
        lambda: services.change_plan(user=stranger.user, plan_id=pro.public_id),
        lambda: services.cancel_subscription(user=stranger.user),
        lambda: services.resume_subscription(user=stranger.user),
    ):
        with pytest.raises(NotFound):
            action()
    assert Subscription.objects.get().plan == basic


def _entries_balance() -> bool:
    for entry in JournalEntry.objects.all():
        if sum(Posting.objects.filter(entry=entry).values_list("amount", flat=True)):
            return False
    return True
