"""The private calendar link through the API, as the availability page makes it:
made (replacing the old one), shown once, turned off; only for the caller's own
provider profile."""

from urllib.parse import urlparse

import pytest

from doorstep.api.testing import API, assert_problem, bearer
from doorstep.scheduling.models import CalendarFeed
from tests.factories import make_provider, make_user

pytestmark = pytest.mark.django_db
FEED = f"{API}/me/calendar-feed"


def test_a_provider_makes_a_link_that_serves_their_calendar(client):
    provider = make_provider()
    headers = bearer(provider.user)

    response = client.post(FEED, **headers)

    assert response.status_code == 201, response.content
    path = urlparse(response.json()["url"]).path
    served = client.get(path)
    assert served.status_code == 200
    assert served["Content-Type"].startswith("text/calendar")
    status = client.get(FEED, **headers).json()
    assert status["live"] is True
    assert status["prefix"] == response.json()["prefix"]


def test_a_new_link_turns_the_old_one_off_and_delete_turns_it_off(client):
    provider = make_provider()
    headers = bearer(provider.user)
    old = urlparse(client.post(FEED, **headers).json()["url"]).path

    new = urlparse(client.post(FEED, **headers).json()["url"]).path

    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.delete(FEED, **headers).status_code == 204
    assert client.get(new).status_code == 404
    assert client.get(FEED, **headers).json() == {
        "live": False,
        "prefix": None,
        "created_at": None,
    }
    assert client.delete(FEED, **headers).status_code == 204


def test_someone_elses_link_is_out_of_reach(client):
    # Given a provider with a live link, and a customer and another provider
    owner = make_provider()
    client.post(FEED, **bearer(owner.user))
    other = make_provider()

    # When the others make or turn off "their" link
    assert_problem(
        client.post(FEED, **bearer(make_user())),
        404,
        "not_a_provider",
    )
    client.delete(FEED, **bearer(other.user))

    # Then the owner's stays on
    assert CalendarFeed.objects.filter(provider=owner, revoked_at__isnull=True).exists()


def test_a_read_only_token_cannot_make_or_revoke_a_link(client):
    provider = make_provider()
    headers = bearer(provider.user, scopes=["read"])

    assert_problem(client.post(FEED, **headers), 403, "insufficient_scope")
    assert_problem(client.delete(FEED, **headers), 403, "insufficient_scope")
    assert client.get(FEED, **headers).status_code == 200
    assert not CalendarFeed.objects.exists()
