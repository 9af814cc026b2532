"""An offer's window is a durable timer: its own task, due when the window
closes, and the periodic sweep behind it. A lapsed or declined offer passes
the job on at once; nobody left alerts ops and tells the customer; the platform
keeps trying while the promise can be kept."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from doorstep.backoffice.queues import queue_by_key
from doorstep.dispatch import cascade
from doorstep.dispatch.models import Offer, SlaPolicy
from doorstep.dispatch.tasks import lapse_offer
from doorstep.dispatch.tests.helpers import (
    FURTHER,
    NEAR,
    after_commit,
    clock_moved,
    in_three_days_at_ten,
    make_worker,
    paid_dispatch_order,
    run_periodic_job,
)
from doorstep.notifications.models import Kind, Notification
from doorstep.orders.engine import apply_transition
from doorstep.orders.states import OrderState
from tests.factories import make_ops

pytestmark = pytest.mark.django_db


def _live(order) -> Offer:
    return order.dispatch_job.offers.get(status=Offer.Status.PENDING)


@pytest.mark.parametrize("asap", [True, False], ids=["asap", "booked"])
def test_an_unanswered_offer_lapses_and_the_job_passes_on(offer_for_sale, asap):
    SlaPolicy.objects.create(offers_at_once=1)  # one at a time (tiers: test_tiers)
    category = offer_for_sale.service.category
    make_worker(category, at=NEAR)
    further = make_worker(category, at=FURTHER)
    extra = {} if asap else {"starts_at": in_three_days_at_ten()}
    order = paid_dispatch_order(offer_for_sale, **extra)
    first = _live(order)
    window = first.expires_at - first.offered_at

    with clock_moved(by=window - timedelta(seconds=1)), after_commit():
        assert run_periodic_job("lapse_dispatch_offers") == 0
    with clock_moved(by=window + timedelta(seconds=1)), after_commit():
        assert run_periodic_job("lapse_dispatch_offers") == 1

    first.refresh_from_db()
    assert first.status == Offer.Status.LAPSED
    second = _live(order)
    assert second.worker == further


def test_a_decline_of_a_booked_job_passes_it_on_at_once(offer_for_sale):
    SlaPolicy.objects.create(offers_at_once=1)  # one at a time (tiers: test_tiers)
    category = offer_for_sale.service.category
    nearest = make_worker(category, at=NEAR)
    further = make_worker(category, at=FURTHER)
    order = paid_dispatch_order(offer_for_sale, starts_at=in_three_days_at_ten())
    first = _live(order)
    assert first.worker == nearest
    # Half of the 30 minutes left to take it (``cascade.offer_window``).
    window = first.expires_at - first.offered_at
    assert timedelta(minutes=14) < window <= timedelta(minutes=15)

    with after_commit():
        cascade.decline_offer(
            offer_id=first.public_id, user=nearest.provider.user, reason="Too far"
        )

    first.refresh_from_db()
    assert (first.status, first.decline_reason) == (Offer.Status.DECLINED, "Too far")
    assert _live(order).worker == further


def test_each_offer_arms_its_own_timer_when_the_backend_can_delay(
    offer_for_sale, settings
):
    order = paid_dispatch_order(offer_for_sale)  # nobody yet: escalated
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_worker(offer_for_sale.service.category, at=NEAR)

    with after_commit():
        run_periodic_job("retry_unplaced_dispatch_jobs")

    offer = _live(order)
    timer = DBTaskResult.objects.get(task_path="doorstep.dispatch.tasks.lapse_offer")
    assert timer.run_after == offer.expires_at
    assert timer.args_kwargs["args"] == [offer.pk]


def test_the_offers_timer_lapses_it_once_and_only_when_due(offer_for_sale):
    category = offer_for_sale.service.category
    make_worker(category, at=NEAR)
    further = make_worker(category, at=FURTHER)
    order = paid_dispatch_order(offer_for_sale)
    offer = _live(order)

    assert lapse_offer.call(offer.pk) is False  # not due yet
    with clock_moved(by=offer.expires_at - timezone.now()), after_commit():
        assert lapse_offer.call(offer.pk) is True
        assert lapse_offer.call(offer.pk) is False  # a duplicate task
        assert run_periodic_job("lapse_dispatch_offers") == 0  # the late sweep

    offer.refresh_from_db()
    assert offer.status == Offer.Status.LAPSED
    assert _live(order).worker == further


def test_nobody_left_alerts_dispatch_ops_and_tells_the_customer(offer_for_sale):
    dispatcher = make_ops("Dispatch")
    bookkeeper = make_ops("Finance")

    order = paid_dispatch_order(offer_for_sale)

    job = order.dispatch_job
    job.refresh_from_db()
    assert job.escalated_at is not None
    queue = queue_by_key("unplaced_dispatch_orders")
    assert list(queue.waiting()) == [job]
    told = Notification.objects.get(recipient=order.customer, kind=Kind.ORDER_UPDATE)
    assert "still looking" in told.title
    alert = Notification.objects.get(kind=Kind.OPS_ALERT)
    assert alert.recipient == dispatcher
    assert order.public_id in alert.title
    assert not Notification.objects.filter(recipient=bookkeeper).exists()


def test_the_platform_keeps_trying_until_someone_comes_on_duty(offer_for_sale):
    order = paid_dispatch_order(offer_for_sale)
    worker = make_worker(offer_for_sale.service.category, at=NEAR, on_duty=False)

    with after_commit():
        assert run_periodic_job("retry_unplaced_dispatch_jobs") == 0
    worker.is_on_duty = True
    worker.save()
    with after_commit():
        assert run_periodic_job("retry_unplaced_dispatch_jobs") == 1

    offer = _live(order)
    assert offer.worker == worker
    cascade.accept_offer(offer_id=offer.public_id, user=worker.provider.user)
    assert not queue_by_key("unplaced_dispatch_orders").waiting().exists()


def test_past_the_promise_nobody_is_asked_and_the_order_expires(offer_for_sale):
    order = paid_dispatch_order(offer_for_sale)
    make_worker(offer_for_sale.service.category, at=NEAR)
    job = order.dispatch_job
    job.refresh_from_db()
    too_late = job.give_up_at - timezone.now() + timedelta(seconds=1)

    with clock_moved(by=too_late), after_commit():
        assert run_periodic_job("retry_unplaced_dispatch_jobs") == 0
        run_periodic_job("fire_order_timers")

    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED
    assert not job.offers.exists()
    told = Notification.objects.get(
        recipient=order.customer, kind=Kind.BOOKING_DECLINED
    )
    assert "Nobody was free" in told.title
    assert "not charged" in told.body


def test_a_cancelled_jobs_live_offer_is_withdrawn_by_the_sweep(offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(offer_for_sale)
    offer = _live(order)

    with after_commit():
        apply_transition(order_id=order.pk, name="cancel", user=order.customer)
        run_periodic_job("lapse_dispatch_offers")

    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert not worker.offers.filter(status=Offer.Status.PENDING).exists()
