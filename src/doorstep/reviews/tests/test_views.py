"""The web side: an order's review page for both parties, errors beside the
field, the pending state, and the reviews on the listing and provider pages."""

import pytest
from django.urls import reverse

from doorstep.reviews import services
from doorstep.reviews.models import Review, ReviewReport
from doorstep.reviews.tests.conftest import png_upload
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def page(order):
    return reverse("reviews:order", args=[order.public_id])


def test_a_stranger_gets_404(client, order):
    client.force_login(make_user())
    assert client.get(page(order)).status_code == 404


def test_the_customer_reviews_with_stars_and_a_photo(client, order):
    client.force_login(order.customer)
    form = client.get(page(order))
    assert form.status_code == 200
    assert b'name="stars"' in form.content
    assert b'name="photos"' in form.content
    response = client.post(
        page(order),
        {"stars": "5", "quality": "5", "text": "Spotless", "photos": png_upload()},
        follow=True,
    )
    assert response.status_code == 200
    assert b"data-review-pending" in response.content
    review = Review.objects.get()
    assert (review.stars, review.quality, review.photos.count()) == (5, 5, 1)


def test_missing_stars_are_shown_beside_the_field(client, order):
    client.force_login(order.customer)
    response = client.post(page(order), {"text": "No stars"})
    assert response.status_code == 400
    assert b'aria-invalid="true"' in response.content
    assert b"Choose from 1 to 5 stars." in response.content


def test_a_bad_photo_is_shown_beside_the_photos_field(client, order):
    client.force_login(order.customer)
    bad = png_upload()
    bad.file.write(b"garbage")
    bad.file.seek(0)
    bad.file.truncate(10)
    response = client.post(page(order), {"stars": "4", "photos": bad})
    assert response.status_code == 400
    assert b"id_photos_error" in response.content or b"errorlist" in response.content
    assert not Review.objects.exists()


def test_the_provider_form_has_no_sub_scores(client, order):
    client.force_login(order.provider.user)
    response = client.get(page(order))
    assert b'name="stars"' in response.content
    assert b'name="quality"' not in response.content
    assert b'name="photos"' not in response.content


def test_both_reviews_show_once_revealed(client, order):
    services.submit_review(order=order, author=order.customer, stars=5, text="Great")
    services.submit_review(
        order=order, author=order.provider.user, stars=4, text="Lovely customer"
    )
    client.force_login(order.customer)
    response = client.get(page(order))
    assert b"Lovely customer" in response.content
    assert b"data-review-pending" not in response.content


def test_the_other_sides_review_is_invisible_while_pending(client, order):
    services.submit_review(
        order=order, author=order.provider.user, stars=2, text="Secret words"
    )
    client.force_login(order.customer)
    assert b"Secret words" not in client.get(page(order)).content


def test_the_listing_page_shows_public_reviews_and_filters(client, order, listing):
    services.submit_review(
        order=order,
        author=order.customer,
        stars=5,
        text="Spotless",
        photos=[png_upload()],
    )
    services.submit_review(order=order, author=order.provider.user, stars=4)
    response = client.get(reverse("catalog:listing", args=[listing.public_id]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Spotless" in content
    assert "Verified order" in content
    assert 'id="review-list"' in content
    partial = client.get(
        reverse("reviews:listing_list", args=[listing.public_id]), {"stars": "3"}
    )
    assert "Spotless" not in partial.content.decode()
    assert "No reviews match these filters." in partial.content.decode()
    provider_page = client.get(
        reverse("reviews:provider", args=[listing.provider.public_id])
    )
    assert "Spotless" in provider_page.content.decode()


def test_report_a_review(client, order, listing):
    review = services.submit_review(order=order, author=order.customer, stars=1)
    services.submit_review(order=order, author=order.provider.user, stars=4)
    client.force_login(make_user())
    url = reverse("reviews:report", args=[review.public_id])
    assert client.post(url, {"reason": ""}).status_code == 400
    response = client.post(url, {"reason": "Not a real customer", "next": "/"})
    assert response.status_code == 302
    assert ReviewReport.objects.get().reason == "Not a real customer"


def test_the_provider_replies_from_the_listing_page(client, order, listing):
    review = services.submit_review(order=order, author=order.customer, stars=3)
    services.submit_review(order=order, author=order.provider.user, stars=4)
    client.force_login(order.provider.user)
    listing_page = client.get(reverse("catalog:listing", args=[listing.public_id]))
    assert b"Publish reply" in listing_page.content
    client.post(
        reverse("reviews:reply", args=[review.public_id]), {"text": "We'll improve"}
    )
    review.refresh_from_db()
    assert review.reply == "We'll improve"
