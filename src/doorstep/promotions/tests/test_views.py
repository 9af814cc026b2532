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


def _promotion(listing, **extra) -> Promotion:
    from doorstep.promotions.services import buy_promotion

    return buy_promotion(
        user=listing.provider.user, listing_id=listing.public_id, days=3, **extra
    )


def test_the_api_sells_a_daily_budget_and_reports_it_day_by_day(client):
    listing = make_listing()
    owner = bearer(listing.provider.user)
    url = f"{API}/me/listings/{listing.public_id}/promotions"
    body = {
        "days": 7,
        "mode": "daily_budget",
        "daily_budget": 500,
        "cost_per_click": 50,
    }
    created = client.post(url, body, content_type=JSON, **owner)
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["mode"] == "daily_budget"
    assert out["daily_budget"] == {"amount": 500, "currency": "CNY"}
    assert out["total"]["amount"] == 0
    # a second live budget is a conflict
    assert_problem(client.post(url, body, content_type=JSON, **owner), 409)
    days = client.get(f"{API}/me/promotions/{out['id']}/days", **owner)
    assert days.status_code == 200
    assert days.json() == []
    listed = client.get(url, **owner).json()
    assert listed[0]["spend"] == {"amount": 0, "currency": "CNY"}
    assert listed[0]["click_through_rate"] is None


def test_the_api_pauses_resumes_and_cancels(client):
    listing = make_listing()
    promotion = _promotion(listing)
    owner = bearer(listing.provider.user)
    base = f"{API}/me/promotions/{promotion.public_id}"
    assert client.post(f"{base}/pause", **owner).json()["status"] == "paused"
    assert_problem(client.post(f"{base}/pause", **owner), 409)
    assert client.post(f"{base}/resume", **owner).json()["status"] == "active"
    cancelled = client.post(f"{base}/cancel", **owner).json()
    assert (cancelled["status"], cancelled["refunded_days"]) == ("cancelled", 2)


def test_every_promotion_endpoint_is_a_404_for_someone_else(client):
    listing = make_listing()
    promotion = _promotion(listing)
    stranger = bearer(make_provider().user)
    base = f"{API}/me/promotions/{promotion.public_id}"
    assert_problem(client.get(f"{base}/days", **stranger), 404)
    for action in ("pause", "resume", "cancel"):
        assert_problem(client.post(f"{base}/{action}", **stranger), 404)
    # and on the web
    client.force_login(make_provider().user)
    for action in ("pause", "resume", "cancel"):
        page = f"/dashboard/promotions/{promotion.public_id}/{action}/"
        assert client.post(page).status_code == 404
    csv_url = f"/dashboard/services/{listing.public_id}/promotions.csv"
    assert client.get(csv_url).status_code == 404
    promotion.refresh_from_db()
    assert promotion.status == Promotion.Status.ACTIVE


def test_ops_end_through_the_api_needs_ops(client):
    listing = make_listing()
    promotion = _promotion(listing)
    url = f"{API}/ops/promotions/{promotion.public_id}/end"
    owner = bearer(listing.provider.user)
    assert_problem(client.post(url, {"reason": "x"}, content_type=JSON, **owner), 404)
    promotion.refresh_from_db()
    assert promotion.status == Promotion.Status.ACTIVE


def test_the_owner_pauses_cancels_and_downloads_on_the_web(client):
    listing = make_listing()
    promotion = _promotion(listing)
    client.force_login(listing.provider.user)
    page = client.get(_page(listing)).content.decode()
    pause = f"/dashboard/promotions/{promotion.public_id}/pause/"
    assert pause in page
    done = client.post(pause)
    assert done.status_code == 302
    promotion.refresh_from_db()
    assert promotion.status == Promotion.Status.PAUSED
    client.post(f"/dashboard/promotions/{promotion.public_id}/cancel/")
    promotion.refresh_from_db()
    assert promotion.status == Promotion.Status.CANCELLED
    export = client.get(f"/dashboard/services/{listing.public_id}/promotions.csv")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert promotion.public_id in export.content.decode()


def test_the_owner_starts_a_daily_budget_on_the_web(client):
    listing = make_listing()
    client.force_login(listing.provider.user)
    query = {
        "mode": "daily_budget",
        "days": "7",
        "daily_budget": "500",
        "cost_per_click": "50",
    }
    step = client.get(_page(listing), query)
    assert step.status_code == 200
    done = client.post(
        _page(listing), {**query, "request_key": step.context["request_key"]}
    )
    assert done.status_code == 302
    promotion = Promotion.objects.get(listing=listing)
    assert (promotion.mode, promotion.daily_budget, promotion.cost_per_click) == (
        "daily_budget",
        500,
        50,
    )
