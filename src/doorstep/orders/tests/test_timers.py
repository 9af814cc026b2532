from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.orders.engine import apply_transition, fire_due_timers, fire_timer_now
from doorstep.orders.models import OrderTimer
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def _make_due(order, name):
    OrderTimer.objects.filter(order=order, name=name).update(
        due_at=timezone.now() - timedelta(seconds=1)
    )
    return OrderTimer.objects.get(order=order, name=name)


def test_an_unanswered_request_expires_and_frees_the_time():
    order = make_order()
    timer = _make_due(order, "expire_request")

    assert fire_timer_now(timer.pk) is True

    order.refresh_from_db()
    assert order.state == "expired"
    assert order.time_claims.filter(released_at__isnull=True).count() == 0


def test_a_late_or_duplicate_timer_fires_once():
    order = make_order()
    timer = _make_due(order, "expire_request")

    results = [fire_timer_now(timer.pk), fire_timer_now(timer.pk), fire_due_timers()]

    assert results == [True, False, 0]
    assert order.events.filter(transition="expire").count() == 1


def test_a_timer_whose_state_was_left_is_cancelled_not_fired():
    order = make_order()
    apply_transition(order_id=order.pk, name="accept", user=order.provider.user)

    timer = OrderTimer.objects.get(order=order, name="expire_request")
    assert timer.cancelled_at is not None
    OrderTimer.objects.filter(pk=timer.pk).update(due_at=timezone.now())
    assert fire_timer_now(timer.pk) is False
    order.refresh_from_db()
    assert order.state == "accepted"


def test_a_timer_not_yet_due_does_nothing():
    order = make_order()
    timer = OrderTimer.objects.get(order=order, name="expire_request")

    assert fire_timer_now(timer.pk) is False
    assert fire_due_timers() == 0


@pytest.mark.usefixtures("early_start_allowed")
def test_delivered_orders_complete_automatically():
    order = make_order()
    provider = order.provider.user
    apply_transition(order_id=order.pk, name="accept", user=provider)
    apply_transition(
        order_id=order.pk,
        name="start",
        user=provider,
        data={"start_code": order.start_code},
    )
    apply_transition(order_id=order.pk, name="deliver", user=provider)
    _make_due(order, "auto_complete")

    assert fire_due_timers() == 1

    order.refresh_from_db()
    assert order.state == "completed"
    assert order.events.last().actor == "system"


def test_accepting_arms_a_reminder_that_records_an_event():
    from doorstep.events.models import Event

    order = make_order(starts_in=timedelta(days=3))
    apply_transition(order_id=order.pk, name="accept", user=order.provider.user)
    timer = _make_due(order, "remind_before_start")

    assert fire_timer_now(timer.pk) is True
    assert Event.objects.filter(topic="order.remind_before_start").count() == 1
