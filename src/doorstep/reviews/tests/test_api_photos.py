"""A review with photos through the API, as the review page sends it: the same
``submit_review``, tried as the wrong user and with a read-only token."""

import pytest

from doorstep.api.testing import API, assert_problem, bearer
from doorstep.reviews.models import Review, ReviewPhoto
from doorstep.reviews.tests.conftest import png_upload
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _post(client, order, user, **fields):
    body = {"stars": 5, "text": "Spotless.", **fields}
    return client.post(
        f"{API}/orders/{order.public_id}/reviews/with-photos", body, **bearer(user)
    )


def test_the_customer_reviews_with_photos(client, order):
    response = _post(
        client, order, order.customer, quality=5, photos=[png_upload(), png_upload()]
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["stars"] == 5
    assert len(body["photos"]) == 2
    assert ReviewPhoto.objects.filter(review__order=order).count() == 2


def test_photos_are_for_the_customers_review_only(client, order):
    response = _post(client, order, order.provider.user, photos=[png_upload()])

    assert_problem(response, 400)
    assert not Review.objects.exists()


def test_a_stranger_cannot_review_and_a_read_only_token_cannot_either(client, order):
    assert_problem(
        _post(client, order, make_user(), photos=[png_upload()]),
        404,
        "order_not_found",
    )
    response = client.post(
        f"{API}/orders/{order.public_id}/reviews/with-photos",
        {"stars": 5, "photos": [png_upload()]},
        **bearer(order.customer, scopes=["read"]),
    )
    assert_problem(response, 403, "insufficient_scope")
    assert not Review.objects.exists()


def test_bad_stars_are_bad_input(client, order):
    assert_problem(_post(client, order, order.customer, stars=9), 400, "invalid_input")
    assert not Review.objects.exists()


def test_ops_keep_a_reported_review_up_and_others_cannot(client, order):
    from doorstep.reviews import services
    from doorstep.reviews.models import ReviewReport
    from tests.factories import make_ops

    review = services.submit_review(order=order, author=order.customer, stars=1)
    Review.objects.filter(pk=review.pk).update(revealed_at=order.ends_at)
    services.report_review(review_id=review.public_id, user=make_user(), reason="Fake")
    path = f"{API}/reviews/{review.public_id}/dismiss-reports"
    ops = make_ops("Trust & safety")

    # Not ops (403 on a review they can see), or ops without the ops scope:
    # refused, and the report stays open
    assert_problem(
        client.post(
            path,
            {"reason": "x"},
            content_type="application/json",
            **bearer(make_user()),
        ),
        403,
    )
    assert_problem(
        client.post(
            path,
            {"reason": "x"},
            content_type="application/json",
            **bearer(ops, second_factor=True, scopes=["read", "write"]),
        ),
        403,
        "insufficient_scope",
    )
    assert ReviewReport.objects.filter(resolved=False).count() == 1

    # Ops with a second-factor token keep it up
    response = client.post(
        path,
        {"reason": "Checked: genuine"},
        content_type="application/json",
        **bearer(ops, second_factor=True),
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "published"
    assert not ReviewReport.objects.filter(resolved=False).exists()
