"""Disputes on evidence: who may open one and when, the other side asked
first, escalation, ops decisions — and every outcome moving the money exactly,
leaving the ledger balanced, the order's escrow at zero and the gateway in
agreement."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.events.models import Event
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.payments.flows import order_payment
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import LedgerAccount
from doorstep.support import disputes
from doorstep.support.models import Dispute, DisputeEvidence
from doorstep.support.tests.disputes.helpers import (
    assert_books_closed,
    balance,
    completed_order,
    delivered_order,
    escrow,
    photo,
    settled,
)
from doorstep.trust.standards_models import Strike
from tests.factories import make_listing, make_ops, make_user

pytestmark = pytest.mark.django_db

Status = Dispute.Status


def _open(order, user, **extra):
    return settled(
        disputes.open_dispute,
        user=user,
        order_id=order.public_id,
        category=extra.pop("category", Dispute.Category.POOR_QUALITY),
        statement=extra.pop("statement", "The kitchen was not cleaned."),
        **extra,
    )


def _paid(order) -> int:
    payment = order_payment(order)
    return payment.captured_amount


# --- Opening ----------------------------------------------------------------------


def test_the_customer_opens_a_dispute_on_a_delivered_order_with_photos(
    listing, customer, fire
):
    order = delivered_order(listing, customer, fire)

    dispute = _open(order, customer, photos=[photo(), photo(colour="blue")])

    order.refresh_from_db()
    assert order.state == OrderState.DISPUTED
    assert dispute.status == Status.AWAITING_RESPONSE
    assert dispute.opener_side == Dispute.Side.CUSTOMER
    assert dispute.paid_amount == _paid(order)
    assert dispute.respond_by > timezone.now() + timedelta(days=2)
    assert dispute.evidence.exclude(photo="").count() == 2
    assert Event.objects.filter(topic="dispute.opened", subject=dispute.public_id)
    # The provider is asked to answer.
    assert order.provider.user.notifications.filter(kind="dispute_update").exists()


def test_the_provider_may_open_one_too(listing, customer, fire):
    order = delivered_order(listing, customer, fire)

    dispute = _open(
        order,
        listing.provider.user,
        category=Dispute.Category.NOT_PAID,
        statement="Done in full; the customer will not confirm.",
    )

    assert dispute.opener_side == Dispute.Side.PROVIDER
    assert dispute.claimed_refund == 0
    assert customer.notifications.filter(kind="dispute_update").exists()


def test_a_completed_order_stays_completed(listing, customer, fire):
    order = completed_order(listing, customer, fire)

    dispute = _open(order, customer)

    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert dispute.order_state_at_opening == OrderState.COMPLETED


def test_the_window_after_completion_closes(listing, customer, fire, settings):
    settings.DOORSTEP_DISPUTE_WINDOW_DAYS = 7
    order = completed_order(listing, customer, fire)

    with pytest.raises(DomainError) as raised:
        _open(order, customer, now=timezone.now() + timedelta(days=8))

    assert raised.value.code == "dispute_window_closed"
    assert not Dispute.objects.exists()


def test_an_order_not_yet_done_cannot_be_disputed(listing, customer, fire):
    from doorstep.trust.tests.standards.helpers import accepted_order

    order = accepted_order(listing, customer, fire)

    with pytest.raises(DomainError) as raised:
        _open(order, customer)

    assert raised.value.code == "dispute_window_closed"


def test_one_dispute_per_order(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    _open(order, customer)

    with pytest.raises(Conflict) as raised:
        _open(order, listing.provider.user)

    assert raised.value.code == "dispute_exists"
    assert Dispute.objects.count() == 1


@pytest.mark.parametrize("who", ["stranger", "other_provider", "ops"])
def test_only_the_parties_may_open_one_and_nothing_is_written(
    listing, customer, fire, category, who
):
    order = delivered_order(listing, customer, fire)
    other = delivered_order(make_listing(category=category), make_user(), fire)
    user = {
        "stranger": make_user(),
        "other_provider": other.provider.user,
        "ops": make_ops("Support"),
    }[who]

    with pytest.raises(NotFound):
        _open(order, user)

    order.refresh_from_db()
    assert order.state == OrderState.DELIVERED
    assert not Dispute.objects.filter(order=order).exists()


@pytest.mark.parametrize(
    ("field", "extra"),
    [
        ("statement", {"statement": "   "}),
        ("category", {"category": "bogus"}),
        ("photos", {"photos": [photo()] * 7}),
    ],
)
def test_bad_input_is_refused_beside_the_field(listing, customer, fire, field, extra):
    order = delivered_order(listing, customer, fire)

    with pytest.raises(DomainError) as raised:
        _open(order, customer, **extra)

    assert field in raised.value.fields
    assert not Dispute.objects.exists()
    assert not DisputeEvidence.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(listing, customer, fire):
    from django.core.files.uploadedfile import SimpleUploadedFile

    order = delivered_order(listing, customer, fire)
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")

    with pytest.raises(DomainError) as raised:
        _open(order, customer, photos=[fake])

    assert "photos" in raised.value.fields
    assert not Dispute.objects.exists()


# --- Outcomes: every one leaves the books closed -----------------------------------


def test_accepting_the_claim_refunds_a_delivered_order_in_full(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)
    paid = dispute.paid_amount

    dispute = settled(
        disputes.respond_to_dispute,
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        answer="accept",
    )

    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    assert dispute.status == Status.SETTLED
    assert dispute.outcome == Dispute.Outcome.FULL_REFUND
    assert order_payment(order).refunded_amount == paid
    assert balance(K.PROVIDER_PENDING, provider=order.provider) == 0
    assert_books_closed(order)


def test_a_partial_offer_accepted_splits_a_delivered_order(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)
    paid = dispute.paid_amount
    fee = order_payment(order).service_fee_amount

    settled(
        disputes.respond_to_dispute,
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        answer="offer",
        amount=3_000,
        statement="Two rooms were done.",
    )
    dispute = settled(
        disputes.accept_offer, user=customer, dispute_id=dispute.public_id
    )

    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert dispute.outcome == Dispute.Outcome.PARTIAL_REFUND
    assert dispute.refund_amount == 3_000
    assert order_payment(order).refunded_amount == 3_000
    earned_rest = paid - 3_000 - fee
    commission = earned_rest * 1500 // 10_000
    assert balance(K.PROVIDER_PENDING, provider=order.provider) == (
        earned_rest - commission
    )
    assert_books_closed(order)


def test_ops_decide_the_provider_keeps_all(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)
    settled(
        disputes.respond_to_dispute,
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        answer="reject",
    )
    ops = make_ops("Support")

    dispute = settled(
        disputes.decide_dispute,
        user=ops,
        dispute_id=dispute.public_id,
        refund_amount=0,
        reason="The photos show the work was done.",
    )

    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert dispute.status == Status.DECIDED
    assert dispute.outcome == Dispute.Outcome.NO_REFUND
    assert dispute.decided_by == ops
    assert dispute.decision_reason == "The photos show the work was done."
    assert order_payment(order).refunded_amount == 0
    assert balance(K.PROVIDER_PENDING, provider=order.provider) > 0
    entry = AuditEntry.objects.get(action="support.decide_dispute")
    assert entry.reason == "The photos show the work was done."
    assert_books_closed(order)


def test_ops_split_with_a_penalty_gives_a_strike(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)
    settled(
        disputes.respond_to_dispute,
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        answer="reject",
    )

    dispute = settled(
        disputes.decide_dispute,
        user=make_ops("Ops admin"),
        dispute_id=dispute.public_id,
        refund_amount=4_000,
        reason="Half the rooms were skipped.",
        penalise_provider=True,
    )

    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert dispute.outcome == Dispute.Outcome.PARTIAL_REFUND
    assert dispute.penalised
    assert Strike.objects.filter(provider=order.provider, order=order).exists()
    assert order_payment(order).refunded_amount == 4_000
    assert_books_closed(order)


def test_after_completion_the_refund_is_taken_back_from_the_provider(
    listing, customer, fire
):
    order = completed_order(listing, customer, fire)
    pending_before = balance(K.PROVIDER_PENDING, provider=order.provider)
    dispute = _open(order, customer)

    settled(
        disputes.respond_to_dispute,
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        answer="offer",
        amount=2_500,
    )
    settled(disputes.accept_offer, user=customer, dispute_id=dispute.public_id)

    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert order_payment(order).refunded_amount == 2_500
    assert balance(K.PROVIDER_PENDING, provider=order.provider) == (
        pending_before - 2_500
    )
    assert balance(K.PROVIDER_RECEIVABLE, provider=order.provider) == 0
    assert_books_closed(order)


def test_what_the_provider_no_longer_has_the_platform_pays_and_the_provider_owes(
    listing, customer, fire
):
    order = completed_order(listing, customer, fire)
    pending = LedgerAccount.objects.get(
        kind=K.PROVIDER_PENDING, provider=order.provider
    )
    held = pending.balance
    dispute = _open(order, customer)
    # The provider's earnings are gone (paid out in the meantime): stand-in by
    # a fine that takes all of it.
    from doorstep.payments.flows import charge_fine

    charge_fine(order=order, fine_id="fin_test", amount=held)
    assert balance(K.PROVIDER_PENDING, provider=order.provider) == 0

    settled(
        disputes.respond_to_dispute,
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        answer="accept",
    )

    assert order_payment(order).refunded_amount == dispute.paid_amount
    assert balance(K.PROVIDER_RECEIVABLE, provider=order.provider) == (
        dispute.paid_amount
    )
    assert balance(K.REFUNDS_PAID) == 0
    assert_books_closed(order)


# --- Asking first, then ops ---------------------------------------------------------


def test_the_opener_cannot_answer_their_own_claim(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)

    with pytest.raises(Conflict) as raised:
        disputes.respond_to_dispute(
            user=customer, dispute_id=dispute.public_id, answer="accept"
        )

    assert raised.value.code == "dispute_not_waiting"


def test_only_the_opener_takes_an_offer(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)
    disputes.respond_to_dispute(
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        answer="offer",
        amount=1_000,
    )

    with pytest.raises(Conflict):
        disputes.accept_offer(user=listing.provider.user, dispute_id=dispute.public_id)
    with pytest.raises(NotFound):
        disputes.accept_offer(user=make_user(), dispute_id=dispute.public_id)


def test_an_offer_above_what_was_paid_is_refused(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)

    with pytest.raises(DomainError) as raised:
        disputes.respond_to_dispute(
            user=listing.provider.user,
            dispute_id=dispute.public_id,
            answer="offer",
            amount=dispute.paid_amount + 1,
        )

    assert raised.value.code == "refund_too_large"
    dispute.refresh_from_db()
    assert dispute.status == Status.AWAITING_RESPONSE


def test_a_declined_offer_goes_to_ops(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)
    disputes.respond_to_dispute(
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        answer="offer",
        amount=1_000,
    )

    dispute = settled(
        disputes.decline_offer, user=customer, dispute_id=dispute.public_id
    )

    assert dispute.status == Status.ESCALATED
    assert dispute.escalation == Dispute.Escalation.OFFER_DECLINED
    assert list(disputes.escalated_disputes()) == [dispute]


def test_nobody_answering_in_time_escalates(listing, customer, fire, settings):
    settings.DOORSTEP_DISPUTE_RESPONSE_DAYS = 3
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)

    assert disputes.escalate_overdue_disputes(
        now=timezone.now() + timedelta(days=2)
    ) == {"escalated": 0, "redo_failed": 0}
    assert disputes.escalate_overdue_disputes(
        now=timezone.now() + timedelta(days=3, minutes=1)
    ) == {"escalated": 1, "redo_failed": 0}

    dispute.refresh_from_db()
    assert dispute.status == Status.ESCALATED
    assert dispute.escalation == Dispute.Escalation.NO_RESPONSE


def test_ops_need_the_role_that_decides_disputes(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)
    disputes.respond_to_dispute(
        user=listing.provider.user, dispute_id=dispute.public_id, answer="reject"
    )

    with pytest.raises(PermissionDenied):
        disputes.decide_dispute(
            user=make_ops("Finance"),
            dispute_id=dispute.public_id,
            refund_amount=100,
            reason="x",
        )
    # Support decides disputes but may not give strikes.
    with pytest.raises(PermissionDenied):
        disputes.decide_dispute(
            user=make_ops("Support"),
            dispute_id=dispute.public_id,
            refund_amount=100,
            reason="x",
            penalise_provider=True,
        )

    dispute.refresh_from_db()
    assert dispute.status == Status.ESCALATED
    assert order_payment(order).refunded_amount == 0


def test_a_decision_needs_a_reason_and_an_escalated_dispute(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)
    ops = make_ops("Support")

    with pytest.raises(Conflict):
        disputes.decide_dispute(
            user=ops, dispute_id=dispute.public_id, refund_amount=0, reason="ok"
        )
    disputes.respond_to_dispute(
        user=listing.provider.user, dispute_id=dispute.public_id, answer="reject"
    )
    with pytest.raises(DomainError) as raised:
        disputes.decide_dispute(
            user=ops, dispute_id=dispute.public_id, refund_amount=0, reason="  "
        )
    assert raised.value.code == "reason_missing"


def test_evidence_from_either_side_until_closed(listing, customer, fire):
    order = delivered_order(listing, customer, fire)
    dispute = _open(order, customer)

    disputes.add_evidence(
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        statement="Here is the kitchen after.",
        photos=[photo()],
    )
    with pytest.raises(NotFound):
        disputes.add_evidence(
            user=make_user(), dispute_id=dispute.public_id, statement="me too"
        )
    settled(
        disputes.respond_to_dispute,
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        answer="accept",
    )
    with pytest.raises(Conflict) as raised:
        disputes.add_evidence(
            user=customer, dispute_id=dispute.public_id, statement="late"
        )

    assert raised.value.code == "dispute_closed"
    assert [e.side for e in dispute.evidence.all()] == ["provider"]
    assert Order.objects.get(pk=order.pk).state == OrderState.REFUNDED
    assert escrow(order) == 0
