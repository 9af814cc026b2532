"""A free redo as a dispute's outcome: the provider offers to come back at a
time free on their calendar (with a refund too, if they like) and the customer
takes it, or ops decide one. The redo is an order of its own at no charge; the
money of the disputed order settles as agreed and the books close."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.urls import reverse

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.audit.models import AuditEntry
from doorstep.core.errors import Conflict, DomainError
from doorstep.notifications.models import Notification
from doorstep.orders.models import Order
from doorstep.orders.services import place_order, transition_order
from doorstep.orders.states import OrderState
from doorstep.orders.tests.conftest import at, booking
from doorstep.payments.flows import order_payment
from doorstep.payments.models import AccountKind as K
from doorstep.scheduling.models import TimeClaim
from doorstep.scheduling.tests.helpers import bookable_listing
from doorstep.support import disputes
from doorstep.support.models import Dispute, Ticket
from doorstep.support.tests.disputes.helpers import (
    assert_books_closed,
    balance,
    delivered_order,
    settled,
)
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db

Status = Dispute.Status


@pytest.fixture
def listing():
    # A provider who works 09:00–17:00 every day: a redo needs a free time.
    return bookable_listing(duration=120)


def _disputed(listing, customer, fire, *, opener=None):
    order = delivered_order(listing, customer, fire)
    dispute = settled(
        disputes.open_dispute,
        user=opener or customer,
        order_id=order.public_id,
        category=Dispute.Category.POOR_QUALITY,
        statement="The bathroom was left dirty.",
    )
    return order, dispute


def _escalated(listing, customer, fire):
    """Disputed, and the provider rejected the claim: ops decide."""
    order, dispute = _disputed(listing, customer, fire)
    settled(
        disputes.respond_to_dispute,
        user=listing.provider.user,
        dispute_id=dispute.public_id,
        answer="reject",
    )
    return order, dispute


def _offer_redo(dispute, provider_user, *, redo_at, amount=None):
    return settled(
        disputes.respond_to_dispute,
        user=provider_user,
        dispute_id=dispute.public_id,
        answer="redo",
        redo_at=redo_at,
        amount=amount,
        statement="I will come back and do the bathroom again.",
    )


def _take(dispute, customer):
    return settled(disputes.accept_offer, user=customer, dispute_id=dispute.public_id)


def test_a_redo_offer_taken_books_a_free_order_and_pays_the_provider(
    listing, customer, fire
):
    order, dispute = _disputed(listing, customer, fire)
    redo_at = at("14:00", days=6)

    dispute = _offer_redo(dispute, listing.provider.user, redo_at=redo_at)
    assert (dispute.status, dispute.offer_redo_at, dispute.offer_amount) == (
        Status.OFFER_MADE,
        redo_at,
        0,
    )
    told = Notification.objects.filter(recipient=customer).order_by("-pk").first()
    assert "come back" in told.body

    dispute = settled(
        disputes.accept_offer, user=customer, dispute_id=dispute.public_id
    )

    redo = dispute.redo_order
    assert (redo.state, redo.total_amount, redo.redo_of) == ("accepted", 0, order)
    assert redo.starts_at == redo_at
    assert TimeClaim.objects.filter(order=redo, released_at__isnull=True).exists()
    assert (dispute.status, dispute.outcome, dispute.refund_amount) == (
        Status.SETTLED,
        Dispute.Outcome.NO_REFUND,
        0,
    )
    order.refresh_from_db()
    assert order.state == OrderState.COMPLETED
    assert balance(K.PROVIDER_PENDING, provider=order.provider) > 0
    assert not redo.journal_entries.exists()
    assert_books_closed(order)


def test_a_redo_with_a_refund_splits_the_money_too(listing, customer, fire):
    order, dispute = _disputed(listing, customer, fire)
    dispute = _offer_redo(
        dispute, listing.provider.user, redo_at=at("10:00", days=6), amount=2_000
    )

    dispute = settled(
        disputes.accept_offer, user=customer, dispute_id=dispute.public_id
    )

    assert dispute.outcome == Dispute.Outcome.PARTIAL_REFUND
    assert dispute.redo_order is not None
    assert order_payment(order).refunded_amount == 2_000
    assert_books_closed(order)


def test_only_the_provider_offers_a_redo(listing, customer, fire):
    order, dispute = _disputed(listing, customer, fire, opener=listing.provider.user)

    with pytest.raises(DomainError) as refused:
        _offer_redo(dispute, customer, redo_at=at("14:00", days=6))

    assert refused.value.code == "redo_not_offered"
    dispute.refresh_from_db()
    assert dispute.status == Status.AWAITING_RESPONSE
    assert not Order.objects.filter(redo_of=order).exists()


@pytest.mark.parametrize(
    ("redo_at", "code"),
    [(None, "invalid_input"), (at("03:00", days=6), "outside_availability")],
)
def test_a_redo_time_the_calendar_refuses_is_shown_beside_the_field(
    listing, customer, fire, redo_at, code
):
    _order, dispute = _disputed(listing, customer, fire)

    with pytest.raises(DomainError) as refused:
        _offer_redo(dispute, listing.provider.user, redo_at=redo_at)

    assert refused.value.code == code
    assert "redo_at" in refused.value.fields
    dispute.refresh_from_db()
    assert (dispute.status, dispute.offer_redo_at) == (Status.AWAITING_RESPONSE, None)


def test_a_time_taken_since_the_offer_changes_nothing_and_may_be_declined(
    listing, customer, fire
):
    order, dispute = _disputed(listing, customer, fire)
    redo_at = at("14:00", days=6)
    _offer_redo(dispute, listing.provider.user, redo_at=redo_at)
    # Another customer books the provider at that time meanwhile.
    place_order(**booking(listing, make_user(), starts_at=redo_at))
    paid_before = order_payment(order).refunded_amount

    with pytest.raises(Conflict) as refused:
        settled(disputes.accept_offer, user=customer, dispute_id=dispute.public_id)

    assert refused.value.code == "slot_taken"
    dispute.refresh_from_db()
    order.refresh_from_db()
    assert (dispute.status, dispute.redo_order) == (Status.OFFER_MADE, None)
    assert order.state == OrderState.DISPUTED
    assert order_payment(order).refunded_amount == paid_before
    dispute = settled(
        disputes.decline_offer, user=customer, dispute_id=dispute.public_id
    )
    assert dispute.status == Status.ESCALATED


def test_ops_decide_a_redo_with_a_partial_refund(listing, customer, fire):
    order, dispute = _escalated(listing, customer, fire)
    ops = make_ops("Support")
    redo_at = at("11:00", days=7)

    dispute = settled(
        disputes.decide_dispute,
        user=ops,
        dispute_id=dispute.public_id,
        refund_amount=1_500,
        reason="Half of it was not done: a redo and a little back.",
        redo_at=redo_at,
    )

    assert dispute.status == Status.DECIDED
    assert (dispute.redo_order.starts_at, dispute.redo_order.total_amount) == (
        redo_at,
        0,
    )
    assert order_payment(order).refunded_amount == 1_500
    entry = AuditEntry.objects.get(action="support.decide_dispute")
    assert entry.after["redo_order"] == dispute.redo_order.public_id
    told = Notification.objects.filter(recipient=customer).order_by("-pk").first()
    assert "free redo" in told.body
    assert_books_closed(order)


def test_a_decision_whose_redo_time_is_taken_writes_nothing(listing, customer, fire):
    order, dispute = _escalated(listing, customer, fire)
    ops = make_ops("Support")
    # The provider's own delivered order holds its time: a redo on top of it.
    taken = order.starts_at

    with pytest.raises(DomainError) as refused:
        settled(
            disputes.decide_dispute,
            user=ops,
            dispute_id=dispute.public_id,
            refund_amount=0,
            reason="A redo.",
            redo_at=taken,
        )

    assert "redo_at" in refused.value.fields
    dispute.refresh_from_db()
    assert (dispute.status, dispute.redo_order) == (Status.ESCALATED, None)
    assert not AuditEntry.objects.filter(action="support.decide_dispute").exists()


# --- On the web and through the API -------------------------------------------------


def test_the_provider_offers_a_redo_on_the_web_in_the_jobs_time_zone(
    client, listing, customer, fire
):
    _order, dispute = _disputed(listing, customer, fire)
    client.force_login(listing.provider.user)
    page = client.get(reverse("disputes:detail", args=[dispute.public_id]))
    assert b'value="redo"' in page.content
    wall_clock = at("15:00", days=6)

    response = client.post(
        reverse("disputes:respond", args=[dispute.public_id]),
        {
            "answer": "redo",
            "redo_at": wall_clock.strftime("%Y-%m-%dT%H:%M"),  # Shanghai, typed
            "statement": "I will come back.",
        },
    )

    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.offer_redo_at == wall_clock
    client.force_login(customer)
    page = client.get(reverse("disputes:detail", args=[dispute.public_id]))
    assert b"data-redo-offer" in page.content
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("disputes:take_offer", args=[dispute.public_id, "accept"]))
    dispute.refresh_from_db()
    page = client.get(reverse("disputes:detail", args=[dispute.public_id]))
    assert dispute.redo_order.public_id.encode() in page.content


def test_a_refused_redo_time_shows_beside_the_field_and_the_customer_has_no_redo(
    client, listing, customer, fire
):
    _order, dispute = _disputed(listing, customer, fire)
    client.force_login(listing.provider.user)

    response = client.post(
        reverse("disputes:respond", args=[dispute.public_id]),
        {"answer": "redo", "redo_at": at("03:00", days=6).strftime("%Y-%m-%dT%H:%M")},
    )

    assert response.status_code == 400
    assert "redo_at" in response.context["respond_form"].errors
    dispute.refresh_from_db()
    assert dispute.status == Status.AWAITING_RESPONSE
    # When the provider opened it, the customer answers without a redo option.
    provider_opened = delivered_order(
        listing, make_user(), fire, starts_in=timedelta(days=9)
    )
    opened = settled(
        disputes.open_dispute,
        user=listing.provider.user,
        order_id=provider_opened.public_id,
        category=Dispute.Category.NOT_PAID,
        statement="The customer does not confirm.",
    )
    client.force_login(provider_opened.customer)
    page = client.get(reverse("disputes:detail", args=[opened.public_id]))
    assert b'value="redo"' not in page.content
    assert b'value="offer"' in page.content


def test_the_api_offers_takes_and_decides_redos(client, listing, customer, fire):
    order, dispute = _disputed(listing, customer, fire)
    url = f"{API}/disputes/{dispute.public_id}"
    provider = listing.provider.user
    naive = {"answer": "redo", "redo_at": "2030-01-01T10:00:00"}
    assert_problem(
        client.post(f"{url}/response", naive, content_type=JSON, **bearer(provider)),
        400,
        "invalid_input",
    )
    redo_at = at("14:00", days=6)

    offered = client.post(
        f"{url}/response",
        {"answer": "redo", "redo_at": redo_at.isoformat(), "amount": 500},
        content_type=JSON,
        **bearer(provider),
    )

    assert offered.status_code == 200, offered.content
    assert offered.json()["offer_redo_at"] is not None
    assert offered.json()["offer"]["amount"] == 500
    with TestCase.captureOnCommitCallbacks(execute=True):
        taken = client.post(f"{url}/offer/accept", **bearer(customer))
    assert taken.status_code == 200, taken.content
    redo_id = taken.json()["redo_order_id"]
    assert Order.objects.get(public_id=redo_id).starts_at == redo_at
    assert taken.json()["refund"]["amount"] == 500
    assert_books_closed(order)


@pytest.mark.parametrize(("who", "followed"), [("provider", 1), ("customer", 0)])
def test_a_redo_the_provider_cancels_opens_a_ticket_for_the_customer_once(
    listing, customer, fire, who, followed
):
    order, dispute = _disputed(listing, customer, fire)
    dispute = _take(
        _offer_redo(dispute, listing.provider.user, redo_at=at("14:00", days=6)),
        customer,
    )
    canceller = listing.provider.user if who == "provider" else customer
    with TestCase.captureOnCommitCallbacks(execute=True):
        transition_order(order=dispute.redo_order, name="cancel", user=canceller)

    first = disputes.escalate_overdue_disputes()
    again = disputes.escalate_overdue_disputes()

    assert (first["redo_failed"], again["redo_failed"]) == (followed, 0)
    tickets = Ticket.objects.filter(requester=customer, order=order)
    assert tickets.count() == followed
    if followed:
        ticket = tickets.get()
        assert (ticket.priority, ticket.source) == ("high", "system")
        assert dispute.public_id in ticket.messages.get().body
