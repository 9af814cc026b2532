"""Changing plan mid-period: the figures (rounded down, both sides), what the
card and the ledger see, and the invariants under any moment and prices."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.core.errors import Conflict
from doorstep.payments.flows import PaymentError
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import JournalEntry, LedgerAccount, Posting
from doorstep.subscriptions import services
from doorstep.subscriptions.models import Subscription, SubscriptionCharge
from doorstep.subscriptions.pricing import add_interval, prorate
from doorstep.subscriptions.tests.conftest import CARD_DECLINED, make_plan, save_card
from tests.factories import make_provider

START = datetime(2026, 3, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)  # 31 days


def _balance(kind) -> int:
    account = LedgerAccount.objects.filter(kind=kind, currency="CNY").first()
    return account.balance if account else 0


def test_a_change_at_a_third_of_the_month_credits_and_charges_two_thirds():
    at = START + (END - START) / 3
    figures = prorate(
        old_amount=3_000, new_amount=9_000, period_start=START, period_end=END, at=at
    )
    # 3000 × 2/3 = 2000 and 9000 × 2/3 = 6000 (exact here, floored in general)
    assert (figures.credit, figures.charge, figures.net) == (2_000, 6_000, 4_000)
    assert (figures.period_start, figures.period_end) == (START, END)


def test_figures_are_rounded_down_to_the_minor_unit():
    at = START + timedelta(days=10)  # 21 of 31 days left
    figures = prorate(
        old_amount=1_000, new_amount=2_000, period_start=START, period_end=END, at=at
    )
    assert figures.credit == 1_000 * 21 // 31 == 677  # 677.4…
    assert figures.charge == 2_000 * 21 // 31 == 1_354  # 1354.8…


def test_an_interval_change_starts_a_new_period_at_full_price():
    at = START + timedelta(days=10)
    figures = prorate(
        old_amount=3_000,
        new_amount=30_000,
        period_start=START,
        period_end=END,
        at=at,
        new_interval_end=add_interval(at, "year"),
    )
    assert figures.charge == 30_000
    assert figures.credit == 3_000 * 21 // 31
    assert (figures.period_start, figures.period_end) == (at, add_interval(at, "year"))


def test_months_keep_the_day_or_take_the_last_one():
    assert add_interval(datetime(2026, 1, 31, tzinfo=UTC), "month") == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert add_interval(datetime(2026, 12, 15, tzinfo=UTC), "month") == datetime(
        2027, 1, 15, tzinfo=UTC
    )
    assert add_interval(datetime(2028, 2, 29, tzinfo=UTC), "year") == datetime(
        2029, 2, 28, tzinfo=UTC
    )


@given(
    old=st.integers(min_value=1, max_value=10**9),
    new=st.integers(min_value=1, max_value=10**9),
    seconds=st.integers(min_value=-(10**6), max_value=40 * 86_400),
)
def test_credit_and_charge_never_exceed_the_two_prices(old, new, seconds):
    figures = prorate(
        old_amount=old,
        new_amount=new,
        period_start=START,
        period_end=END,
        at=START + timedelta(seconds=seconds),
    )
    assert 0 <= figures.credit <= old
    assert 0 <= figures.charge <= new
    assert figures.credit + figures.charge <= old + new


# --- Through the services, the gateway and the ledger ------------------------------


def _wind_back(subscription: Subscription, *, elapsed: timedelta) -> None:
    """Pretend the current period began ``elapsed`` ago."""
    length = subscription.current_period_end - subscription.current_period_start
    start = timezone.now() - elapsed
    Subscription.objects.filter(pk=subscription.pk).update(
        current_period_start=start, current_period_end=start + length
    )


def _entries_balance() -> bool:
    return all(
        sum(Posting.objects.filter(entry=entry).values_list("amount", flat=True)) == 0
        for entry in JournalEntry.objects.all()
    )


@pytest.mark.django_db
def test_an_upgrade_is_charged_the_difference_and_takes_effect(
    provider, card, basic, pro
):
    # given Basic (30.00/month) bought on 1 March
    services.subscribe(
        user=provider.user,
        plan_id=basic.public_id,
        interval="month",
        currency="CNY",
        now=START,
    )

    # when the provider moves to Pro (90.00) on 11 March, 21 of 31 days left
    subscription = services.change_plan(
        user=provider.user, plan_id=pro.public_id, now=START + timedelta(days=10)
    )

    # then 9000×21/31 − 3000×21/31 (each rounded down) is charged at once
    change = subscription.charges.get(reason="change")
    assert (change.credit, change.amount) == (2_032, 6_096 - 2_032)
    assert change.status == "succeeded"
    assert (subscription.plan, subscription.amount) == (pro, 9_000)
    assert (subscription.current_period_start, subscription.current_period_end) == (
        START,
        END,
    )
    assert _balance(K.SUBSCRIPTION_REVENUE) == 3_000 + 4_064
    assert _balance(K.GATEWAY_FUNDS) == 3_000 + 4_064
    assert _entries_balance()


@pytest.mark.django_db
def test_a_refused_upgrade_changes_nothing(provider, card, basic, pro):
    subscription = services.subscribe(
        user=provider.user, plan_id=basic.public_id, interval="month", currency="CNY"
    )
    declined = save_card(provider.user, CARD_DECLINED)
    Subscription.objects.filter(pk=subscription.pk).update(payment_method=declined)

    with pytest.raises(PaymentError):
        services.change_plan(user=provider.user, plan_id=pro.public_id)

    subscription.refresh_from_db()
    assert subscription.plan == basic
    assert subscription.amount == 3_000
    assert _balance(K.SUBSCRIPTION_REVENUE) == 3_000
    with pytest.raises(Conflict):
        services.change_plan(user=provider.user, plan_id=basic.public_id)


@pytest.mark.django_db
def test_a_downgrade_refunds_the_unused_difference_to_the_card(
    provider, card, basic, pro
):
    services.subscribe(
        user=provider.user,
        plan_id=pro.public_id,
        interval="month",
        currency="CNY",
        now=START,
    )

    # 16 of 31 days left: credit 9000×16/31 = 4645, Basic for them 1548
    subscription = services.change_plan(
        user=provider.user, plan_id=basic.public_id, now=START + timedelta(days=15)
    )

    change = subscription.charges.get(reason="change")
    refund = subscription.charges.get(reason="refund")
    assert (change.credit, change.amount) == (4_645, 0)
    assert (refund.amount, refund.status) == (4_645 - 1_548, "succeeded")
    assert refund.refund_of.refunded_amount == 3_097
    assert subscription.plan == basic
    assert _balance(K.SUBSCRIPTION_REVENUE) == 9_000 - 3_097
    assert _balance(K.GATEWAY_FUNDS) == 9_000 - 3_097
    assert _entries_balance()


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    old=st.integers(min_value=100, max_value=50_000),
    new=st.integers(min_value=100, max_value=50_000),
    elapsed_hours=st.integers(min_value=0, max_value=27 * 24),
)
def test_any_change_keeps_the_ledger_balanced_and_within_the_prices(
    old, new, elapsed_hours
):
    provider = make_provider()
    save_card(provider.user)
    first = make_plan("Old", month=old)
    second = make_plan("New", month=new)
    subscription = services.subscribe(
        user=provider.user, plan_id=first.public_id, interval="month", currency="CNY"
    )
    _wind_back(subscription, elapsed=timedelta(hours=elapsed_hours))
    revenue_before = _balance(K.SUBSCRIPTION_REVENUE)

    subscription = services.change_plan(user=provider.user, plan_id=second.public_id)

    change = subscription.charges.get(reason="change")
    refunded = sum(
        subscription.charges.filter(reason="refund", status="succeeded").values_list(
            "amount", flat=True
        )
    )
    assert change.credit <= old
    assert change.amount + change.credit <= old + new
    assert refunded <= old
    assert _balance(K.SUBSCRIPTION_REVENUE) == revenue_before + change.amount - refunded
    assert _balance(K.GATEWAY_FUNDS) == _balance(K.SUBSCRIPTION_REVENUE)
    assert SubscriptionCharge.objects.filter(status="failed").count() == 0
    assert _entries_balance()
