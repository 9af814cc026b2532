"""What the customer types for the provider in a booking — the notes and the
address — is screened like a message: contact details are masked for the
provider until the deal is confirmed, and they or a request to pay off the
platform flag the customer for ops."""

import pytest

from doorstep.api.testing import API, bearer
from doorstep.messaging.models import MessageFlag
from doorstep.orders.queries import address_for, notes_for
from doorstep.orders.services import place_order, transition_order
from doorstep.orders.tests.conftest import book_and_pay, booking

pytestmark = pytest.mark.django_db

PHONE = "138 0013 8000"


def test_a_phone_number_in_the_address_is_masked_for_the_provider(
    client, listing, customer
):
    # given a booking whose address carries a phone number
    address = f"88 Huaihai Road, call {PHONE}"
    order = book_and_pay(**booking(listing, customer, address=address))
    provider = order.provider.user

    # then the provider reads it masked on the API and the page, the customer not
    response = client.get(f"{API}/orders/{order.public_id}", **bearer(provider))
    assert PHONE not in response.json()["address"]
    assert "88 Huaihai Road" in response.json()["address"]
    client.force_login(provider)
    assert PHONE not in client.get(order.get_absolute_url()).content.decode()
    assert address_for(order, customer) == address

    # and the customer is flagged for ops with what they typed
    flag = MessageFlag.objects.get(reason=MessageFlag.Reason.BOOKING_TEXT)
    assert flag.sender == customer
    assert flag.order == order
    assert PHONE in flag.excerpt

    # and once the provider accepts, the whole address shows
    transition_order(order=order, name="accept", user=provider)
    order.refresh_from_db()
    assert address_for(order, provider) == address


def test_an_off_platform_request_in_the_notes_is_flagged_and_warned(listing, customer):
    notes = "Book the minimum on the app and pay the rest in cash"

    order = place_order(**booking(listing, customer, notes=notes))

    assert "Doorstep" in order.booking_text_warning
    flag = MessageFlag.objects.get()
    assert flag.reason == MessageFlag.Reason.BOOKING_TEXT
    assert flag.excerpt.startswith(notes)
    # nothing to mask: the provider reads the notes as written
    assert notes_for(order, order.provider.user) == notes


def test_ordinary_notes_and_addresses_flag_nothing(listing, customer):
    order = place_order(
        **booking(listing, customer, notes="Third floor, the cat is friendly")
    )

    assert order.booking_text_warning == ""
    assert not MessageFlag.objects.exists()
