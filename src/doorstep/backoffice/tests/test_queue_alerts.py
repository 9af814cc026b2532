"""Ops hear of new queue items: the periodic job counts what arrived in each
queue since its last run and each ops person gets one digest naming the queues
their role sees — nothing when nothing arrived, nothing for queues they do not
see."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.backoffice.access import OpsRole
from doorstep.backoffice.alerts import TOPIC, alert_ops_of_new_queue_items
from doorstep.backoffice.models import QueueWatermark
from doorstep.events.models import Event
from doorstep.notifications.models import Kind, Notification
from doorstep.orders.states import OrderState
from doorstep.periodic.jobs import JOBS_BY_NAME
from doorstep.reviews.models import Review, ReviewReport
from tests.factories import make_ops, make_order, make_user

pytestmark = pytest.mark.django_db


def _report(order) -> ReviewReport:
    review = Review.objects.create(
        order=order,
        direction="customer_reviews_provider",
        author=order.customer,
        listing=order.listing,
        provider=order.provider,
        customer=order.customer,
        stars=1,
        created_at=timezone.now(),
        revealed_at=timezone.now(),
    )
    return ReviewReport.objects.create(
        review=review, reporter=make_user(), reason="Rude", created_at=timezone.now()
    )


def test_the_job_runs_on_the_workers_schedule():
    job = JOBS_BY_NAME["alert_ops_of_new_queue_items"]

    assert job.run == "doorstep.backoffice.tasks.alert_new_queue_items"
    assert job.function() == {}  # callable as the worker calls it


def test_the_first_run_only_starts_the_watermarks():
    make_order(state=OrderState.DISPUTED)

    assert alert_ops_of_new_queue_items() == {}

    assert QueueWatermark.objects.filter(queue="disputed_orders").exists()
    assert not Event.objects.filter(topic=TOPIC).exists()


def test_each_ops_person_gets_one_digest_of_the_queues_they_see(
    django_capture_on_commit_callbacks,
):
    # Given ops in each role, and a first run behind us
    support, finance, trust, admin = (
        make_ops(role)
        for role in (
            OpsRole.SUPPORT,
            OpsRole.FINANCE,
            OpsRole.TRUST_AND_SAFETY,
            OpsRole.ADMIN,
        )
    )
    start = timezone.now() - timedelta(minutes=5)
    alert_ops_of_new_queue_items(now=start)
    # When two orders go into dispute and a review is reported
    make_order(state=OrderState.DISPUTED)
    make_order(state=OrderState.DISPUTED)
    _report(make_order(state=OrderState.COMPLETED))

    with django_capture_on_commit_callbacks(execute=True):
        arrived = alert_ops_of_new_queue_items()

    # Then one event names what arrived, and each person is told once, of
    # what their role sees only
    assert arrived == {"disputed_orders": 2, "reported_reviews": 1}
    assert Event.objects.filter(topic=TOPIC).count() == 1
    digests = {
        n.recipient_id: n for n in Notification.objects.filter(kind=Kind.OPS_ALERT)
    }
    assert set(digests) == {support.pk, trust.pk, admin.pk}
    assert finance.pk not in digests
    assert "Disputed orders: 2 new" in digests[support.pk].body
    assert "Reported reviews" not in digests[support.pk].body
    assert "Reported reviews: 1 new" in digests[trust.pk].body
    assert digests[admin.pk].title.endswith(": 3")
    assert digests[admin.pk].url == "/ops/"


def test_nothing_new_tells_nobody():
    make_ops()
    alert_ops_of_new_queue_items(now=timezone.now() - timedelta(minutes=5))
    make_order(state=OrderState.DISPUTED)
    alert_ops_of_new_queue_items()

    # A run with nothing new since the last
    assert alert_ops_of_new_queue_items() == {}

    assert Event.objects.filter(topic=TOPIC).count() == 1
