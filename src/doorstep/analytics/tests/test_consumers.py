"""The analytics consumer: registered for the events that move its facts, and
idempotent — a second delivery, or one after the fact, writes the same rows."""

from datetime import timedelta

import pytest

from doorstep.analytics import consumers, rollups
from doorstep.analytics.models import DailyOrderFacts
from doorstep.analytics.tests.brute_force import recompute, stored
from doorstep.analytics.tests.conftest import CARD_OK
from doorstep.events.consumers import consumers_for
from doorstep.events.models import Event
from doorstep.orders.engine import apply_transition
from doorstep.payments import flows
from tests.factories import make_listing, make_order

pytestmark = pytest.mark.django_db


def test_registered_for_orders_reviews_and_surveys():
    for topic in ("order.accept", "review.submitted", "survey.answered"):
        assert consumers.on_event in consumers_for(topic)


def test_delivering_an_event_twice_changes_nothing():
    listing = make_listing()
    order = make_order(listing=listing, starts_in=timedelta(days=5))
    flows.authorise_order(order=order, payment_method=CARD_OK)
    apply_transition(order_id=order.pk, name="accept", user=listing.provider.user)
    events = list(Event.objects.filter(subject=order.public_id).order_by("pk"))

    for event in events:
        consumers.on_event(event)
    once = stored()
    for event in events:
        consumers.on_event(event)

    assert stored() == once == recompute()
    row = DailyOrderFacts.objects.get()
    assert (row.placed, row.bookings, row.first_bookings) == (1, 1, 1)


def test_an_order_moved_without_its_event_is_caught_by_the_safety_net():
    order = make_order(listing=make_listing(), starts_in=timedelta(days=5))
    assert not DailyOrderFacts.objects.exists()

    rollups.refresh_recent()

    assert DailyOrderFacts.objects.get().placed == 1
    assert order.pk
