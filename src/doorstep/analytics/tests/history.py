"""A small hand-built history whose figures are obvious, for the metric and
API tests. Orders go through the engine and the payment flows on a clock the
test sets (``timezone.now`` patched), so they land on chosen days."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from unittest import mock

from django.utils import timezone

from doorstep.analytics import rollups
from doorstep.analytics.tests.conftest import CARD_OK
from doorstep.orders.engine import apply_transition
from doorstep.orders.models import Order
from doorstep.payments import flows
from doorstep.payments.pending_flows import retry_due_money_flows
from doorstep.reviews.services import open_review_window, submit_review
from tests.factories import make_category, make_listing, make_order, make_user

SHANGHAI = (31.2304, 121.4737)
HONG_KONG = (22.3193, 114.1694)


@dataclass
class History:
    day1: datetime
    day2: datetime
    cleaning: object = None
    plumbing_jpy: object = None
    hk_listing: object = None
    alice: object = None
    bob: object = None
    orders: dict = field(default_factory=dict)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self._patch = mock.patch(
            "django.utils.timezone.now", side_effect=lambda: self.now
        )

    def __enter__(self) -> "Clock":
        self._patch.start()
        return self

    def __exit__(self, *exc) -> None:
        self._patch.stop()


def _book(clock: Clock, listing, customer) -> Order:
    starts_in = timedelta(days=30) + timedelta(hours=3 * Order.objects.count())
    order = make_order(listing=listing, customer=customer, starts_in=starts_in)
    flows.authorise_order(order=order, payment_method=CARD_OK)
    return order


def _run_flows(clock: Clock) -> None:
    retry_due_money_flows(now=clock.now + timedelta(hours=1))


def _accept(clock: Clock, order: Order, *, after: timedelta) -> None:
    clock.now += after
    apply_transition(order_id=order.pk, name="accept", user=order.provider.user)
    _run_flows(clock)


def _complete(clock: Clock, order: Order) -> None:
    Order.objects.filter(pk=order.pk).update(state="delivered")
    apply_transition(order_id=order.pk, name="confirm", user=order.customer)
    _run_flows(clock)
    open_review_window(order=Order.objects.get(pk=order.pk))


def build_history() -> History:
    """Day 1 (in Shanghai unless said): Alice books cleaning (CNY 100.00),
    accepted after 30 minutes and completed; Bob books cleaning and cancels;
    Alice books plumbing in yen (JPY 8000), accepted after 2 hours. Day 2:
    Alice books cleaning in Hong Kong (CNY 100.00), accepted after 30 minutes
    and completed; she reviews her first order (late: 2 stars) and the second
    (4 stars). Then the rollups are rebuilt."""
    day1 = timezone.now().replace(
        hour=9, minute=0, second=0, microsecond=0
    ) - timedelta(days=10)
    history = History(day1=day1, day2=day1 + timedelta(days=1))
    cleaning, plumbing = make_category("cleaning"), make_category("plumbing")
    for category in (cleaning, plumbing):
        category.commission_bps = 1500
        category.save(update_fields=["commission_bps"])
    with Clock(day1) as clock:
        history.cleaning = make_listing(
            category=cleaning, price=10_000, currency="CNY", at=SHANGHAI
        )
        history.plumbing_jpy = make_listing(
            category=plumbing, price=8_000, currency="JPY", at=SHANGHAI
        )
        history.hk_listing = make_listing(
            category=cleaning, price=10_000, currency="CNY", at=HONG_KONG
        )
        history.alice, history.bob = make_user(), make_user()
        first = _book(clock, history.cleaning, history.alice)
        _accept(clock, first, after=timedelta(minutes=30))
        _complete(clock, first)
        cancelled = _book(clock, history.cleaning, history.bob)
        apply_transition(order_id=cancelled.pk, name="cancel", user=None, system=True)
        _run_flows(clock)
        yen = _book(clock, history.plumbing_jpy, history.alice)
        _accept(clock, yen, after=timedelta(hours=2))
        clock.now = history.day2
        second = _book(clock, history.hk_listing, history.alice)
        _accept(clock, second, after=timedelta(minutes=30))
        _complete(clock, second)
        submit_review(order=first, author=history.alice, stars=2, now=clock.now)
        submit_review(order=second, author=history.alice, stars=4, now=clock.now)
        history.orders = {
            "first": first,
            "cancelled": cancelled,
            "yen": yen,
            "second": second,
        }
    rollups.rebuild()
    return history
