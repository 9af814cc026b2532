"""Review integrity for ops in the API: deciding a flagged pattern and picking
testimonials, through the same services as the back office's pages (audited);
a token without ``ops``, a customer and a role that may not are refused, and
nothing is written when they are or when the input is wrong."""

import pytest

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.reviews import audit_actions, integrity, services
from doorstep.reviews.models import Review, ReviewFlag
from doorstep.reviews.models import Testimonial as Picked
from doorstep.reviews.tests.conftest import completed
from tests.factories import make_listing, make_ops, make_provider, make_user

pytestmark = pytest.mark.django_db

DEVICE = integrity.Submission(device="Android 14 / device 9c1e")
TESTIMONIALS = f"{API}/ops/testimonials"


@pytest.fixture
def flag(listing) -> ReviewFlag:
    """Two accounts review from one phone; the second review is flagged."""
    for target in (listing, make_listing(provider=make_provider())):
        order = completed(target)
        services.submit_review(
            order=order,
            author=order.customer,
            stars=5,
            text="Wonderful, best ever",
            submission=DEVICE,
        )
    return ReviewFlag.objects.get()


@pytest.fixture
def review(listing) -> Review:
    order = completed(listing, make_user(name="Cora Lin"))
    review = services.submit_review(
        order=order, author=order.customer, stars=5, text="Spotless, on time"
    )
    Review.objects.filter(pk=review.pk).update(revealed_at=review.created_at)
    return review


def _decide(flag_id) -> str:
    return f"{API}/ops/reviews/flags/{flag_id}/decision"


def _refused(client, method: str, url: str, body: dict | None = None) -> None:
    """A customer finds nothing; staff without the ops scope, without the
    second factor, or in a role that does not moderate are refused."""
    send = getattr(client, method)
    arguments = {"data": body, "content_type": JSON} if body is not None else {}
    ops = make_ops("Trust & safety")
    assert_problem(send(url, **arguments, **bearer(make_user())), 404, "not_found")
    no_ops_scope = bearer(ops, second_factor=True, scopes=["read", "write"])
    assert_problem(send(url, **arguments, **no_ops_scope), 403, "insufficient_scope")
    assert_problem(send(url, **arguments, **bearer(ops)), 403, "ops_mfa_required")
    finance = ops_bearer(make_ops("Finance"))
    assert_problem(send(url, **arguments, **finance), 403, "ops_permission_required")


def test_ops_hide_a_flagged_pattern(client, flag):
    headers = ops_bearer(make_ops("Trust & safety"))

    response = client.post(
        _decide(flag.pk),
        {"decision": "hide", "reason": "One phone, two accounts"},
        JSON,
        **headers,
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "hidden"
    assert response.json()["review_id"] == flag.review.public_id
    assert Review.objects.filter(hidden_at=None).count() == 0
    entry = AuditEntry.objects.get(action=audit_actions.HIDE_FLAGGED.code)
    assert entry.reason == "One phone, two accounts"
    again = client.post(_decide(flag.pk), {"decision": "dismiss"}, JSON, **headers)
    assert_problem(again, 409, "review_flag_already_decided")


def test_a_flag_decision_refused_or_wrong_writes_nothing(client, flag):
    url = _decide(flag.pk)
    _refused(client, "post", url, {"decision": "dismiss"})
    headers = ops_bearer(make_ops("Trust & safety"))

    for unknown in ("999999", "not-a-number", "99999999999999999999"):
        response = client.post(
            _decide(unknown), {"decision": "dismiss"}, JSON, **headers
        )
        assert_problem(response, 404, "review_flag_not_found")
    assert_problem(client.post(url, {"decision": "erase"}, JSON, **headers), 400)
    # Hiding needs a reason.
    assert_problem(client.post(url, {"decision": "hide"}, JSON, **headers), 400)
    flag.refresh_from_db()
    assert flag.is_open
    assert Review.objects.filter(hidden_at__isnull=False).count() == 0
    assert not AuditEntry.objects.exists()


def test_ops_pick_and_unpick_a_testimonial(client, review):
    headers = ops_bearer(make_ops("Trust & safety"))

    picked = client.post(
        TESTIMONIALS, {"review": review.public_id, "position": 2}, JSON, **headers
    )

    assert picked.status_code == 201, picked.content
    assert picked.json()["position"] == 2
    assert Picked.objects.get().review == review
    again = client.post(TESTIMONIALS, {"review": review.public_id}, JSON, **headers)
    assert_problem(again, 409, "already_picked")
    url = f"{TESTIMONIALS}/{review.public_id}"
    assert client.delete(url, **headers).status_code == 204
    assert not Picked.objects.exists()
    assert_problem(client.delete(url, **headers), 409, "not_picked")
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        audit_actions.PICK_TESTIMONIAL.code,
        audit_actions.UNPICK_TESTIMONIAL.code,
    ]


def test_a_testimonial_refused_or_wrong_writes_nothing(client, review):
    _refused(client, "post", TESTIMONIALS, {"review": review.public_id})
    headers = ops_bearer(make_ops("Trust & safety"))

    unknown = client.post(TESTIMONIALS, {"review": "rev_missing"}, JSON, **headers)
    assert_problem(unknown, 404, "review_not_found")
    assert_problem(
        client.delete(f"{TESTIMONIALS}/rev_missing", **headers), 404, "review_not_found"
    )
    far = {"review": review.public_id, "position": 1000}
    assert_problem(client.post(TESTIMONIALS, far, JSON, **headers), 400)
    Review.objects.filter(pk=review.pk).update(revealed_at=None)
    hidden = client.post(TESTIMONIALS, {"review": review.public_id}, JSON, **headers)
    assert_problem(hidden, 422, "not_public_review")
    assert not Picked.objects.exists()
    assert not AuditEntry.objects.exists()
