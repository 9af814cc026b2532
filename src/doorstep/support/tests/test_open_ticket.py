"""Opening a ticket: the first message with it, about one of the requester's
own orders only, and nothing written when the input is wrong."""

import pytest

from doorstep.core.errors import DomainError, NotFound
from doorstep.events.models import Event
from doorstep.scheduling.tests.helpers import bookable_listing
from doorstep.support.models import Ticket, TicketMessage
from doorstep.support.tickets import open_ticket
from doorstep.trust.tests.standards.helpers import paid_order
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_ticket_opens_with_its_first_message_and_an_event():
    customer = make_user()
    order = paid_order(bookable_listing(), customer)

    ticket = open_ticket(
        requester=customer,
        subject="  The cleaner left early ",
        body="Only two of the three hours were done.",
        topic=Ticket.Topic.OTHER,
        order_id=order.public_id,
    )

    assert ticket.subject == "The cleaner left early"
    assert ticket.topic == Ticket.Topic.ORDER  # about an order, whatever was chosen
    assert ticket.status == Ticket.Status.NEW
    assert ticket.order == order
    assert [m.body for m in ticket.messages.all()] == [
        "Only two of the three hours were done."
    ]
    assert Event.objects.filter(
        topic="support.ticket_opened", subject=ticket.public_id
    ).exists()


def test_the_provider_of_the_order_may_open_one_about_it_too():
    listing = bookable_listing()
    order = paid_order(listing, make_user())

    ticket = open_ticket(
        requester=listing.provider.user,
        subject="Customer not at home",
        body="I rang for ten minutes.",
        order_id=order.public_id,
    )

    assert ticket.order == order


def test_a_strangers_order_is_not_found_and_nothing_is_written():
    order = paid_order(bookable_listing(), make_user())

    with pytest.raises(NotFound) as raised:
        open_ticket(
            requester=make_user(),
            subject="Refund",
            body="Please",
            order_id=order.public_id,
        )

    assert raised.value.code == "order_not_found"
    assert not Ticket.objects.exists()
    assert not TicketMessage.objects.exists()


@pytest.mark.parametrize(
    ("subject", "body", "field"),
    [("", "text", "subject"), ("Hi", "   ", "body"), ("x" * 201, "text", "subject")],
)
def test_blank_or_long_text_is_refused_beside_the_field(subject, body, field):
    with pytest.raises(DomainError) as raised:
        open_ticket(requester=make_user(), subject=subject, body=body)

    assert raised.value.code == "invalid_input"
    assert field in raised.value.fields
    assert not Ticket.objects.exists()
