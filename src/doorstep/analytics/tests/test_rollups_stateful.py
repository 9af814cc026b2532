"""The rollups under random histories: a Hypothesis state machine places orders
in three currencies (some never paid), pays, accepts, declines, cancels,
completes, refunds in part or in full after completion, writes reviews days
late, records searches and lets days pass — through the order engine and the
payment flows, as the product does. The analytics consumer sees each event the
engine recorded (as the worker would deliver it) and follows the ledger.

At the end of each history, the fact tables kept up incrementally — every grain:
the cell grain, the place grain and the all-places duration histograms — must
equal a brute-force recomputation from the source tables (``brute_force``, which
sums its cell rows into the coarser grains independently), and a full rebuild
must write the same rows again.
"""

import itertools
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    rule,
    run_state_machine_as_test,
)

from doorstep.analytics import consumers, rollups, services
from doorstep.analytics.tests import brute_force
from doorstep.analytics.tests.conftest import CARD_OK
from doorstep.core.errors import DomainError
from doorstep.events.models import Event
from doorstep.orders.engine import apply_transition
from doorstep.orders.models import Order
from doorstep.payments import flows
from doorstep.payments.models import Payment, PaymentStatus
from doorstep.payments.pending_flows import retry_due_money_flows
from doorstep.reviews.services import open_review_window, submit_review
from tests.factories import make_category, make_listing, make_order, make_user

# Yuan (two decimals), yen (none), Kuwaiti dinar (three): never added together.
PRICES = [(10_000, "CNY"), (7_300, "CNY"), (8_000, "JPY"), (12_345, "KWD")]
# Two places: Shanghai (a served city in the seed data) and somewhere else.
PLACES = [(31.2304, 121.4737), (31.2404, 121.4937), (22.3193, 114.1694)]
_slot = itertools.count(1)


class Histories(RuleBasedStateMachine):
    """One marketplace on a clock that only moves forward, rolled back after
    each example."""

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        # The clock starts in the past so that every entry is "settled" for
        # the ledger follower by the real time.
        self.now = timezone.now().replace(microsecond=0) - timedelta(days=45)
        self._clock = mock.patch(
            "django.utils.timezone.now", side_effect=lambda: self.now
        )
        self._clock.start()
        self.slots_from = self.now + timedelta(days=90)
        categories = [make_category(), make_category()]
        for category in categories:
            category.commission_bps = 1500
            category.save(update_fields=["commission_bps"])
        self.listings = [
            make_listing(
                category=categories[index % 2],
                price=price,
                currency=currency,
                at=PLACES[index % len(PLACES)],
            )
            for index, (price, currency) in enumerate(PRICES)
        ]
        self.customers = [make_user() for _ in range(3)]
        self.orders: list[Order] = []
        self.seen_event = (
            Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        )
        self._deliver()

    def teardown(self) -> None:
        try:
            self._deliver()
            self._check()
        finally:
            self._clock.stop()
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    # --- The worker ---------------------------------------------------------------

    def _deliver(self) -> None:
        """Run due money flows, then hand the analytics consumer every event
        written since the last time, as the worker would."""
        retry_due_money_flows(now=self.now + timedelta(minutes=1))
        for event in Event.objects.filter(pk__gt=self.seen_event).order_by("pk"):
            if event.topic.startswith(("order.", "review.", "survey.")):
                consumers.on_event(event)
            self.seen_event = event.pk
        rollups.follow_ledger()

    def _check(self) -> None:
        expected = brute_force.recompute()
        incremental = brute_force.stored()
        assert incremental == expected
        assert brute_force.stored_cohorts() == brute_force.cohorts()
        rollups.rebuild()
        assert brute_force.stored() == expected
        assert brute_force.stored_cohorts() == brute_force.cohorts()

    def _orders_in(self, *states: str) -> list[Order]:
        for order in self.orders:
            order.refresh_from_db()
        return [order for order in self.orders if order.state in states]

    # --- Rules ----------------------------------------------------------------------

    @initialize()
    def first_order(self):
        self.book(0, 0, True)

    @rule(
        which=st.integers(0, len(PRICES) - 1),
        customer=st.integers(0, 2),
        pays=st.sampled_from([True, True, True, False]),
    )
    def book(self, which, customer, pays):
        listing = self.listings[which]
        starts_at = self.slots_from + timedelta(hours=3 * next(_slot))
        order = make_order(
            listing=listing,
            customer=self.customers[customer],
            starts_in=starts_at - self.now,
            state="requested" if pays else "awaiting_payment",
        )
        self.orders.append(order)
        if pays:
            flows.authorise_order(order=order, payment_method=CARD_OK)
        self._deliver()

    @rule(data=st.data())
    def expire_payment(self, data):
        orders = self._orders_in("awaiting_payment")
        if orders:
            order = data.draw(st.sampled_from(orders))
            apply_transition(
                order_id=order.pk, name="expire_payment", user=None, system=True
            )
            self._deliver()

    @rule(data=st.data(), minutes=st.integers(1, 3000))
    def accept(self, data, minutes):
        orders = self._orders_in("requested")
        if orders:
            order = data.draw(st.sampled_from(orders))
            self.now += timedelta(minutes=minutes)
            apply_transition(order_id=order.pk, name="accept", user=order.provider.user)
            self._deliver()

    @rule(data=st.data(), minutes=st.integers(1, 600))
    def decline(self, data, minutes):
        orders = self._orders_in("requested")
        if orders:
            order = data.draw(st.sampled_from(orders))
            self.now += timedelta(minutes=minutes)
            apply_transition(
                order_id=order.pk, name="decline", user=order.provider.user
            )
            self._deliver()

    @rule(data=st.data())
    def cancel(self, data):
        orders = self._orders_in("requested", "accepted")
        if orders:
            order = data.draw(st.sampled_from(orders))
            apply_transition(order_id=order.pk, name="cancel", user=None, system=True)
            self._deliver()

    @rule(data=st.data())
    def complete(self, data):
        orders = self._orders_in("accepted")
        if orders:
            order = data.draw(st.sampled_from(orders))
            # Stand-in for starting (a start code at the door) and delivering,
            # as ``tests.factories.make_completed_order`` does; the customer's
            # confirmation then goes through the engine.
            Order.objects.filter(pk=order.pk).update(state="delivered")
            apply_transition(order_id=order.pk, name="confirm", user=order.customer)
            open_review_window(order=order)  # what the reviews consumer does
            self._deliver()

    @rule(data=st.data(), share=st.integers(1, 100))
    def refund_after_completion(self, data, share):
        orders = self._orders_in("completed")
        payments = [
            payment
            for payment in Payment.objects.filter(order__in=orders, kind="order")
            if payment.status == PaymentStatus.CAPTURED
        ]
        if payments:
            payment = data.draw(st.sampled_from(payments))
            left = payment.captured_amount - payment.refunded_amount
            try:
                flows.refund_order(
                    order=payment.order,
                    amount=max(1, left * share // 100),
                    reference=f"late-{self.now.timestamp()}-{payment.pk}",
                )
            except flows.Conflict:
                return  # the platform's cash is short: nothing moved
            self._deliver()

    @rule(data=st.data(), stars=st.integers(1, 5))
    def review(self, data, stars):
        reviewed = {order.pk for order in self.orders if order.reviews.exists()}
        orders = [o for o in self._orders_in("completed") if o.pk not in reviewed]
        if orders:
            order = data.draw(st.sampled_from(orders))
            try:
                submit_review(
                    order=order, author=order.customer, stars=stars, now=self.now
                )
            except DomainError as error:
                # Too late (the days passed closed its window): refused, and
                # nothing changes for the rollups either.
                if error.code != "review_window_closed":
                    raise
            self._deliver()

    @rule(which=st.integers(0, len(PLACES) - 1), results=st.sampled_from([0, 0, 3, 12]))
    def search(self, which, results):
        latitude, longitude = PLACES[which]
        services.record_search(
            results=results,
            category=self.listings[which].category.slug,
            latitude=latitude,
            longitude=longitude,
        )
        # Searches are counted by the periodic refresh (no event of their own).
        rollups.recompute_searches(rollups.DayRange(*[rollups.day_of(self.now)] * 2))

    @rule(days=st.integers(1, 20))
    def days_pass(self, days):
        self.now += timedelta(days=days)


@pytest.mark.django_db(transaction=False)
def test_incremental_rollups_equal_brute_force_and_rebuild():
    run_state_machine_as_test(
        Histories,
        settings=settings(
            max_examples=8,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
