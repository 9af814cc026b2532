"""The private calendar feed: a valid iCalendar of the owner's upcoming jobs."""

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from doorstep.scheduling import services
from doorstep.scheduling.tests.helpers import bookable_listing, order_at

pytestmark = pytest.mark.django_db


def _feed_url(provider) -> str:
    _feed, token = services.create_calendar_feed(provider=provider)
    return reverse("scheduling:ical_feed", kwargs={"token": token})


def _events(response) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_lists_the_owners_open_upcoming_jobs(client):
    listing = bookable_listing(zone="America/Los_Angeles")
    soon = timezone.now().replace(microsecond=0) + timedelta(days=2)
    accepted = order_at(listing, soon, 90, state="accepted")
    requested = order_at(listing, soon + timedelta(days=1), 60, state="requested")
    order_at(listing, soon + timedelta(days=2), 60, state="cancelled")
    order_at(listing, soon - timedelta(days=5), 60, state="accepted")  # over
    order_at(bookable_listing(), soon, 60)  # someone else's
    url = _feed_url(listing.provider)

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["version"] == "2.0"
    assert str(calendar["x-wr-timezone"]) == "America/Los_Angeles"
    events = _events(response)
    assert set(events) == {
        f"{accepted.public_id}@orders.doorstep",
        f"{requested.public_id}@orders.doorstep",
    }
    event = events[f"{accepted.public_id}@orders.doorstep"]
    assert str(event["summary"]) == listing.title
    assert event.decoded("dtstart") == accepted.starts_at
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=90)
    assert str(event["location"]) == "1 Test Road"
    assert accepted.public_id in str(event["url"])
    assert str(event["url"]).startswith("http://testserver/")
    assert str(event["status"]) == "CONFIRMED"
    assert str(events[f"{requested.public_id}@orders.doorstep"]["status"]) == (
        "TENTATIVE"
    )
    # Calendar apps match events by UID: the same on every fetch.
    assert set(_events(client.get(url))) == set(events)


def test_a_revoked_or_unknown_feed_is_not_found(client):
    listing = bookable_listing()
    url = _feed_url(listing.provider)
    services.revoke_calendar_feed(provider=listing.provider)

    assert client.get(url).status_code == 404
    unknown = reverse("scheduling:ical_feed", kwargs={"token": "cal_nothing"})
    assert client.get(unknown).status_code == 404


def test_a_rotated_feed_answers_only_at_the_new_address(client):
    listing = bookable_listing()
    old = _feed_url(listing.provider)
    new = _feed_url(listing.provider)

    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
