"""The order page leads to what comes next: the conversation between the two
parties, and "leave a review" when one is due; the listing page leads to the
provider's public profile."""

import pytest
from django.urls import reverse

from doorstep.reviews.services import submit_review
from tests.factories import make_order, make_user

pytestmark = pytest.mark.django_db


def _page(client, order, user) -> str:
    client.force_login(user)
    response = client.get(order.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_both_parties_find_the_chat_on_the_order_page(client):
    # Given an order
    order = make_order(state="accepted")
    chat = reverse("messaging:order_conversation", args=[order.public_id])

    # When each party opens it, then the page links to their conversation
    assert f'href="{chat}"' in _page(client, order, order.customer)
    assert f'href="{chat}"' in _page(client, order, order.provider.user)


def test_a_completed_order_asks_each_side_for_a_review_until_given(client):
    # Given a completed order
    order = make_order(state="completed")
    review = reverse("reviews:order", args=[order.public_id])

    # Then both sides are asked for a review
    assert f'href="{review}"' in _page(client, order, order.customer)
    assert f'href="{review}"' in _page(client, order, order.provider.user)

    # When the customer has reviewed, the link is gone for them only
    submit_review(order=order, author=order.customer, stars=5)
    assert f'href="{review}"' not in _page(client, order, order.customer)
    assert f'href="{review}"' in _page(client, order, order.provider.user)


def test_an_open_order_asks_for_no_review(client):
    order = make_order(state="accepted")
    review = reverse("reviews:order", args=[order.public_id])

    assert f'href="{review}"' not in _page(client, order, order.customer)


def test_staff_who_are_not_parties_get_no_chat_link(client):
    order = make_order(state="accepted")
    staff = make_user(is_staff=True)
    client.force_login(staff)

    response = client.get(order.get_absolute_url())

    chat = reverse("messaging:order_conversation", args=[order.public_id])
    assert response.status_code == 404 or chat not in response.content.decode()


def test_the_listing_page_links_to_the_providers_profile(client):
    order = make_order()
    listing = order.listing

    html = client.get(reverse("catalog:listing", args=[listing.public_id])).content
    profile = reverse("reviews:provider", args=[listing.provider.public_id])

    assert f'href="{profile}"' in html.decode()
