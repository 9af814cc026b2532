"""Favourites and recommendations through the API and the web pages:
problem+json refusals, 404 for anyone else's favourite or order, "Book
again" filling the booking form through the normal booking page."""

import json
from datetime import timedelta

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.catalog.models import Listing
from doorstep.recommendations import services
from doorstep.recommendations.models import Favourite
from doorstep.recommendations.tests.helpers import customer_at, open_listing
from doorstep.search.indexing import index_listing
from tests.factories import SHANGHAI, make_completed_order, make_user

pytestmark = pytest.mark.django_db


def test_favourites_api_adds_lists_and_removes(client):
    customer, listing = make_user(), open_listing()
    auth = bearer(customer)
    body = json.dumps({"listing": listing.public_id})
    first = client.post(f"{API}/me/favourites", body, content_type=JSON, **auth)
    again = client.post(f"{API}/me/favourites", body, content_type=JSON, **auth)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    listed = client.get(f"{API}/me/favourites", **auth).json()
    assert [item["listing"] for item in listed["items"]] == [listing.public_id]
    gone = client.delete(f"{API}/me/favourites/{first.json()['id']}", **auth)
    assert gone.status_code == 204
    assert not Favourite.objects.exists()


def test_favourites_api_refuses_bad_input_and_other_peoples(client):
    owner, stranger = make_user(), make_user()
    favourite, _created = services.save_favourite(
        customer=owner, listing_id=open_listing().public_id
    )
    auth = bearer(stranger)
    assert_problem(
        client.delete(f"{API}/me/favourites/{favourite.public_id}", **auth),
        404,
        "favourite_not_found",
    )
    assert_problem(
        client.post(f"{API}/me/favourites", "{}", content_type=JSON, **auth),
        400,
        "favourite_target_missing",
    )
    assert_problem(
        client.post(
            f"{API}/me/favourites",
            json.dumps({"listing": "lst_nope"}),
            content_type=JSON,
            **auth,
        ),
        404,
        "listing_not_found",
    )
    assert Favourite.objects.count() == 1


def test_recommendation_endpoints_answer(client):
    customer = customer_at(SHANGHAI)
    listing = open_listing()
    open_listing(category=listing.category)
    services.rebuild_neighbours()
    mine = client.get(f"{API}/me/recommendations", **bearer(customer))
    similar = client.get(f"{API}/services/{listing.public_id}/similar")
    assert mine.status_code == 200
    assert mine.json()["items"]
    assert similar.status_code == 200
    assert listing.public_id not in [i["id"] for i in similar.json()["items"]]
    assert_problem(client.get(f"{API}/services/lst_nope/similar"), 404)


def test_the_heart_saves_without_javascript_and_shows_on_saved(client):
    customer, listing = make_user(), open_listing()
    client.force_login(customer)
    page = client.get(f"/services/{listing.public_id}/")
    assert b"data-heart" in page.content
    response = client.post(
        "/saved/toggle/", {"listing": listing.public_id, "saved": "0", "next": "/"}
    )
    assert response.status_code == 302
    saved = client.get("/saved/")
    assert listing.title.encode() in saved.content
    client.post("/saved/toggle/", {"listing": listing.public_id, "saved": "1"})
    assert not Favourite.objects.exists()


def test_book_again_fills_the_booking_form_from_the_past_order(client):
    customer, listing = make_user(), open_listing()
    order = make_completed_order(
        listing=listing, customer=customer, starts_in=timedelta(days=-3)
    )
    client.force_login(customer)
    response = client.get(f"/orders/{order.public_id}/again/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"?again={order.public_id}")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert order.address.encode() in page.content


def test_book_again_someone_elses_order_is_not_found(client):
    order = make_completed_order(listing=open_listing(), starts_in=timedelta(days=-3))
    client.force_login(make_user())
    assert client.get(f"/orders/{order.public_id}/again/").status_code == 404


def test_book_again_a_listing_gone_offers_similar_ones(client):
    customer = make_user()
    listing = open_listing(title="Deep clean")
    other = open_listing(category=listing.category, title="Deep clean plus")
    order = make_completed_order(
        listing=listing, customer=customer, starts_in=timedelta(days=-3)
    )
    services.rebuild_neighbours()
    listing.status = Listing.Status.PAUSED
    listing.save(update_fields=["status"])
    index_listing(listing)
    client.force_login(customer)
    page = client.get(f"/orders/{order.public_id}/again/")
    assert page.status_code == 200
    assert b"data-unavailable" in page.content
    assert other.title.encode() in page.content
