"""Series under random histories: a Hypothesis state machine lets time pass
(the horizon and charge jobs run as the scheduler runs them), skips, pauses,
resumes and ends series, answers proposals, swaps cards, and lets other
customers take the provider's time — and after every step checks that claims,
orders and charges agree:

* the provider's time is never double-booked (no two live claims overlap);
* a skipped visit is never charged;
* at most one order per series occurrence, and a visit's order is its own;
* a visit marked charged has its price held (or taken) at the gateway.

Runs on both databases; fewer examples on PostgreSQL.
"""

import itertools
from contextlib import contextmanager
from datetime import time, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from doorstep.core.errors import DomainError
from doorstep.demo.clock import moved_clock
from doorstep.orders.models import Order
from doorstep.orders.services import place_order, transition_order
from doorstep.payments.flows import order_payment
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import PaymentStatus
from doorstep.recurring import services
from doorstep.recurring.models import Series, Visit, VisitStatus
from doorstep.recurring.tests.conftest import (
    REFUSED_CARD,
    SHANGHAI,
    after_commit,
    local,
    offering_after_service,
    save_card,
)
from doorstep.scheduling.models import TimeClaim
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import make_user

HELD = (PaymentStatus.AUTHORISED, PaymentStatus.CAPTURED)
ENDED = ("declined", "expired", "cancelled")


class Visits(RuleBasedStateMachine):
    """Two customers' series on one provider (contending for the same
    mornings), another provider of the same service, rolled back after each
    example."""

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.now = timezone.now()
        self.listing = offering_after_service(bookable_listing(duration=120))
        other = offering_after_service(bookable_listing(duration=120))
        other.category = self.listing.category
        other.save(update_fields=["category"])
        self.customers = [make_user(), make_user()]
        self.cards = {}
        for customer in self.customers:
            good = save_card(customer)
            refused = save_card(customer, REFUSED_CARD, default=False)
            self.cards[customer.pk] = (good, refused)
        start = self.now.astimezone(SHANGHAI).date() + timedelta(days=1)
        with self._clock():
            self.series = [
                services.create_series(
                    customer=self.customers[0],
                    listing_id=self.listing.public_id,
                    cadence="weekly",
                    start_date=start,
                    start_time=time(10, 0),
                    address="1 Series Road",
                    latitude=self.listing.latitude,
                    longitude=self.listing.longitude,
                    visit_count=6,
                ),
                services.create_series(
                    customer=self.customers[1],
                    listing_id=self.listing.public_id,
                    cadence="weekdays",
                    weekdays="".join(str((start.weekday() + n) % 7) for n in (0, 3)),
                    start_date=start,
                    start_time=time(11, 0),
                    address="2 Series Road",
                    latitude=self.listing.latitude,
                    longitude=self.listing.longitude,
                    end_date=start + timedelta(days=40),
                ),
            ]

    def teardown(self) -> None:
        sandbox.clear_injected_failures()
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @contextmanager
    def _clock(self):
        """Run at the machine's time, with after-commit work done as it comes."""
        with moved_clock(self.now), after_commit():
            yield

    def _visit(self, index: int) -> Visit | None:
        visits = list(Visit.objects.order_by("pk"))
        return visits[index % len(visits)] if visits else None

    def _try(self, function, **arguments) -> None:
        with self._clock():
            try:
                with transaction.atomic():
                    function(**arguments)
            except DomainError:
                pass

    # --- Rules ------------------------------------------------------------------

    @rule(hours=st.integers(min_value=1, max_value=60))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        with self._clock():
            services.plan_visits(now=self.now)
            services.charge_due_visits(now=self.now)

    @rule(index=st.integers(min_value=0, max_value=50))
    def skip(self, index: int) -> None:
        visit = self._visit(index)
        if visit is not None:
            self._try(
                services.skip_visit,
                user=visit.series.customer,
                visit_id=visit.public_id,
            )

    @rule(which=st.integers(0, 1), action=st.sampled_from(["pause", "resume", "end"]))
    def change_series(self, which: int, action: str) -> None:
        series = self.series[which]
        function = {
            "pause": services.pause_series,
            "resume": services.resume_series,
            "end": services.end_series,
        }[action]
        self._try(function, user=series.customer, series_id=series.public_id)

    @rule(index=st.integers(min_value=0, max_value=50), accept=st.booleans())
    def answer_proposal(self, index: int, accept: bool) -> None:
        proposed = list(
            Visit.objects.filter(status=VisitStatus.PROPOSED).order_by("pk")
        )
        if not proposed:
            return
        visit = proposed[index % len(proposed)]
        function = (
            services.accept_alternative if accept else services.decline_alternative
        )
        self._try(function, user=visit.series.customer, visit_id=visit.public_id)

    @rule(which=st.integers(0, 1), refused=st.booleans())
    def swap_card(self, which: int, refused: bool) -> None:
        series = self.series[which]
        card = self.cards[series.customer_id][1 if refused else 0]
        self._try(
            services.set_series_card,
            user=series.customer,
            series_id=series.public_id,
            method_id=card.public_id,
        )

    @rule(index=st.integers(min_value=0, max_value=50))
    def provider_turns_a_visit_down(self, index: int) -> None:
        visit = self._visit(index)
        if visit is None or visit.order is None:
            return
        name = "decline" if visit.order.state == "requested" else "cancel"
        self._try(
            transition_order,
            order=visit.order,
            name=name,
            user=self.listing.provider.user,
        )

    @rule(days=st.integers(min_value=1, max_value=30), hour=st.integers(9, 15))
    def someone_else_books(self, days: int, hour: int) -> None:
        day = self.now.astimezone(SHANGHAI).date() + timedelta(days=days)
        self._try(
            place_order,
            customer=make_user(),
            listing_id=self.listing.public_id,
            starts_at=local(day, f"{hour:02d}:00"),
            address="3 Other Road",
            latitude=self.listing.latitude,
            longitude=self.listing.longitude,
        )

    # --- Invariants ---------------------------------------------------------------

    @invariant()
    def never_double_booked(self) -> None:
        claims = sorted(
            TimeClaim.objects.filter(released_at__isnull=True).values_list(
                "provider_id", "staff_key", "starts_at", "ends_at", "order_id"
            )
        )
        # Every live claim counts (orders', holds): none may overlap another
        # on the same calendar.
        for first, second in itertools.pairwise(claims):
            if first[:2] == second[:2]:
                assert first[3] <= second[2], (first, second)

    @invariant()
    def a_skipped_visit_is_never_charged(self) -> None:
        for visit in Visit.objects.filter(status=VisitStatus.SKIPPED).select_related(
            "order"
        ):
            assert visit.charged_at is None
            if visit.order is not None:
                payment = order_payment(visit.order)
                assert payment is None or payment.status not in HELD

    @invariant()
    def one_order_per_occurrence(self) -> None:
        for visit in Visit.objects.all():
            orders = Order.objects.filter(idempotency_key=services.visit_key(visit))
            assert orders.count() <= 1
            if visit.order_id is not None:
                assert list(orders.values_list("pk", flat=True)) == [visit.order_id]
            # every attempt's order but the visit's own has ended
            earlier = Order.objects.filter(
                idempotency_key__startswith=f"visit:{visit.public_id}:"
            ).exclude(pk=visit.order_id)
            assert not earlier.exclude(state__in=ENDED).exists()
        assert Visit.objects.values("series", "occurrence").distinct().count() == (
            Visit.objects.count()
        )

    @invariant()
    def charged_means_held(self) -> None:
        for visit in Visit.objects.filter(charged_at__isnull=False).select_related(
            "order"
        ):
            payment = order_payment(visit.order)
            assert payment is not None
            assert payment.status in (
                *HELD,
                PaymentStatus.VOIDED,
                PaymentStatus.REFUNDED,
            )

    @invariant()
    def paused_or_ended_series_book_nothing_ahead(self) -> None:
        for series in Series.objects.exclude(status="active"):
            ahead = series.visits.filter(
                status=VisitStatus.BOOKED,
                charged_at__isnull=True,
                planned_starts_at__gt=self.now + timedelta(days=4),
            )
            assert not ahead.exists()


@pytest.mark.django_db
def test_claims_orders_and_charges_agree_under_random_histories():
    postgres = connection.vendor == "postgresql"
    run_state_machine_as_test(
        Visits,
        settings=settings(
            max_examples=5 if postgres else 12,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=True,
        ),
    )
