"""Moving an order: one side proposes, the other accepts (the order and its time
claim move together) or declines."""

from datetime import datetime, timedelta

import pytest

from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.events.models import Event
from doorstep.orders.models import OrderTimer, RescheduleRequest
from doorstep.orders.services import (
    answer_reschedule,
    propose_reschedule,
    transition_order,
)
from doorstep.orders.tests.conftest import at, book_and_pay, booking
from doorstep.scheduling.models import TimeClaim
from tests.factories import make_provider, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(listing, customer):
    return book_and_pay(**booking(listing, customer))


def _live_claims(order):
    return list(
        TimeClaim.objects.filter(order=order, released_at__isnull=True).values_list(
            "starts_at", "ends_at"
        )
    )


def test_the_provider_accepts_the_customers_new_time(order):
    proposal = propose_reschedule(
        order=order, user=order.customer, starts_at=at("14:00")
    )
    assert proposal.is_pending
    assert proposal.is_late is False

    answer_reschedule(
        order=order,
        user=order.provider.user,
        request_id=proposal.public_id,
        accept=True,
    )

    order.refresh_from_db()
    assert order.starts_at == at("14:00")
    assert order.ends_at == at("16:00")
    assert order.state == "requested"
    assert _live_claims(order) == [(at("14:00"), at("16:00"))]
    event = order.events.get(transition="reschedule")
    assert (event.from_state, event.to_state) == ("requested", "requested")
    assert datetime.fromisoformat(event.data["to"]) == at("14:00")
    assert Event.objects.filter(topic="order.rescheduled").exists()
    proposal.refresh_from_db()
    assert proposal.status == RescheduleRequest.Status.ACCEPTED


def test_a_move_by_half_an_hour_may_overlap_the_old_time(order):
    proposal = propose_reschedule(
        order=order, user=order.provider.user, starts_at=at("10:30")
    )
    answer_reschedule(
        order=order, user=order.customer, request_id=proposal.public_id, accept=True
    )

    assert _live_claims(order) == [(at("10:30"), at("12:30"))]


def test_the_reminder_follows_the_new_time(order):
    transition_order(order=order, name="accept", user=order.provider.user)
    proposal = propose_reschedule(
        order=order, user=order.customer, starts_at=at("14:00", days=3)
    )
    answer_reschedule(
        order=order,
        user=order.provider.user,
        request_id=proposal.public_id,
        accept=True,
    )

    pending = OrderTimer.objects.get(
        order=order, fired_at__isnull=True, cancelled_at__isnull=True
    )
    assert pending.name == "remind_before_start"
    assert pending.due_at == at("14:00", days=3) - timedelta(hours=24)


def test_declining_keeps_everything(order):
    proposal = propose_reschedule(
        order=order, user=order.customer, starts_at=at("14:00")
    )

    answer_reschedule(
        order=order,
        user=order.provider.user,
        request_id=proposal.public_id,
        accept=False,
    )

    order.refresh_from_db()
    assert order.starts_at == at("10:00")
    assert _live_claims(order) == [(at("10:00"), at("12:00"))]
    assert order.events.filter(transition="reschedule_declined").exists()


def test_a_taken_time_is_a_conflict_and_nothing_moves(order, listing):
    proposal = propose_reschedule(
        order=order, user=order.customer, starts_at=at("14:00")
    )
    book_and_pay(**booking(listing, make_user(), starts_at=at("14:00")))

    with pytest.raises(Conflict) as error:
        answer_reschedule(
            order=order,
            user=order.provider.user,
            request_id=proposal.public_id,
            accept=True,
        )

    assert error.value.code == "slot_taken"
    order.refresh_from_db()
    assert order.starts_at == at("10:00")
    assert _live_claims(order) == [(at("10:00"), at("12:00"))]
    proposal.refresh_from_db()
    assert proposal.is_pending
    assert not order.events.filter(transition="reschedule").exists()


def test_the_proposer_cannot_answer_themself(order):
    proposal = propose_reschedule(
        order=order, user=order.customer, starts_at=at("14:00")
    )
    with pytest.raises(PermissionDenied):
        answer_reschedule(
            order=order, user=order.customer, request_id=proposal.public_id, accept=True
        )


def test_strangers_cannot_propose_or_answer(order):
    stranger = make_provider().user
    with pytest.raises(NotFound):
        propose_reschedule(order=order, user=stranger, starts_at=at("14:00"))
    proposal = propose_reschedule(
        order=order, user=order.customer, starts_at=at("14:00")
    )
    with pytest.raises(NotFound):
        answer_reschedule(
            order=order, user=stranger, request_id=proposal.public_id, accept=True
        )


def test_a_bad_new_time_is_refused_before_anyone_is_asked(order):
    with pytest.raises(DomainError) as error:
        propose_reschedule(order=order, user=order.customer, starts_at=at("20:00"))

    assert error.value.code == "outside_availability"
    assert not RescheduleRequest.objects.exists()


def test_the_other_sides_proposal_is_answered_first(order):
    propose_reschedule(order=order, user=order.customer, starts_at=at("14:00"))

    with pytest.raises(Conflict) as error:
        propose_reschedule(order=order, user=order.provider.user, starts_at=at("15:00"))
    assert error.value.code == "reschedule_pending"


def test_a_new_proposal_replaces_the_proposers_own(order):
    first = propose_reschedule(order=order, user=order.customer, starts_at=at("14:00"))
    propose_reschedule(order=order, user=order.customer, starts_at=at("15:00"))

    first.refresh_from_db()
    assert first.status == RescheduleRequest.Status.WITHDRAWN
    assert order.reschedule_requests.filter(status="pending").count() == 1


def test_a_late_change_by_the_customer_carries_the_policy_fee(customer, settings):
    from doorstep.scheduling.tests.helpers import bookable_listing

    listing = bookable_listing(duration=60)
    order = book_and_pay(**booking(listing, customer, starts_at=at("10:00", days=1)))
    transition_order(order=order, name="accept", user=order.provider.user)
    settings.DOORSTEP_CANCELLATION_FREE_HOURS = 72  # we are inside the window

    proposal = propose_reschedule(
        order=order, user=customer, starts_at=at("14:00", days=1)
    )
    answer_reschedule(
        order=order,
        user=order.provider.user,
        request_id=proposal.public_id,
        accept=True,
    )

    assert proposal.is_late
    assert proposal.fee_amount == order.subtotal_amount * 2000 // 10_000
    data = order.events.get(transition="reschedule").data
    assert data["late"] is True
    assert data["policy_fee"] == {"amount": proposal.fee_amount, "currency": "CNY"}


def test_a_late_change_by_the_provider_costs_the_customer_nothing(order, settings):
    settings.DOORSTEP_CANCELLATION_FREE_HOURS = 24 * 30
    transition_order(order=order, name="accept", user=order.provider.user)

    proposal = propose_reschedule(
        order=order, user=order.provider.user, starts_at=at("14:00")
    )

    assert proposal.is_late is False


@pytest.mark.usefixtures("early_start_allowed")
def test_a_started_job_cannot_move(order):
    provider = order.provider.user
    transition_order(order=order, name="accept", user=provider)
    transition_order(
        order=order, name="start", user=provider, data={"start_code": order.start_code}
    )

    with pytest.raises(Conflict) as error:
        propose_reschedule(order=order, user=order.customer, starts_at=at("14:00"))
    assert error.value.code == "cannot_reschedule"


def test_an_answer_after_the_order_ended_is_refused(order):
    proposal = propose_reschedule(
        order=order, user=order.customer, starts_at=at("14:00")
    )
    transition_order(order=order, name="cancel", user=order.customer)

    with pytest.raises(Conflict):
        answer_reschedule(
            order=order,
            user=order.provider.user,
            request_id=proposal.public_id,
            accept=True,
        )
    order.refresh_from_db()
    assert order.starts_at == at("10:00")
