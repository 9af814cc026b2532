"""The platform offers a paid job to the nearest skilled worker on duty; a
decline passes it on; an acceptance assigns the order and takes the worker's
time; nobody left alerts ops once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.core.errors import Conflict, NotFound
from doorstep.dispatch import cascade
from doorstep.dispatch.models import Offer
from doorstep.dispatch.tests.helpers import (
    HOME,
    after_commit,
    make_agency,
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from doorstep.events.models import Event
from doorstep.orders.engine import roles_of
from doorstep.orders.process import Actor
from doorstep.orders.states import OrderState
from doorstep.scheduling.models import TimeClaim
from doorstep.scheduling.services import claim_time

pytestmark = pytest.mark.django_db

NEAR = (HOME[0] + 0.01, HOME[1])  # about 1 km north
FURTHER = (HOME[0] + 0.05, HOME[1])  # about 5.5 km north


@pytest.fixture
def offer_for_sale():
    return service_in_shanghai()


def test_paying_opens_the_job_and_offers_it_to_the_nearest_worker(offer_for_sale):
    category = offer_for_sale.service.category
    further = make_worker(category, at=FURTHER)
    nearest = make_worker(category, at=NEAR)

    order = paid_dispatch_order(offer_for_sale)

    assert order.state == OrderState.DISPATCHING
    job = order.dispatch_job
    job.refresh_from_db()
    assert job.opened_at is not None
    assert job.arrive_by > job.opened_at
    offer = job.offers.get()
    assert (offer.worker, offer.status) == (nearest, Offer.Status.PENDING)
    assert further.offers.count() == 0


def test_a_decline_passes_the_job_to_the_next_worker(offer_for_sale):
    category = offer_for_sale.service.category
    nearest = make_worker(category, at=NEAR)
    further = make_worker(category, at=FURTHER)
    order = paid_dispatch_order(offer_for_sale)
    first = order.dispatch_job.offers.get()

    with after_commit():
        cascade.decline_offer(offer_id=first.public_id, user=nearest.provider.user)

    second = order.dispatch_job.offers.get(status=Offer.Status.PENDING)
    assert second.worker == further


def test_accepting_assigns_the_order_and_takes_the_workers_time(offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()

    cascade.accept_offer(offer_id=offer.public_id, user=worker.provider.user)

    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED
    assert (order.provider, order.staff) == (worker.provider, None)
    claim = TimeClaim.objects.get(order=order, released_at__isnull=True)
    assert claim.provider == worker.provider
    assert claim.staff_key == 0
    assert order.starts_at > timezone.now()  # the promised arrival


def test_a_staff_member_assigned_acts_as_the_provider(offer_for_sale):
    agency = make_agency()
    worker = make_worker(offer_for_sale.service.category, at=NEAR, staff_of=agency)
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()

    cascade.accept_offer(offer_id=offer.public_id, user=worker.staff.user)

    order.refresh_from_db()
    assert order.staff == worker.staff
    assert order.provider == agency.owner.provider_profile
    assert roles_of(worker.staff.user, order) == {Actor.PROVIDER}
    claim = TimeClaim.objects.get(order=order, released_at__isnull=True)
    assert claim.staff_key == worker.staff.pk


def test_someone_else_cannot_answer_the_offer(offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    other = make_worker(offer_for_sale.service.category, at=FURTHER, on_duty=False)
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()

    with pytest.raises(NotFound):
        cascade.accept_offer(offer_id=offer.public_id, user=other.provider.user)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING
    assert offer.worker == worker


def test_an_answered_offer_cannot_be_accepted_again(offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()
    cascade.decline_offer(offer_id=offer.public_id, user=worker.provider.user)

    with pytest.raises(Conflict):
        cascade.accept_offer(offer_id=offer.public_id, user=worker.provider.user)

    order.refresh_from_db()
    assert order.state == OrderState.DISPATCHING
    assert order.provider is None


def test_nobody_left_escalates_once(offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()

    with after_commit():
        cascade.decline_offer(offer_id=offer.public_id, user=worker.provider.user)

    job = order.dispatch_job
    job.refresh_from_db()
    assert job.escalated_at is not None
    assert (
        Event.objects.filter(
            topic="dispatch.no_worker", subject=order.public_id
        ).count()
        == 1
    )


def test_a_worker_whose_time_went_meanwhile_passes_the_job_on_at_once(
    offer_for_sale,
):
    category = offer_for_sale.service.category
    nearest = make_worker(category, at=NEAR)
    further = make_worker(category, at=FURTHER)
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()
    assert offer.worker == nearest
    # Their own calendar took the time while the offer was open.
    now = timezone.now()
    claim_time(
        provider=nearest.provider, starts_at=now, ends_at=now + timedelta(hours=6)
    )

    with after_commit(), pytest.raises(Conflict) as error:
        cascade.accept_offer(offer_id=offer.public_id, user=nearest.provider.user)

    assert error.value.code == "slot_taken"
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DECLINED
    assert offer.decline_reason == "slot_taken"
    # Not left until the offer's window closes: the next worker is asked now.
    live = order.dispatch_job.offers.get(status=Offer.Status.PENDING)
    assert live.worker == further
    order.refresh_from_db()
    assert (order.state, order.provider) == (OrderState.DISPATCHING, None)
