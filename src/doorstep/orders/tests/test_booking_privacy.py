"""The booking page shows where the provider works only roughly: never their exact
base coordinates in the page (HTML, data attributes, form fields), but an area
about a kilometre across and the service radius around it."""

import pytest
from django.urls import reverse

from doorstep.catalog.models import Listing
from doorstep.scheduling.tests.helpers import bookable_listing

pytestmark = pytest.mark.django_db

BASE = (31.234567, 121.476543)


@pytest.fixture
def listing() -> Listing:
    listing = bookable_listing(duration=120)
    Listing.objects.filter(pk=listing.pk).update(latitude=BASE[0], longitude=BASE[1])
    listing.refresh_from_db()
    return listing


def _exact_forms(value: float) -> list[str]:
    return [str(value), f"{value:.6f}", f"{value:.5f}", f"{value:.4f}", f"{value:.3f}"]


def test_the_booking_page_has_no_exact_base_coordinates(client, listing, customer):
    # Given a provider whose base is at a precise point
    client.force_login(customer)

    # When a customer opens the booking page
    html = client.get(reverse("orders:book", args=[listing.public_id])).content.decode()

    # Then neither coordinate appears to any useful precision
    for value in BASE:
        for text in _exact_forms(value):
            assert text not in html, text
    # And the map shows the approximate area with the service radius
    assert 'data-area-lat="31.23"' in html
    assert 'data-area-lng="121.48"' in html
    assert "data-area-radius-km=" in html


def test_the_listing_page_has_no_exact_base_coordinates(client, listing):
    html = client.get(
        reverse("catalog:listing", args=[listing.public_id])
    ).content.decode()

    for value in BASE:
        for text in _exact_forms(value):
            assert text not in html, text
