"""The reviews API: shapes, problems, and every object endpoint tried as the
wrong user."""

import json

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer
from doorstep.reviews import services
from doorstep.reviews.tests.conftest import completed, png_upload
from tests.factories import make_ops, make_order, make_user

pytestmark = pytest.mark.django_db


def _post(client, path, body, user):
    # Ops hold tokens minted with their second factor, as the token API mints them.
    auth = bearer(user, second_factor=user.is_staff)
    return client.post(f"{API}{path}", data=json.dumps(body), content_type=JSON, **auth)


@pytest.fixture
def pair(order):
    """Both reviews of ``order``, revealed; the customer's has a photo."""
    about_provider = services.submit_review(
        order=order,
        author=order.customer,
        stars=5,
        quality=5,
        text="Spotless.",
        photos=[png_upload()],
    )
    about_customer = services.submit_review(
        order=order, author=order.provider.user, stars=4, text="Kind host."
    )
    about_provider.refresh_from_db()
    return about_provider, about_customer


def test_the_customer_reviews_a_completed_order(client, order):
    response = _post(
        client,
        f"/orders/{order.public_id}/reviews",
        {"stars": 5, "quality": 4, "text": "  Great  "},
        order.customer,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "pending"
    assert body["direction"] == "customer_reviews_provider"
    assert body["sub_scores"] == {
        "quality": 4,
        "punctuality": None,
        "communication": None,
        "value": None,
    }
    assert body["text"] == "Great"
    assert body["verified_order"] is True
    assert body["id"].startswith("rev_")
    assert body["listing_id"] == order.listing.public_id


def test_review_problems(client, order, listing):
    path = f"/orders/{order.public_id}/reviews"
    # A stranger: 404, as for any order that is not theirs
    assert_problem(_post(client, path, {"stars": 5}, make_user()), 404)
    # Bad stars: 400 naming the field
    body = assert_problem(
        _post(client, path, {"stars": 9}, order.customer), 400, "invalid_input"
    )
    assert "stars" in body["errors"]
    # Sub-scores from the provider: 400
    assert_problem(
        _post(client, path, {"stars": 4, "value": 3}, order.provider.user),
        400,
        "sub_scores_not_allowed",
    )
    # Twice: 409
    assert _post(client, path, {"stars": 5}, order.customer).status_code == 201
    assert_problem(
        _post(client, path, {"stars": 5}, order.customer), 409, "already_reviewed"
    )
    # Not completed: 422
    open_order = make_order(listing=listing, customer=order.customer)
    assert_problem(
        _post(
            client,
            f"/orders/{open_order.public_id}/reviews",
            {"stars": 5},
            order.customer,
        ),
        422,
        "order_not_completed",
    )
    # Not signed in: 401
    anonymous = client.post(
        f"{API}{path}", data=json.dumps({"stars": 5}), content_type=JSON
    )
    assert_problem(anonymous, 401)


def test_public_lists_show_revealed_reviews_with_filters(client, pair, listing):
    about_provider, _ = pair
    # Another revealed review, 2 stars, without photos
    other = completed(listing)
    services.submit_review(order=other, author=other.customer, stars=2)
    services.reveal_due_reviews(other.review_window.closes_at)
    # And one still pending: never listed
    pending = completed(listing)
    services.submit_review(order=pending, author=pending.customer, stars=1)

    url = f"{API}/listings/{listing.public_id}/reviews"
    body = client.get(url).json()
    assert [item["stars"] for item in body["items"]] == [2, 5]
    assert body["next"] is None
    with_photos = client.get(url, {"with_photos": "true"}).json()["items"]
    assert [item["id"] for item in with_photos] == [about_provider.public_id]
    photo = with_photos[0]["photos"][0]
    assert photo["url"].endswith(".webp")
    assert (photo["width"], photo["height"]) == (640, 480)
    assert [i["stars"] for i in client.get(url, {"stars": 2}).json()["items"]] == [2]
    assert_problem(client.get(url, {"stars": 7}), 400, "invalid_input")
    page = client.get(url, {"limit": 1}).json()
    assert len(page["items"]) == 1
    assert page["next"]

    provider_url = f"{API}/providers/{listing.provider.public_id}/reviews"
    assert len(client.get(provider_url).json()["items"]) == 2
    assert_problem(client.get(f"{API}/listings/lst_nope/reviews"), 404)


def test_reviews_of_a_customer_are_for_them_and_their_providers(client, pair):
    _, about_customer = pair
    customer = about_customer.customer
    url = f"{API}/users/{customer.public_id}/reviews"
    mine = client.get(url, **bearer(customer)).json()["items"]
    assert [item["id"] for item in mine] == [about_customer.public_id]
    assert mine[0]["sub_scores"] is None
    theirs = client.get(url, **bearer(about_customer.provider.user))
    assert theirs.status_code == 200
    assert_problem(client.get(url, **bearer(make_user())), 404, "user_not_found")


def test_reply_once_and_only_by_the_provider(client, pair):
    about_provider, about_customer = pair
    path = f"/reviews/{about_provider.public_id}/reply"
    provider = about_provider.provider.user
    response = _post(client, path, {"text": "Thanks!"}, provider)
    assert response.status_code == 200
    assert response.json()["reply"]["text"] == "Thanks!"
    assert_problem(_post(client, path, {"text": "Again"}, provider), 409)
    assert_problem(_post(client, path, {"text": "Me"}, make_user()), 403)
    assert_problem(_post(client, path, {"text": ""}, provider), 400)
    # A review of a customer is invisible to strangers: 404
    assert_problem(
        _post(
            client,
            f"/reviews/{about_customer.public_id}/reply",
            {"text": "x"},
            make_user(),
        ),
        404,
    )


def test_report_and_moderate(client, pair):
    about_provider, _ = pair
    reporter = make_user()
    path = f"/reviews/{about_provider.public_id}"
    response = _post(client, f"{path}/report", {"reason": "Fake"}, reporter)
    assert response.status_code == 201
    assert response.json()["review_id"] == about_provider.public_id
    assert_problem(
        _post(client, f"{path}/report", {"reason": "Fake"}, reporter),
        409,
        "already_reported",
    )
    # Not ops: 403 on a review they see
    assert_problem(_post(client, f"{path}/hide", {"reason": "x"}, reporter), 403)
    ops = make_ops("Trust & safety")
    hidden = _post(client, f"{path}/hide", {"reason": "Abuse"}, ops)
    assert hidden.json()["status"] == "hidden"
    listing_id = about_provider.listing.public_id
    assert client.get(f"{API}/listings/{listing_id}/reviews").json()["items"] == []
    # Hidden: strangers no longer see it at all
    assert_problem(_post(client, f"{path}/report", {"reason": "x"}, make_user()), 404)
    shown = _post(client, f"{path}/unhide", {"reason": "Appeal"}, ops)
    assert shown.json()["status"] == "published"
    assert_problem(_post(client, f"{path}/unhide", {"reason": "x"}, ops), 409)
    assert_problem(_post(client, "/reviews/rev_nope/hide", {"reason": "x"}, ops), 404)
