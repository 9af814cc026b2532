"""Booking notes go through the same contact-detail masking as messages: until the
provider accepts, the provider reads them with phone numbers, e-mail addresses and
handles hidden — on the API, the order page, the inbox and the calendar feed. The
customer always reads what they wrote."""

import icalendar
import pytest
from django.urls import reverse

from doorstep.api.testing import API, bearer
from doorstep.orders.services import transition_order
from doorstep.orders.tests.conftest import book_and_pay, booking
from doorstep.scheduling import services as scheduling

pytestmark = pytest.mark.django_db

PHONE = "138 0013 8000"
NOTES = f"Third floor, ring twice. Call me on {PHONE} or mail cora@example.com"


@pytest.fixture
def order(listing, customer):
    return book_and_pay(**booking(listing, customer, notes=NOTES))


def _api_notes(client, order, user) -> str:
    response = client.get(f"{API}/orders/{order.public_id}", **bearer(user))
    assert response.status_code == 200, response.content
    return response.json()["notes"]


def test_the_provider_reads_masked_notes_on_the_api_until_accepting(client, order):
    # Given a request whose notes carry a phone number and an e-mail address
    provider = order.provider.user

    # When the provider and the customer read it
    before = _api_notes(client, order, provider)
    own = _api_notes(client, order, order.customer)

    # Then the provider sees the notes without the contact details
    assert PHONE not in before
    assert "cora@example.com" not in before
    assert "Third floor, ring twice." in before
    assert own == NOTES

    # And once the deal is confirmed, the whole notes
    transition_order(order=order, name="accept", user=provider)
    assert _api_notes(client, order, provider) == NOTES


def test_the_order_page_and_inbox_mask_the_notes_for_the_provider(client, order):
    client.force_login(order.provider.user)

    page = client.get(order.get_absolute_url()).content.decode()
    inbox = client.get(reverse("orders:inbox")).content.decode()

    for html in (page, inbox):
        assert PHONE not in html
        assert "cora@example.com" not in html
        assert "Third floor" in html


def test_the_customer_sees_their_own_notes_on_the_page(client, order):
    client.force_login(order.customer)

    html = client.get(order.get_absolute_url()).content.decode()

    assert PHONE in html


def test_the_calendar_feed_masks_the_notes_of_a_request(client, order):
    _feed, token = scheduling.create_calendar_feed(provider=order.provider)

    response = client.get(reverse("scheduling:ical_feed", kwargs={"token": token}))

    calendar = icalendar.Calendar.from_ical(response.content)
    descriptions = [str(event["description"]) for event in calendar.walk("VEVENT")]
    assert descriptions
    assert all(PHONE not in text for text in descriptions)
    assert any("Third floor" in text for text in descriptions)
