"""A customer's late reschedule (inside the free-cancellation window) costs the
policy's fee: shown when proposed, charged once when the provider accepts, and
part of the order's money and receipt."""

import pytest

from doorstep.orders.services import (
    answer_reschedule,
    place_order,
    propose_reschedule,
    transition_order,
)
from doorstep.orders.tests.conftest import at, booking
from doorstep.payments import flows
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import ExtraCharge, Payment, PaymentStatus
from doorstep.payments.queries import receipt
from doorstep.payments.tests.conftest import CARD_OK, balance
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted_order(django_capture_on_commit_callbacks, settings):
    """A paid order for tomorrow 10:00, accepted (so its money is in escrow),
    with tomorrow inside the free-cancellation window."""
    settings.DOORSTEP_CANCELLATION_FREE_HOURS = 72
    listing = bookable_listing(duration=60)
    customer = make_user()
    order = place_order(**booking(listing, customer, starts_at=at("10:00", days=1)))
    order = pay_with_sandbox_card(order, CARD_OK)
    with django_capture_on_commit_callbacks(execute=True):
        transition_order(order=order, name="accept", user=order.provider.user)
    order.refresh_from_db()
    return order


def _answer(order, proposal, capture, *, user, accept=True):
    with capture(execute=True):
        answer_reschedule(
            order=order, user=user, request_id=proposal.public_id, accept=accept
        )


def test_an_accepted_late_reschedule_charges_the_fee_once(
    accepted_order, django_capture_on_commit_callbacks
):
    order = accepted_order
    proposal = propose_reschedule(
        order=order, user=order.customer, starts_at=at("14:00", days=1)
    )
    assert proposal.is_late
    assert proposal.fee_amount > 0

    _answer(
        order, proposal, django_capture_on_commit_callbacks, user=order.provider.user
    )

    fees = Payment.objects.filter(order=order).exclude(kind="order")
    assert [(p.amount, p.status) for p in fees] == [
        (proposal.fee_amount, PaymentStatus.CAPTURED)
    ]
    assert balance(K.ORDER_ESCROW, order=order) == (
        order.total_amount + proposal.fee_amount
    )
    shown = receipt(order)
    assert shown.paid == order.total_amount + proposal.fee_amount
    assert [(e.amount, e.status) for e in shown.extras] == [
        (proposal.fee_amount, ExtraCharge.Status.CAPTURED)
    ]

    flows.charge_late_change_fee(order=order, request_id=proposal.public_id)

    assert Payment.objects.filter(order=order).count() == 2  # charged once


def test_a_declined_or_provider_proposed_reschedule_charges_nothing(
    accepted_order, django_capture_on_commit_callbacks
):
    order = accepted_order
    late = propose_reschedule(
        order=order, user=order.customer, starts_at=at("14:00", days=1)
    )
    _answer(
        order,
        late,
        django_capture_on_commit_callbacks,
        user=order.provider.user,
        accept=False,
    )
    by_provider = propose_reschedule(
        order=order, user=order.provider.user, starts_at=at("15:00", days=1)
    )
    _answer(order, by_provider, django_capture_on_commit_callbacks, user=order.customer)

    assert Payment.objects.filter(order=order).count() == 1
    assert not ExtraCharge.objects.filter(order=order).exists()


def test_the_fee_reaches_the_provider_with_the_order_and_the_books_balance(
    accepted_order, django_capture_on_commit_callbacks
):
    order = accepted_order
    proposal = propose_reschedule(
        order=order, user=order.customer, starts_at=at("14:00", days=1)
    )
    _answer(
        order, proposal, django_capture_on_commit_callbacks, user=order.provider.user
    )
    type(order).objects.filter(pk=order.pk).update(state="completed")

    flows.release_order(order=order)

    earned = order.subtotal_amount + proposal.fee_amount
    commission = earned * flows.commission_bps(order) // 10_000
    assert balance(K.ORDER_ESCROW, order=order) == 0
    assert balance(K.PROVIDER_PENDING, provider=order.provider) == earned - commission
    assert balance(K.SERVICE_FEE_REVENUE) == order.service_fee_amount
