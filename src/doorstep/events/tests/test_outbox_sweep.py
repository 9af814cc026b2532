"""What must happen after commit does happen: an event whose delivery task was
never queued (the process died between the commit and the enqueue) is found by
the sweep over undelivered events and delivered — once."""

from datetime import timedelta

import pytest

from doorstep.events.models import Event
from doorstep.events.services import (
    MAX_DELIVERY_ATTEMPTS,
    deliver_overdue_events,
    record_event,
)
from doorstep.events.tasks import deliver_event
from doorstep.notifications.models import Notification
from doorstep.orders.engine import apply_transition
from tests.factories import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted_but_lost(django_capture_on_commit_callbacks):
    """An order accepted, whose after-commit work was lost with its process."""
    order = make_order()
    with django_capture_on_commit_callbacks(execute=False):
        apply_transition(order_id=order.pk, name="accept", user=order.provider.user)
    event = Event.objects.get(topic="order.accept", subject=order.public_id)
    # (the order's earlier events are someone else's story: delivered)
    Event.objects.exclude(pk=event.pk).update(delivered_at=event.occurred_at)
    return event


def _told(event: Event) -> int:
    return Notification.objects.filter(event=event).count()


def test_the_sweep_delivers_an_event_whose_enqueue_was_lost_exactly_once(
    accepted_but_lost, django_capture_on_commit_callbacks, mailoutbox
):
    # given an event nobody queued: the customer has not been told
    event = accepted_but_lost
    assert event.delivered_at is None
    assert _told(event) == 0

    # when the sweep runs inside the grace period, it leaves the event to its task
    soon = event.occurred_at + timedelta(seconds=30)
    assert deliver_overdue_events(now=soon)["delivered"] == 0
    assert _told(event) == 0

    # when the sweep runs after it, the event is delivered
    later = event.occurred_at + timedelta(minutes=3)
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_overdue_events(now=later)["delivered"] == 1
    event.refresh_from_db()
    assert event.delivered_at is not None
    assert _told(event) == 1
    mails = len(mailoutbox)
    assert mails == 1

    # when the sweep runs again and the lost task turns up after all
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_overdue_events(now=later + timedelta(minutes=5)) == {
            "delivered": 0,
            "failed": 0,
        }
        assert deliver_event.call(event.pk) is False

    # then nothing was delivered twice
    assert _told(event) == 1
    assert len(mailoutbox) == mails


def test_a_failing_consumer_leaves_the_event_for_a_later_sweep_then_ops(
    monkeypatch, django_capture_on_commit_callbacks
):
    # given an event whose consumer fails
    calls = []

    def broken(event):
        calls.append(event.pk)
        raise RuntimeError("consumer down")

    monkeypatch.setattr(
        "doorstep.events.consumers.consumers_for", lambda topic: [broken]
    )
    with django_capture_on_commit_callbacks(execute=False):
        from django.db import transaction

        with transaction.atomic():
            event = record_event(topic="order.test", subject="ord_x")
    later = event.occurred_at + timedelta(minutes=3)

    # when the sweep tries it: the failure is counted and the event stays undelivered
    result = deliver_overdue_events(now=later)
    event.refresh_from_db()
    assert result == {"delivered": 0, "failed": 1}
    assert event.delivered_at is None
    assert event.delivery_attempts == 1
    assert "consumer down" in event.last_delivery_error

    # when it keeps failing, the sweep gives up and asks for ops
    for _attempt in range(MAX_DELIVERY_ATTEMPTS):
        result = deliver_overdue_events(now=later)
    assert len(calls) == MAX_DELIVERY_ATTEMPTS
    assert result["failed"] == 0
    assert "1 event(s)" in result["attention"]
