"""A worker sees the offers made to them, and only those; nobody else can
answer them."""

import pytest

from doorstep.core.errors import NotFound
from doorstep.dispatch import cascade
from doorstep.dispatch.models import Offer
from doorstep.dispatch.queries import offers_for, worker_of, workers_of
from doorstep.dispatch.tests.helpers import (
    FURTHER,
    NEAR,
    make_agency,
    make_worker,
    paid_dispatch_order,
)
from doorstep.orders.engine import apply_transition
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_worker_sees_their_live_offer_and_nobody_elses(offer_for_sale):
    category = offer_for_sale.service.category
    worker = make_worker(category, at=NEAR)
    other = make_worker(category, at=FURTHER, on_duty=False)
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()

    assert list(offers_for(worker.provider.user)) == [offer]
    assert list(offers_for(other.provider.user)) == []
    assert list(offers_for(make_user())) == []


def test_a_staff_member_sees_the_offers_to_them_not_their_agencys_owner(
    offer_for_sale,
):
    agency = make_agency()
    worker = make_worker(offer_for_sale.service.category, at=NEAR, staff_of=agency)
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()

    assert worker_of(worker.staff.user) == worker
    assert list(offers_for(worker.staff.user)) == [offer]
    assert worker_of(agency.owner) is None
    assert list(offers_for(agency.owner)) == []


def test_an_inactive_staff_member_works_for_nobody(offer_for_sale):
    worker = make_worker(
        offer_for_sale.service.category, at=NEAR, staff_of=make_agency()
    )
    worker.staff.is_active = False
    worker.staff.save()

    assert not workers_of(worker.staff.user).exists()


def test_an_offer_for_a_job_that_needs_nobody_is_not_shown(offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    order = paid_dispatch_order(offer_for_sale)

    apply_transition(order_id=order.pk, name="cancel", user=order.customer)

    assert list(offers_for(worker.provider.user)) == []


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_nobody_else_can_answer_an_offer(offer_for_sale, answer):
    agency = make_agency()
    make_worker(offer_for_sale.service.category, at=NEAR, staff_of=agency)
    order = paid_dispatch_order(offer_for_sale)
    offer = order.dispatch_job.offers.get()
    call = {"accept": cascade.accept_offer, "decline": cascade.decline_offer}[answer]

    for stranger in (agency.owner, order.customer, make_user()):
        with pytest.raises(NotFound):
            call(offer_id=offer.public_id, user=stranger)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING


def test_someone_both_independent_and_staff_works_as_staff(offer_for_sale):
    category = offer_for_sale.service.category
    independent = make_worker(category, at=NEAR)
    staff_worker = make_worker(category, at=NEAR, staff_of=make_agency())
    staff_worker.staff.user = independent.provider.user
    staff_worker.staff.save()

    assert set(workers_of(independent.provider.user)) == {independent, staff_worker}
    assert worker_of(independent.provider.user) == staff_worker
