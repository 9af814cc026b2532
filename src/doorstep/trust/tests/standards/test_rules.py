"""Penalty rules firing from real order events: a provider no-show reported by
the customer, a late cancellation by the provider; fines through the ledger
(from the available then pending balance, the rest owed and netted from later
earnings), idempotent under repeated delivery."""

from datetime import timedelta

import pytest

from doorstep.events.models import Event
from doorstep.notifications.models import Kind, Notification
from doorstep.payments import flows
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import JournalEntry
from doorstep.trust import standards
from doorstep.trust.standards_models import Fine, PenaltyRule, PenaltyTrigger, Strike
from doorstep.trust.tests.standards.helpers import (
    accepted_order,
    assert_ledger_balanced,
    balance,
    earned,
    started_late,
)

pytestmark = pytest.mark.django_db


def test_a_provider_no_show_gives_two_strikes_and_a_fine_from_the_pending_balance(
    listing, customer, fire, provider
):
    # Given a provider with earnings pending and a job they did not turn up to
    earned(listing, customer, fire)
    pending_before = balance(K.PROVIDER_PENDING, provider=provider)
    order = started_late(accepted_order(listing, customer, fire))

    # When the customer reports the no-show through the order process
    fire(order, "report_provider_no_show", user=customer)

    # Then the no-show rule fired: 2 strikes, a fine of 20% of the price
    strike = Strike.objects.get(provider=provider, order=order)
    assert strike.trigger == PenaltyTrigger.NO_SHOW
    assert strike.points == 2
    fine = Fine.objects.get(strike=strike)
    assert (fine.amount, fine.currency) == (2_000, "CNY")
    # taken from the pending balance (nothing available yet) to fines revenue
    assert balance(K.PROVIDER_PENDING, provider=provider) == pending_before - 2_000
    assert balance(K.PENALTY_REVENUE) == 2_000
    assert balance(K.PROVIDER_RECEIVABLE, provider=provider) == 0
    # the customer got all their money back, and the books balance
    assert balance(K.ORDER_ESCROW, order=order) == 0
    assert_ledger_balanced()
    # and the provider was told of the strike and of the warning it earned
    titles = set(
        Notification.objects.filter(
            recipient=provider.user, kind=Kind.STANDARDS
        ).values_list("title", flat=True)
    )
    assert titles == {
        "You received a strike and a fine",
        "A warning about your standards",
    }


def test_a_fine_the_provider_cannot_pay_is_owed_and_netted_from_later_earnings(
    listing, customer, fire, provider
):
    # Given a new provider with no balance who did not show up
    order = started_late(accepted_order(listing, customer, fire))

    # When the no-show is reported
    fire(order, "report_provider_no_show", user=customer)

    # Then no balance went negative: the fine is owed
    assert balance(K.PROVIDER_RECEIVABLE, provider=provider) == 2_000
    assert balance(K.PENALTY_REVENUE) == 2_000
    assert_ledger_balanced()

    # When they later complete a job and the debt job runs
    earned(listing, customer, fire)
    pending = balance(K.PROVIDER_PENDING, provider=provider)
    assert standards.collect_all_fine_debts() == {"collected": 1}

    # Then the debt is taken from the new earnings, once
    assert balance(K.PROVIDER_RECEIVABLE, provider=provider) == 0
    assert balance(K.PROVIDER_PENDING, provider=provider) == pending - 2_000
    assert standards.collect_all_fine_debts() == {"collected": 0}
    assert_ledger_balanced()


def test_an_event_delivered_twice_gives_one_strike_and_one_fine(
    listing, customer, fire, provider
):
    order = started_late(accepted_order(listing, customer, fire))
    fire(order, "report_provider_no_show", user=customer)
    event = Event.objects.get(topic="order.report_provider_no_show")

    # When the consumer gets the same event again (delivery is at least once)
    standards.on_order_event(event)
    standards.on_order_event(event)

    assert Strike.objects.filter(provider=provider).count() == 1
    assert JournalEntry.objects.filter(kind=flows.FINE).count() == 1


def test_a_late_cancellation_by_the_provider_fires_its_rule(
    listing, customer, fire, provider
):
    # Given an accepted job starting inside the free-cancellation window (24 h)
    order = accepted_order(listing, customer, fire, starts_in=timedelta(hours=5))

    # When the provider cancels it
    fire(order, "cancel", user=provider.user)

    # Then one strike and a 10% fine (owed: no balance yet)
    strike = Strike.objects.get(provider=provider)
    assert strike.trigger == PenaltyTrigger.LATE_CANCELLATION
    assert strike.points == 1
    assert strike.fine.amount == 1_000
    assert balance(K.PROVIDER_RECEIVABLE, provider=provider) == 1_000
    assert_ledger_balanced()


@pytest.mark.parametrize("who", ["provider_early", "customer_late"])
def test_cancellations_that_are_not_the_providers_late_ones_give_nothing(
    listing, customer, fire, provider, who
):
    starts_in = timedelta(days=3) if who == "provider_early" else timedelta(hours=5)
    order = accepted_order(listing, customer, fire, starts_in=starts_in)
    user = provider.user if who == "provider_early" else customer

    fire(order, "cancel", user=user)

    assert not Strike.objects.exists()
    assert not JournalEntry.objects.filter(kind=flows.FINE).exists()


def test_a_rule_switched_off_or_with_a_fixed_fine_is_followed(
    listing, customer, fire, provider
):
    standards.penalty_rules()
    PenaltyRule.objects.filter(trigger=PenaltyTrigger.LATE_CANCELLATION).update(
        active=False
    )
    PenaltyRule.objects.filter(trigger=PenaltyTrigger.NO_SHOW).update(
        fine_bps=0, fine_fixed={"CNY": 5_000}
    )
    late = accepted_order(listing, customer, fire, starts_in=timedelta(hours=5))
    fire(late, "cancel", user=provider.user)
    assert not Strike.objects.exists()

    no_show = started_late(accepted_order(listing, customer, fire))
    fire(no_show, "report_provider_no_show", user=customer)
    assert Strike.objects.get().fine.amount == 5_000
