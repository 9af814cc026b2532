"""The provider's promotion page and the API: choose the days, see the price
from the one price function, confirm; someone else's service is a 404."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.catalog.models import Listing
from doorstep.promotions.models import Promotion
from tests.factories import make_listing, make_provider

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _day_price(settings):
    settings.DOORSTEP_PROMOTION_DAY_PRICE = 700


def _page(listing: Listing) -> str:
    return f"/dashboard/services/{listing.public_id}/promote/"


def test_the_owner_sees_the_price_then_confirms(client):
    listing = make_listing()
    client.force_login(listing.provider.user)
    edit = client.get(f"/dashboard/services/{listing.public_id}/")
    assert _page(listing) in edit.content.decode()
    # choosing 3 days shows 3 × 7.00
    quote = client.get(_page(listing), {"days": "3"})
    assert quote.status_code == 200
    assert quote.context["total"].amount == 2_100
    key = quote.context["request_key"]
    # confirming twice (a double click) buys once
    for _ in range(2):
        done = client.post(_page(listing), {"days": "3", "request_key": key})
        assert done.status_code == 302
    (promotion,) = Promotion.objects.filter(listing=listing)
    assert (promotion.days, promotion.total) == (3, 2_100)
    report = client.get(_page(listing))
    assert promotion.public_id in report.content.decode()


def test_someone_else_gets_a_404_and_buys_nothing(client):
    listing = make_listing()
    client.force_login(make_provider().user)
    assert client.get(_page(listing)).status_code == 404
    assert client.post(_page(listing), {"days": "3"}).status_code == 404
    assert not Promotion.objects.exists()


def test_an_unpublished_service_is_refused_on_the_page(client):
    listing = make_listing(status=Listing.Status.PAUSED)
    client.force_login(listing.provider.user)
    response = client.post(_page(listing), {"days": "3"})
    assert response.status_code == 200
    assert response.context["error_message"]
    assert not Promotion.objects.exists()


def test_the_api_promotes_and_reports():
    from django.test import Client

    client = Client()
    listing = make_listing()
    headers = {**bearer(listing.provider.user), "HTTP_IDEMPOTENCY_KEY": "abc"}
    url = f"{API}/me/listings/{listing.public_id}/promotions"
    for _ in range(2):
        created = client.post(url, {"days": 2}, content_type=JSON, **headers)
        assert created.status_code == 201, created.content
    body = created.json()
    assert body["total"] == {"amount": 1_400, "currency": "CNY"}
    assert Promotion.objects.count() == 1
    listed = client.get(url, **headers).json()
    assert [row["id"] for row in listed] == [body["id"]]
    assert listed[0]["impressions"] == 0


def test_the_api_refuses_the_wrong_user_and_bad_days(client):
    listing = make_listing()
    url = f"{API}/me/listings/{listing.public_id}/promotions"
    stranger = bearer(make_provider().user)
    assert_problem(client.post(url, {"days": 2}, content_type=JSON, **stranger), 404)
    assert_problem(client.get(url, **stranger), 404)
    owner = bearer(listing.provider.user)
    assert_problem(client.post(url, {"days": 31}, content_type=JSON, **owner), 400)
    assert not Promotion.objects.exists()
