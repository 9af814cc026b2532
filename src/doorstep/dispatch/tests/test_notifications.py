"""What people hear of a dispatched order: the worker the offer (the area, not
the address, the pay and the deadline; in the app and by SMS), the customer who
is coming and by when, the worker their reminders; never the booking words."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from doorstep.dispatch import cascade
from doorstep.dispatch.models import Offer
from doorstep.dispatch.tests.helpers import (
    NEAR,
    after_commit,
    clock_moved,
    in_three_days_at_ten,
    make_agency,
    make_worker,
    paid_dispatch_order,
    run_periodic_job,
)
from doorstep.notifications.models import Channel, Kind, Notification

pytestmark = pytest.mark.django_db


def test_the_worker_is_offered_the_job_in_the_app_and_by_sms(
    offer_for_sale, sms_outbox
):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    user = worker.provider.user
    user.phone, user.phone_verified = "+8613800138000", True
    user.save()

    order = paid_dispatch_order(offer_for_sale)

    told = Notification.objects.get(recipient=user, kind=Kind.JOB_OFFER)
    assert "Home cleaning" in told.title
    assert "Shanghai" in told.body
    assert order.address not in told.body  # the address only once accepted
    assert "as soon as possible" in told.body
    assert "Accept by" in told.body
    assert "¥" in told.body or "CN¥" in told.body or "CNY" in told.body
    assert told.deliveries.filter(channel=Channel.SMS).exists()
    assert [sms.to for sms in sms_outbox] == [user.phone]


def test_paying_tells_no_provider_of_a_booking_request(offer_for_sale):
    make_worker(offer_for_sale.service.category, at=NEAR)

    order = paid_dispatch_order(offer_for_sale)

    assert not Notification.objects.filter(kind=Kind.BOOKING_REQUEST).exists()
    assert not Notification.objects.filter(
        recipient=order.customer, kind=Kind.BOOKING_CONFIRMED
    ).exists()


def test_the_customer_hears_who_is_coming_and_by_when(offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR, name="Wang Fang")
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()

    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=worker.provider.user)

    told = Notification.objects.get(
        recipient=order.customer, kind=Kind.BOOKING_CONFIRMED
    )
    assert worker.provider.display_name in told.title
    assert "will arrive by" in told.body


def test_a_staff_member_sent_gets_the_reminder_not_the_agency_owner(offer_for_sale):
    agency = make_agency()
    worker = make_worker(offer_for_sale.service.category, at=NEAR, staff_of=agency)
    order = paid_dispatch_order(offer_for_sale, starts_at=in_three_days_at_ten())
    offer = order.dispatch_job.offers.get()
    assert Notification.objects.filter(
        recipient=worker.staff.user, kind=Kind.JOB_OFFER
    ).exists()
    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=worker.staff.user)
    order.refresh_from_db()
    remind_at = order.starts_at - timedelta(
        hours=settings.DOORSTEP_REMINDER_HOURS_BEFORE
    )

    later = remind_at - timezone.now() + timedelta(seconds=1)
    with clock_moved(by=later), after_commit():
        run_periodic_job("fire_order_timers")

    reminded = Notification.objects.filter(kind=Kind.REMINDER)
    assert set(reminded.values_list("recipient", flat=True)) == {
        order.customer_id,
        worker.staff.user_id,
    }


def test_the_customer_is_told_when_their_worker_drops_out(offer_for_sale):
    from doorstep.orders.engine import apply_transition

    first = make_worker(offer_for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()
    cascade.accept_offer(offer_id=offer.public_id, user=first.provider.user)

    with after_commit():
        apply_transition(order_id=order.pk, name="unassign", user=None, system=True)

    told = Notification.objects.filter(
        recipient=order.customer, kind=Kind.ORDER_UPDATE
    ).order_by("created_at", "pk")
    # Nobody else is near: the search goes on, and the customer hears so too.
    assert [n.title for n in told] == [
        "We are finding you another worker",
        "We're still looking for a worker",
    ]
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED  # the worker is not asked again


def test_every_step_of_a_dispatched_job_is_told_without_a_failed_delivery(
    offer_for_sale, settings
):
    from doorstep.events.models import Event
    from doorstep.orders.engine import apply_transition

    settings.DOORSTEP_START_WINDOW_MINUTES = 7 * 24 * 60
    agency = make_agency()
    worker = make_worker(offer_for_sale.service.category, at=NEAR, staff_of=agency)
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()
    staff_user = worker.staff.user

    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=staff_user)
        order.refresh_from_db()
        for name, data in [
            ("depart", {}),
            ("start", {"start_code": order.start_code}),
            ("deliver", {}),
        ]:
            apply_transition(order_id=order.pk, name=name, user=staff_user, data=data)
        apply_transition(order_id=order.pk, name="confirm", user=order.customer)

    assert not Event.objects.filter(delivered_at__isnull=True).exists()
    customer_heard = set(
        Notification.objects.filter(recipient=order.customer).values_list(
            "kind", flat=True
        )
    )
    assert {
        Kind.BOOKING_CONFIRMED,
        Kind.PROVIDER_ON_THE_WAY,
        Kind.JOB_DONE,
    } <= customer_heard
    on_the_way = Notification.objects.get(kind=Kind.PROVIDER_ON_THE_WAY)
    assert worker.staff.display_name in on_the_way.body
    assert Notification.objects.filter(recipient=staff_user, kind=Kind.ORDER_UPDATE)
    assert not Notification.objects.filter(recipient=agency.owner).exists()
