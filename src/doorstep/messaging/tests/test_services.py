"""Conversations and messages through the services: who may talk, masking before
and after acceptance, flags for ops, unread counts and read receipts."""

import pytest

from doorstep.catalog.tests.images import image_upload, upload
from doorstep.core.errors import DomainError, NotFound
from doorstep.events.models import Event
from doorstep.messaging import queries, services
from doorstep.messaging.masking import MASK
from doorstep.messaging.models import Conversation, Message, MessageFlag
from doorstep.messaging.tests.conftest import accept
from tests.factories import make_order

pytestmark = pytest.mark.django_db

PHONE_MESSAGE = "Call me on 138 0013 8000 instead"


# --- Starting ---------------------------------------------------------------------


def test_an_inquiry_is_opened_once_per_customer_and_listing(customer, listing):
    first = services.start_inquiry(customer=customer, listing_id=listing.public_id)
    again = services.start_inquiry(customer=customer, listing_id=listing.public_id)

    assert first == again
    assert Conversation.objects.count() == 1
    assert first.provider == listing.provider
    assert first.order is None


def test_a_provider_cannot_message_their_own_listing(provider_user, listing):
    with pytest.raises(DomainError) as error:
        services.start_inquiry(customer=provider_user, listing_id=listing.public_id)

    assert error.value.code == "own_listing"


def test_an_order_has_one_conversation(customer, listing):
    order = make_order(listing=listing, customer=customer)

    first = services.conversation_for_order(order=order)
    again = services.open_order_conversation(user=customer, order_id=order.public_id)

    assert first == again
    assert first.order == order


def test_a_stranger_cannot_open_an_orders_conversation(customer, listing, stranger):
    order = make_order(listing=listing, customer=customer)

    with pytest.raises(NotFound):
        services.open_order_conversation(user=stranger, order_id=order.public_id)


# --- Sending ------------------------------------------------------------------------


def test_only_the_two_parties_can_send(inquiry, customer, provider_user, stranger):
    services.send_message(sender=customer, conversation=inquiry, body="Hello!")
    services.send_message(sender=provider_user, conversation=inquiry, body="Hi!")

    with pytest.raises(NotFound):
        services.send_message(sender=stranger, conversation=inquiry, body="psst")
    assert inquiry.messages.count() == 2


def test_a_sent_message_is_recorded_as_an_event(inquiry, customer, provider_user):
    sent = services.send_message(sender=customer, conversation=inquiry, body="Hi")

    event = Event.objects.get(topic="message.sent")
    assert event.subject == sent.message.public_id
    assert event.payload["recipient"] == provider_user.public_id
    inquiry.refresh_from_db()
    assert inquiry.last_message_at == sent.message.created_at


@pytest.mark.parametrize(
    ("body", "code"), [("   ", "empty_message"), ("x" * 2001, "message_too_long")]
)
def test_bad_messages_are_refused(inquiry, customer, body, code):
    with pytest.raises(DomainError) as error:
        services.send_message(sender=customer, conversation=inquiry, body=body)

    assert error.value.code == code
    assert error.value.status == 400
    assert "body" in error.value.fields
    assert not Message.objects.exists()


def test_a_photo_is_checked_and_stored_without_metadata(inquiry, customer):
    sent = services.send_message(
        sender=customer, conversation=inquiry, attachment=image_upload()
    )

    message = sent.message
    assert message.attachment.name.endswith(".webp")
    assert message.attachment_thumbnail
    assert message.attachment_width


def test_a_file_that_is_not_an_image_is_refused(inquiry, customer):
    with pytest.raises(DomainError) as error:
        services.send_message(
            sender=customer,
            conversation=inquiry,
            attachment=upload(b"not an image at all", "x.jpg"),
        )

    assert error.value.status == 400
    assert "attachment" in error.value.fields


# --- Masking --------------------------------------------------------------------


def test_contact_details_are_masked_in_an_inquiry(inquiry, customer):
    sent = services.send_message(
        sender=customer, conversation=inquiry, body=PHONE_MESSAGE
    )

    message = sent.message
    assert sent.masked
    assert sent.reason
    assert message.body == f"Call me on {MASK} instead"
    assert message.masked
    assert message.masked_kinds == ["phone"]
    assert message.original_body == PHONE_MESSAGE  # kept apart, for ops only


def test_contact_details_are_masked_while_the_order_is_requested(customer, listing):
    order = make_order(listing=listing, customer=customer, state="requested")
    conversation = services.conversation_for_order(order=order)

    sent = services.send_message(
        sender=customer, conversation=conversation, body=PHONE_MESSAGE
    )

    assert sent.masked


def test_contact_details_pass_once_the_order_is_accepted(customer, listing, inquiry):
    order = make_order(listing=listing, customer=customer, state="requested")
    conversation = services.conversation_for_order(order=order)
    accept(order)

    in_order = services.send_message(
        sender=customer, conversation=conversation, body=PHONE_MESSAGE
    )
    in_inquiry = services.send_message(
        sender=customer, conversation=inquiry, body=PHONE_MESSAGE
    )

    assert not in_order.masked
    assert in_order.message.body == PHONE_MESSAGE
    assert in_order.message.original_body == ""
    # The two have a confirmed deal, so the earlier inquiry is free too.
    assert not in_inquiry.masked


def test_repeated_attempts_are_flagged_for_ops(inquiry, customer, settings):
    settings.DOORSTEP_MESSAGING_FLAG_AFTER = 3
    for _ in range(2):
        services.send_message(sender=customer, conversation=inquiry, body=PHONE_MESSAGE)
    services.send_message(sender=customer, conversation=inquiry, body="No numbers")
    assert not MessageFlag.objects.exists()

    services.send_message(sender=customer, conversation=inquiry, body="vx: jane_88")
    services.send_message(
        sender=customer, conversation=inquiry, body="jane at qq dot com"
    )

    flag = MessageFlag.objects.get()
    assert flag.sender == customer
    assert flag.count == 4
    assert flag.reason == MessageFlag.Reason.CONTACT_DETAILS
    assert Event.objects.filter(topic="message.flagged").count() == 1


# --- Reading ---------------------------------------------------------------------


def test_unread_counts_and_read_receipts(inquiry, customer, provider_user):
    services.send_message(sender=customer, conversation=inquiry, body="One")
    services.send_message(sender=customer, conversation=inquiry, body="Two")

    assert queries.unread_count(provider_user) == 2
    assert queries.unread_count(customer) == 0  # your own messages are read
    assert queries.conversations_of(provider_user).get().unread == 2

    services.mark_read(user=provider_user, conversation=inquiry)

    assert queries.unread_count(provider_user) == 0
    last = inquiry.messages.last()
    assert queries.other_party_read_up_to(inquiry, customer) == last.pk

    services.send_message(sender=customer, conversation=inquiry, body="Three")
    assert queries.unread_count(provider_user) == 1


def test_a_stranger_cannot_read(inquiry, stranger):
    with pytest.raises(NotFound):
        queries.access_conversation(stranger, inquiry.public_id)
    with pytest.raises(NotFound):
        services.mark_read(user=stranger, conversation=inquiry)


def test_ops_can_read_and_the_reading_is_audited(inquiry, stranger):
    stranger.is_staff = True

    conversation = queries.access_conversation(stranger, inquiry.public_id, as_ops=True)

    assert conversation == inquiry
    event = Event.objects.get(topic="conversation.read_by_ops")
    assert event.payload == {"reader": stranger.public_id}
    with pytest.raises(NotFound):  # ops read; they never speak as a party
        services.send_message(sender=stranger, conversation=inquiry, body="hi")
