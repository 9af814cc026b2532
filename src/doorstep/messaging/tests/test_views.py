"""The messaging pages: inbox, thread, sending (htmx and plain), the polling
fallback, starting from a listing or an order; 404 for strangers everywhere."""

import pytest
from django.urls import reverse

from doorstep.messaging import services
from doorstep.messaging.masking import MASK
from doorstep.messaging.models import Conversation
from tests.factories import make_order

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_message_the_provider_from_the_listing_page(client, customer, listing):
    client.force_login(customer)
    page = client.get(
        reverse("catalog:listing", kwargs={"public_id": listing.public_id})
    )
    assert "Message the provider" in page.content.decode()

    response = client.post(reverse("messaging:start_inquiry", args=[listing.public_id]))

    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response.url == conversation.get_absolute_url()


def test_the_provider_sees_no_button_on_their_own_listing(
    client, provider_user, listing
):
    client.force_login(provider_user)
    page = client.get(
        reverse("catalog:listing", kwargs={"public_id": listing.public_id})
    )

    assert "Message the provider" not in page.content.decode()


def test_sending_with_htmx_answers_the_message_and_the_masking_notice(
    client, customer, inquiry
):
    client.force_login(customer)
    url = reverse("messaging:send", args=[inquiry.public_id])

    response = client.post(url, {"body": "wechat: jane_88"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert f"wechat: {MASK}" in html
    assert "composer__notice--masked" in html
    assert "messaging app ids" in html


def test_an_empty_message_shows_the_error_beside_the_composer(
    client, customer, inquiry
):
    client.force_login(customer)

    response = client.post(
        reverse("messaging:send", args=[inquiry.public_id]), {"body": " "}, **HTMX
    )

    assert "composer__notice--error" in response.content.decode()
    assert not inquiry.messages.exists()


def test_the_thread_marks_read_and_shows_seen(client, customer, provider_user, inquiry):
    services.send_message(sender=customer, conversation=inquiry, body="Hello there")
    client.force_login(provider_user)

    page = client.get(inquiry.get_absolute_url())

    assert "Hello there" in page.content.decode()
    client.force_login(customer)
    mine = client.get(reverse("messaging:thread", args=[inquiry.public_id]))
    assert "Seen" in mine.content.decode()


def test_the_inbox_lists_conversations_with_unread_counts(
    client, customer, provider_user, inquiry
):
    services.send_message(sender=customer, conversation=inquiry, body="Question?")
    client.force_login(provider_user)

    page = client.get(reverse("messaging:inbox")).content.decode()

    assert "Cora Customer" in page
    assert "Question?" in page
    assert "inbox__badge" in page


def test_the_order_conversation_link_redirects(client, customer, listing):
    order = make_order(listing=listing, customer=customer)
    client.force_login(customer)

    response = client.get(
        reverse("messaging:order_conversation", args=[order.public_id])
    )

    assert response.status_code == 302
    assert response.url == Conversation.objects.get(order=order).get_absolute_url()


def test_a_stranger_gets_404_on_every_page(
    client, stranger, customer, listing, inquiry
):
    order = make_order(listing=listing, customer=customer)
    client.force_login(stranger)
    conversation_id = inquiry.public_id

    for response in (
        client.get(reverse("messaging:conversation", args=[conversation_id])),
        client.get(reverse("messaging:thread", args=[conversation_id])),
        client.post(reverse("messaging:send", args=[conversation_id]), {"body": "x"}),
        client.get(reverse("messaging:order_conversation", args=[order.public_id])),
    ):
        assert response.status_code == 404
    assert "Cora" not in client.get(reverse("messaging:inbox")).content.decode()
