"""Ops decide flagged review patterns and reported reviews: queues on the ops
home, pages by role, hide or dismiss, every decision audited."""

import pytest
from django.urls import reverse

from doorstep.audit.models import AuditEntry
from doorstep.backoffice.queues import all_queues, summarise
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.reviews import integrity, services
from doorstep.reviews.models import Review, ReviewFlag, ReviewReport
from doorstep.reviews.tests.conftest import completed
from tests.factories import (
    make_listing,
    make_ops,
    make_provider,
    make_user,
    sign_in_ops,
)

pytestmark = pytest.mark.django_db

DEVICE = integrity.Submission(device="Android 14 / device 9c1e")


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
def report(listing) -> ReviewReport:
    order = completed(listing)
    review = services.submit_review(
        order=order, author=order.customer, stars=1, text="Rude"
    )
    Review.objects.filter(pk=review.pk).update(revealed_at=review.created_at)
    return services.report_review(
        review_id=review.public_id, user=make_user(), reason="Insults the provider"
    )


def _queue(key: str):
    return next(queue for queue in all_queues() if queue.key == key)


def test_the_flag_and_the_report_wait_in_their_queues(flag, report):
    assert summarise(_queue("flagged_reviews")).count == 1
    assert summarise(_queue("reported_reviews")).count == 1


@pytest.mark.parametrize("role", ["Trust & safety", "Ops admin"])
def test_moderating_roles_open_the_pages(client, flag, report, role):
    sign_in_ops(client, make_ops(role))

    pages = [
        reverse("reviews:ops_flags"),
        reverse("reviews:ops_flag", args=[flag.pk]),
        reverse("reviews:ops_reports"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    detail = client.get(reverse("reviews:ops_flag", args=[flag.pk])).content.decode()
    assert flag.review.public_id in detail
    assert flag.related.get().public_id in detail
    assert "Insults the provider" in client.get(pages[2]).content.decode()


@pytest.mark.parametrize("role", ["Support", "Finance"])
def test_roles_without_the_permission_get_403(client, flag, report, role):
    sign_in_ops(client, make_ops(role))

    assert client.get(reverse("reviews:ops_flags")).status_code == 403
    assert client.get(reverse("reviews:ops_reports")).status_code == 403
    response = client.post(
        reverse("reviews:ops_flag", args=[flag.pk]),
        {"decision": "hide", "reason": "fake"},
    )
    assert response.status_code == 403
    response = client.post(
        reverse("reviews:ops_report_decide", args=[report.pk]),
        {"decision": "dismiss"},
    )
    assert response.status_code == 403
    flag.refresh_from_db()
    report.refresh_from_db()
    assert flag.is_open
    assert not report.resolved


def test_people_who_are_not_ops_do_not_see_the_pages(client, flag):
    client.force_login(flag.review.author)

    assert client.get(reverse("reviews:ops_flags")).status_code == 404
    assert client.get(reverse("reviews:ops_flag", args=[flag.pk])).status_code == 404


def test_hiding_a_pattern_hides_every_review_in_it_and_is_audited(client, flag):
    ops = make_ops("Trust & safety")
    sign_in_ops(client, ops)

    response = client.post(
        reverse("reviews:ops_flag", args=[flag.pk]),
        {"decision": "hide", "reason": "Two accounts, one phone"},
    )

    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == ReviewFlag.Status.HIDDEN
    assert flag.decided_by == ops
    assert Review.objects.filter(hidden_at=None).count() == 0
    entry = AuditEntry.objects.get(action="reviews.hide_flagged")
    assert entry.actor == ops
    assert entry.reason == "Two accounts, one phone"
    assert sorted(entry.after["hidden_reviews"]) == sorted(
        Review.objects.values_list("public_id", flat=True)
    )
    assert AuditEntry.objects.filter(action="reviews.hide").count() == 2
    assert summarise(_queue("flagged_reviews")).count == 0


def test_hiding_needs_a_reason_and_changes_nothing_without(flag):
    with pytest.raises(DomainError) as error:
        services.decide_review_flag(
            user=make_ops("Trust & safety"), flag_id=flag.pk, hide=True, reason=""
        )

    assert error.value.code == "reason_missing"
    flag.refresh_from_db()
    assert flag.is_open
    assert not Review.objects.exclude(hidden_at=None).exists()
    assert not AuditEntry.objects.exists()


def test_dismissing_a_pattern_keeps_the_reviews(flag):
    ops = make_ops("Ops admin")

    services.decide_review_flag(user=ops, flag_id=flag.pk, hide=False)

    flag.refresh_from_db()
    assert flag.status == ReviewFlag.Status.DISMISSED
    assert not Review.objects.exclude(hidden_at=None).exists()
    assert AuditEntry.objects.get().action == "reviews.dismiss_flag"
    with pytest.raises(Conflict):
        services.decide_review_flag(user=ops, flag_id=flag.pk, hide=False)


def test_the_service_refuses_the_wrong_people(flag):
    for user in (flag.review.author, flag.review.provider.user, make_ops("Support")):
        with pytest.raises(PermissionDenied):
            services.decide_review_flag(
                user=user, flag_id=flag.pk, hide=True, reason="x"
            )

    flag.refresh_from_db()
    assert flag.is_open
    assert not AuditEntry.objects.exists()


def test_an_unknown_flag_is_not_found():
    with pytest.raises(NotFound):
        services.decide_review_flag(user=make_ops("Ops admin"), flag_id=404, hide=False)


def test_dismissing_a_report_is_audited(client, report):
    ops = make_ops("Trust & safety")
    sign_in_ops(client, ops)

    client.post(
        reverse("reviews:ops_report_decide", args=[report.pk]),
        {"decision": "dismiss", "reason": "Fair criticism"},
    )

    report.refresh_from_db()
    assert report.resolved
    assert report.review.hidden_at is None
    entry = AuditEntry.objects.get(action="reviews.dismiss_report")
    assert entry.actor == ops
    assert entry.reason == "Fair criticism"


def test_hiding_a_reported_review_resolves_the_report(client, report):
    sign_in_ops(client, make_ops("Trust & safety"))

    client.post(
        reverse("reviews:ops_report_decide", args=[report.pk]),
        {"decision": "hide", "reason": "Insulting"},
    )

    report.refresh_from_db()
    report.review.refresh_from_db()
    assert report.resolved
    assert report.review.is_hidden
    assert AuditEntry.objects.get().action == "reviews.hide"
    assert summarise(_queue("reported_reviews")).count == 0
