"""Walking the order pages in Chinese finds no English left that we wrote: an
hourly job's line reads in the reader's language even when the customer booked
in English, and the order page's links speak Chinese."""

import pytest
from django.utils import translation

from doorstep.catalog.models import PricingModel
from doorstep.orders.services import transition_order
from doorstep.orders.tests.conftest import book_and_pay, booking
from doorstep.scheduling.tests.helpers import bookable_listing

pytestmark = pytest.mark.django_db


def test_an_hourly_line_reads_in_the_readers_language(client, customer):
    # Given an hourly job booked by a customer browsing in English
    listing = bookable_listing(duration=60, pricing_model=PricingModel.HOURLY)
    with translation.override("en"):
        order = book_and_pay(**booking(listing, customer, hours=2))
    assert order.lines.get(kind="service").description.endswith("2 hours")
    transition_order(order=order, name="accept", user=order.provider.user)

    # When the provider reads the order in Chinese
    client.force_login(order.provider.user)
    html = client.get(
        order.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    # Then the line and the links are in Chinese
    assert f"{order.title}，2 小时" in html
    assert "2 hours" not in html
    assert "给客户发消息" in html
    assert "Message the customer" not in html
