"""A provider's insights page: their own figures only; others are sent away."""

from datetime import timedelta

import pytest

from doorstep.analytics.services import record_listing_view
from tests.factories import make_listing, make_order, make_user

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/insights/"


def _bookings_this_month(response) -> int:
    return response.context["rows"][-1]["bookings"]


def test_a_provider_sees_their_own_views_and_bookings_only(client):
    mine = make_listing()
    theirs = make_listing()
    make_order(listing=mine, state="accepted", starts_in=timedelta(days=2))
    for day in (2, 3):
        make_order(listing=theirs, state="accepted", starts_in=timedelta(days=day))
    for _ in range(4):
        record_listing_view(listing_id=mine.pk, provider_id=mine.provider_id)
    client.force_login(mine.provider.user)
    response = client.get(PAGE)
    assert response.status_code == 200
    assert _bookings_this_month(response) == 1
    assert response.context["rows"][-1]["views"] == 4
    assert response.context["rows"][-1]["conversion"] == "25.0 %"
    page = response.content.decode()
    assert 'id="chart-funnel" type="application/json"' in page
    assert 'data-value="marketplace"' in page

    client.force_login(theirs.provider.user)
    response = client.get(PAGE)
    assert _bookings_this_month(response) == 2
    assert response.context["rows"][-1]["views"] == 0


def test_months_are_checked_beside_the_field(client):
    listing = make_listing()
    client.force_login(listing.provider.user)
    response = client.get(PAGE, {"months": "99"})
    assert response.status_code == 200
    assert 'id="months-error"' in response.content.decode()
    assert len(client.get(PAGE, {"months": "3"}).context["rows"]) == 3


def test_non_providers_are_sent_to_become_one(client):
    assert client.get(PAGE).status_code == 302
    client.force_login(make_user())
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/insights/" not in response["Location"]
