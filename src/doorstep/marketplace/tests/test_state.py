"""Every process sees a change on its next request, for the price of one
single-row query per request; the cities search offers come from the settings."""

from urllib.request import urlopen

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from doorstep.marketplace import queries, services
from doorstep.marketplace.models import City, MarketplaceSettings
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import make_ops


def _settings_queries(captured: CaptureQueriesContext) -> list[str]:
    """Reads of the settings row and the cities. The tax region of the place
    priced joins the cities too, but it is the taxes app's own lookup."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if "marketplace_" in query["sql"] and "taxes_" not in query["sql"]
    ]


@pytest.mark.django_db
def test_a_page_reads_the_settings_once_however_much_it_shows(client):
    # Given a page that shows the name (title, header, footer), the colours,
    # the city quick picks, and a price with the service fee
    services.update_branding(
        actor=make_ops("Ops admin"),
        name="Handy Harbour",
        primary_colour="#1d4ed8",
        accent_colour="",
    )
    listing = bookable_listing(duration=60)
    client.get(reverse("web:home"))  # this process loads the cities once

    # When the home page and the price preview are requested
    with CaptureQueriesContext(connection) as home:
        html = client.get(reverse("web:home")).content.decode()
    with CaptureQueriesContext(connection) as price:
        client.get(f"/api/v1/services/{listing.public_id}/price")

    # Then each read the settings row exactly once, and the cities not at all
    assert html.count("Handy Harbour") >= 3
    assert len(_settings_queries(home)) == 1, _settings_queries(home)
    assert len(_settings_queries(price)) == 1, _settings_queries(price)


@pytest.mark.django_db(transaction=True)
def test_another_process_change_is_seen_on_the_next_request(live_server):
    """The live server answers from its own thread and database connection, like
    another web process. The change is written the way another process's
    service leaves the database — new values and a new version — but without
    the ``state.forget()`` that would clear this process's copies, so only the
    version check can make the server see it."""
    admin = make_ops("Ops admin")
    services.update_branding(
        actor=admin, name="Before", primary_colour="", accent_colour=""
    )
    services.add_city(
        actor=admin,
        slug="tokyo",
        name_en="Tokyo",
        currency="JPY",
        time_zone="Asia/Tokyo",
        latitude=35.6762,
        longitude=139.6503,
    )
    url = live_server.url + reverse("search:search")
    first = urlopen(url).read().decode()  # noqa: S310 - the test's own server
    assert "Before" in first
    assert "Tokyo" in first

    City.objects.filter(slug="tokyo").update(name_en="Edo")
    MarketplaceSettings.objects.filter(pk=1).update(
        name="After", version=F("version") + 1, updated_at=timezone.now()
    )

    second = urlopen(url).read().decode()  # noqa: S310
    assert "After" in second
    assert "Before" not in second
    assert "Edo" in second
    assert "Tokyo" not in second


@pytest.mark.django_db
def test_search_offers_the_served_cities_in_order_and_in_the_readers_language(
    client,
):
    html = client.get(reverse("search:search"), HTTP_ACCEPT_LANGUAGE="zh-hant")
    text = html.content.decode()
    positions = [text.find(name) for name in ("上海", "臺北", "香港", "舊金山", "紐約")]
    assert -1 not in positions
    assert positions == sorted(positions)


@pytest.mark.django_db
def test_a_city_picked_on_search_centres_the_search_on_it(client):
    response = client.get(reverse("search:search"), {"city": "hong-kong"})
    assert response.status_code == 302
    assert "lat=22.2819" in response.url
    assert "lng=114.158" in response.url


@pytest.mark.django_db
def test_the_nearest_city_within_its_radius_is_the_city_of_a_point():
    assert queries.city_near(31.19, 121.44).slug == "shanghai"
    assert queries.city_near(22.30, 114.17).slug == "hong-kong"
    assert queries.city_near(40.73, -73.99).currency == "USD"
    # Hangzhou is 165 km from Shanghai's centre: outside its 60 km
    assert queries.city_near(30.27, 120.15) is None


@pytest.mark.django_db
def test_every_demo_city_is_seeded_with_its_currency_and_time_zone():
    from doorstep.demo.data import CITIES

    seeded = {city.slug: (city.currency, city.time_zone) for city in queries.cities()}
    assert seeded == {city.slug: (city.currency, city.time_zone) for city in CITIES}
    assert MarketplaceSettings.objects.get(pk=1).version == 1


@pytest.mark.django_db(transaction=True)
def test_under_asgi_too_a_request_reads_the_settings_once(monkeypatch):
    """The production server is ASGI, where the view runs in a worker thread:
    the once-per-request copy must reach it there too."""
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    from doorstep.marketplace import state

    reads = []
    original = state.read_row

    def counting():
        reads.append(1)
        return original()

    monkeypatch.setattr(state, "read_row", counting)
    client = AsyncClient()
    async_to_sync(client.get)(reverse("web:home"))  # loads the cities once
    reads.clear()

    html = async_to_sync(client.get)(reverse("web:home")).content.decode()

    assert "search-city" in html
    assert len(reads) == 1


@pytest.mark.django_db
def test_before_the_first_migration_wrote_them_the_initial_cities_are_served():
    """A transactional test's flush empties the tables the migration filled:
    with no settings row and no city, search still offers the initial cities
    (and everything else follows the environment)."""
    from doorstep.marketplace import policy

    MarketplaceSettings.objects.all().delete()
    City.objects.all().delete()

    assert [city.slug for city in queries.cities()][:2] == ["shanghai", "taipei"]
    assert queries.city_near(31.2, 121.5).currency == "CNY"
    assert policy.current() == policy.defaults()
