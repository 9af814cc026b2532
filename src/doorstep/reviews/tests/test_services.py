"""Writing reviews: who may, when, once; the double-blind reveal (either order
of submission, and by the window's timer); replies, reports and moderation."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.events.models import Event
from doorstep.reviews import services
from doorstep.reviews.consumers import on_order_event
from doorstep.reviews.models import Direction, Review, ReviewReport, ReviewWindow
from doorstep.reviews.tasks import close_review_window_task, sweep_review_windows
from doorstep.reviews.tests.conftest import completed, png_upload
from tests.factories import make_listing, make_ops, make_order, make_user

pytestmark = pytest.mark.django_db


def by_customer(order, **fields):
    fields.setdefault("stars", 5)
    return services.submit_review(order=order, author=order.customer, **fields)


def by_provider(order, **fields):
    fields.setdefault("stars", 4)
    return services.submit_review(order=order, author=order.provider.user, **fields)


# --- Who may review, and when -------------------------------------------------------


def test_a_stranger_cannot_review_an_order(order):
    with pytest.raises(NotFound):
        services.submit_review(order=order, author=make_user(), stars=5)
    assert not Review.objects.exists()


def test_an_order_that_is_not_completed_cannot_be_reviewed(listing, customer):
    # Given an order the provider has delivered but the customer not confirmed
    order = make_order(listing=listing, customer=customer, state="delivered")
    # When the customer reviews it, then it is refused (422)
    with pytest.raises(DomainError) as refused:
        by_customer(order)
    assert (refused.value.code, refused.value.status) == ("order_not_completed", 422)


def test_each_side_reviews_once(order):
    by_customer(order)
    with pytest.raises(Conflict) as refused:
        by_customer(order, stars=1)
    assert refused.value.code == "already_reviewed"
    assert Review.objects.count() == 1


def test_the_window_closes_fourteen_days_after_completion(order):
    late = timezone.now() + timedelta(days=14, minutes=1)
    with pytest.raises(DomainError) as refused:
        by_customer(order, now=late)
    assert (refused.value.code, refused.value.status) == ("review_window_closed", 422)


def test_the_window_length_is_a_setting(order, settings):
    settings.DOORSTEP_REVIEW_WINDOW_DAYS = 3
    with pytest.raises(DomainError):
        by_customer(order, now=timezone.now() + timedelta(days=3, minutes=1))


@pytest.mark.parametrize("stars", [0, 6, None])
def test_stars_must_be_one_to_five(order, stars):
    with pytest.raises(DomainError) as refused:
        by_customer(order, stars=stars)
    assert refused.value.status == 400
    assert "stars" in refused.value.fields


def test_only_customers_give_sub_scores_and_photos(order):
    with pytest.raises(DomainError) as refused:
        by_provider(order, quality=5)
    assert refused.value.fields.keys() == {"quality"}
    with pytest.raises(DomainError) as refused:
        by_provider(order, photos=[png_upload()])
    assert refused.value.fields.keys() == {"photos"}


def test_text_is_at_most_2000_characters(order):
    with pytest.raises(DomainError) as refused:
        by_customer(order, text="x" * 2001)
    assert refused.value.fields.keys() == {"text"}


# --- Photos -------------------------------------------------------------------------


def test_photos_are_stored_without_metadata_with_thumbnails(order):
    review = by_customer(order, photos=[png_upload(), png_upload("b.png")])
    photos = list(review.photos.all())
    assert [photo.position for photo in photos] == [0, 1]
    assert photos[0].image.name.endswith(".webp")
    assert photos[0].thumbnail.name.endswith("-thumb.webp")
    assert (photos[0].width, photos[0].height) == (640, 480)


def test_at_most_six_photos(order):
    with pytest.raises(DomainError) as refused:
        by_customer(order, photos=[png_upload(f"{n}.png") for n in range(7)])
    assert refused.value.code == "too_many_photos"
    assert not Review.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_on_the_photos_field(order):
    fake = SimpleUploadedFile("cat.png", b"not a png at all", content_type="image/png")
    with pytest.raises(DomainError) as refused:
        by_customer(order, photos=[fake])
    assert (refused.value.code, refused.value.status) == ("invalid_photo", 400)
    assert refused.value.fields.keys() == {"photos"}
    assert not Review.objects.exists()


# --- Double-blind -------------------------------------------------------------------


@pytest.mark.parametrize("first", ["customer", "provider"])
def test_reviews_reveal_when_both_sides_have_written(order, first):
    submit = {"customer": by_customer, "provider": by_provider}
    second = "provider" if first == "customer" else "customer"
    # Given one side has reviewed
    early = submit[first](order)
    assert early.revealed_at is None
    # When the other side reviews too
    late = submit[second](order)
    # Then both are revealed, at the same moment, and the window is spent
    early.refresh_from_db()
    assert early.revealed_at is not None
    assert late.revealed_at == early.revealed_at
    assert ReviewWindow.objects.get(order=order).closed_at is None  # timer still due
    topics = list(
        Event.objects.filter(topic="review.revealed").values_list("subject", flat=True)
    )
    assert sorted(topics) == sorted([early.public_id, late.public_id])


def test_the_sweep_reveals_a_lone_review_when_the_window_closes(order):
    review = by_customer(order)
    window = ReviewWindow.objects.get(order=order)
    # Before the window closes, the sweep does nothing
    assert services.reveal_due_reviews(window.closes_at - timedelta(seconds=1)) == 0
    review.refresh_from_db()
    assert review.revealed_at is None
    # At closing time it reveals the review, once
    assert services.reveal_due_reviews(window.closes_at) == 1
    assert services.reveal_due_reviews(window.closes_at + timedelta(days=1)) == 0
    review.refresh_from_db()
    assert review.revealed_at == window.closes_at
    assert Event.objects.filter(topic="review.revealed").count() == 1


def test_the_closing_task_reveals_and_the_sweep_task_finds_nothing_left(order):
    review = by_customer(order)
    window = ReviewWindow.objects.get(order=order)
    ReviewWindow.objects.filter(pk=window.pk).update(
        closes_at=timezone.now() - timedelta(seconds=1)
    )
    assert close_review_window_task.call(window.pk) is True
    assert close_review_window_task.call(window.pk) is False
    assert sweep_review_windows() == 0
    review.refresh_from_db()
    assert review.is_revealed


def test_a_window_with_nothing_submitted_closes_quietly(order):
    window = services.open_review_window(order=order)
    assert services.reveal_due_reviews(window.closes_at) == 1
    assert not Review.objects.exists()


def test_completing_an_order_opens_its_window_once(order):
    # Given the event the engine recorded when the customer confirmed
    event = Event.objects.get(topic="order.confirm", subject=order.public_id)
    # When the consumer sees it twice (delivery is at least once)
    on_order_event(event)
    on_order_event(event)
    # Then one window, closing 14 days after completion
    window = ReviewWindow.objects.get(order=order)
    assert window.closes_at - window.opens_at == timedelta(days=14)
    assert window.opens_at == order.state_changed_at


def test_the_consumer_ignores_other_order_events(listing):
    order = make_order(listing=listing)
    on_order_event(Event.objects.get(topic="order.created", subject=order.public_id))
    assert not ReviewWindow.objects.exists()


def test_a_lost_event_does_not_stop_reviews(order):
    # The customer reviews before the completion event was delivered: the
    # service opens the window itself.
    assert not ReviewWindow.objects.exists()
    by_customer(order)
    assert ReviewWindow.objects.filter(order=order).exists()


# --- Reply, report, moderation ------------------------------------------------------


@pytest.fixture
def public_pair(order):
    return by_customer(order, text="Spotless."), by_provider(order)


def test_the_provider_replies_once(public_pair):
    about_provider, _about_customer = public_pair
    provider = about_provider.provider.user
    review = services.reply_to_review(
        review_id=about_provider.public_id, user=provider, text="Thank you!"
    )
    assert review.reply == "Thank you!"
    assert review.replied_at is not None
    with pytest.raises(Conflict):
        services.reply_to_review(
            review_id=about_provider.public_id, user=provider, text="Again"
        )


def test_only_the_provider_reviewed_may_reply(public_pair):
    about_provider, about_customer = public_pair
    with pytest.raises(PermissionDenied):
        services.reply_to_review(
            review_id=about_provider.public_id, user=make_user(), text="Hi"
        )
    # The customer's review of them is not something the customer replies to
    with pytest.raises(PermissionDenied):
        services.reply_to_review(
            review_id=about_customer.public_id,
            user=about_customer.customer,
            text="Hi",
        )


def test_a_pending_review_is_not_found_by_others(order):
    review = by_customer(order)
    with pytest.raises(NotFound):
        services.reply_to_review(
            review_id=review.public_id, user=order.provider.user, text="Hi"
        )
    with pytest.raises(NotFound):
        services.report_review(
            review_id=review.public_id, user=make_user(), reason="Fake"
        )


def test_anyone_signed_in_reports_once(public_pair):
    about_provider, _ = public_pair
    reporter = make_user()
    services.report_review(
        review_id=about_provider.public_id, user=reporter, reason="Spam"
    )
    with pytest.raises(Conflict) as refused:
        services.report_review(
            review_id=about_provider.public_id, user=reporter, reason="Spam"
        )
    assert refused.value.code == "already_reported"
    assert ReviewReport.objects.count() == 1


def test_authors_do_not_report_their_own_review(public_pair):
    about_provider, _ = public_pair
    with pytest.raises(DomainError) as refused:
        services.report_review(
            review_id=about_provider.public_id,
            user=about_provider.author,
            reason="Oops",
        )
    assert refused.value.code == "own_review"


def test_ops_hide_with_a_reason_and_it_is_audited(public_pair):
    about_provider, _ = public_pair
    ops = make_ops("Trust & safety")
    services.report_review(
        review_id=about_provider.public_id, user=make_user(), reason="Rude"
    )
    review = services.hide_review(
        review_id=about_provider.public_id, user=ops, reason="Abusive language"
    )
    assert review.hidden_at is not None
    assert review.hidden_by == ops
    assert review.hidden_reason == "Abusive language"
    assert ReviewReport.objects.get().resolved
    event = Event.objects.get(topic="review.hidden")
    assert event.payload == {"by": ops.public_id, "reason": "Abusive language"}
    with pytest.raises(Conflict):
        services.hide_review(review_id=review.public_id, user=ops, reason="Again")
    review = services.unhide_review(
        review_id=review.public_id, user=ops, reason="Appeal accepted"
    )
    assert review.hidden_at is None
    assert Event.objects.filter(topic="review.unhidden").exists()


def test_hiding_needs_a_moderating_role(public_pair):
    # Given staff whose role does not moderate (Support, Finance)
    about_provider, _ = public_pair
    for role in ("Support", "Finance"):
        with pytest.raises(PermissionDenied) as refused:
            services.hide_review(
                review_id=about_provider.public_id, user=make_ops(role), reason="x"
            )
        assert refused.value.code == "ops_permission_required"
    about_provider.refresh_from_db()
    assert about_provider.hidden_at is None


def test_hiding_needs_ops_and_a_reason(public_pair, order):
    about_provider, _ = public_pair
    # Someone who sees the review but is not ops: 403
    with pytest.raises(PermissionDenied):
        services.hide_review(
            review_id=about_provider.public_id, user=make_user(), reason="No"
        )
    with pytest.raises(DomainError) as refused:
        services.hide_review(
            review_id=about_provider.public_id,
            user=make_ops("Trust & safety"),
            reason="  ",
        )
    assert refused.value.fields.keys() == {"reason"}


def test_a_stranger_cannot_see_a_review_of_a_customer(public_pair):
    _, about_customer = public_pair
    assert about_customer.direction == Direction.PROVIDER_REVIEWS_CUSTOMER
    with pytest.raises(NotFound):
        services.report_review(
            review_id=about_customer.public_id, user=make_user(), reason="Hm"
        )
    with pytest.raises(NotFound):
        services.hide_review(
            review_id=about_customer.public_id, user=make_user(), reason="Hm"
        )


def test_another_provider_of_the_customer_sees_their_reviews(public_pair, order):
    _, about_customer = public_pair
    # A second provider with an order of the same customer may read (and so
    # report) what the first provider wrote about them.
    other = completed(make_listing(), order.customer)
    services.report_review(
        review_id=about_customer.public_id, user=other.provider.user, reason="Unfair"
    )
