"""Every write to reviews: submit, reveal (both sides in, or the window closed),
reply, report, hide and unhide. One function per business action, each in one
transaction, each recording a domain event (the audit trail and the hook for
notifications).

Who may do what:

* a review is written by a party of a **completed** order — the customer about
  the provider (stars, sub-scores, text, photos), the provider about the customer
  (stars, text) — once per side, within ``DOORSTEP_REVIEW_WINDOW_DAYS`` (14) of
  completion;
* it is **double-blind**: revealed when both sides have written, or when the
  window closes (a task at ``closes_at`` plus :func:`reveal_due_reviews`, the
  sweep that catches a lost task);
* the provider may publish one reply to a public review about them;
* anyone signed in may report a review they can see, once;
* ops hide and unhide reviews, with a reason; hidden reviews stay stored and
  stop counting.
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.audit.services import record as audit_record
from doorstep.backoffice.access import (
    OpsPermission,
    has_ops_permission,
    require_ops_permission,
)
from doorstep.catalog.photos import process_photos
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.events.services import record_event
from doorstep.orders.locks import lock_order
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.states import REVIEWABLE_STATES, OrderState
from doorstep.reviews import audit_actions, integrity, queries, reputation
from doorstep.reviews.models import (
    MAX_PHOTOS_PER_REVIEW,
    MAX_TEXT_LENGTH,
    SUB_SCORES,
    Direction,
    Review,
    ReviewFlag,
    ReviewPhoto,
    ReviewReport,
    ReviewWindow,
    Testimonial,
)

logger = logging.getLogger(__name__)

DEFAULT_WINDOW_DAYS = 14
MAX_REASON_LENGTH = 1000


def window_length() -> timedelta:
    return timedelta(
        days=getattr(settings, "DOORSTEP_REVIEW_WINDOW_DAYS", DEFAULT_WINDOW_DAYS)
    )


# --- The review window --------------------------------------------------------------


def completed_at(order: Order) -> datetime:
    """When the order entered ``completed`` (its last such event; the state
    change time for an order without history)."""
    moment = (
        OrderEvent.objects.filter(order=order, to_state=OrderState.COMPLETED)
        .order_by("-created_at", "-pk")
        .values_list("created_at", flat=True)
        .first()
    )
    return moment or order.state_changed_at


def open_review_window(*, order: Order) -> ReviewWindow:
    """The order's review window, opened now if it was not yet (idempotent: a
    repeated event, or a review arriving before the event, finds it open).

    The first call schedules the task that closes it at ``closes_at``, after
    commit. Call only for a completed order.
    """
    with transaction.atomic():
        opens_at = completed_at(order)
        window, created = ReviewWindow.objects.get_or_create(
            order=order,
            defaults={"opens_at": opens_at, "closes_at": opens_at + window_length()},
        )
        if created:
            transaction.on_commit(lambda: _schedule_close(window))
    return window


def _schedule_close(window: ReviewWindow) -> None:
    from doorstep.reviews.tasks import close_review_window_task

    backend = close_review_window_task.get_backend()
    if not backend.supports_defer:
        # A backend without delayed tasks (the immediate one in tests): the
        # sweep closes the window instead.
        return
    close_review_window_task.using(run_after=window.closes_at).enqueue(window.pk)


def close_review_window(*, window_id: int, now: datetime | None = None) -> bool:
    """Close one due window exactly once: reveal what was submitted. Returns
    whether it closed it now (False when not due, already closed or gone)."""
    now = now or timezone.now()
    with transaction.atomic():
        window = ReviewWindow.objects.select_for_update().filter(pk=window_id).first()
        if window is None or window.closed_at is not None or window.closes_at > now:
            return False
        window.closed_at = now
        window.save(update_fields=["closed_at"])
        _reveal(Review.objects.filter(order_id=window.order_id), now=now)
        record_event(
            topic="review.window_closed",
            subject=Order.objects.values_list("public_id", flat=True).get(
                pk=window.order_id
            ),
        )
    return True


def reveal_due_reviews(now: datetime | None = None, *, limit: int = 500) -> int:
    """The sweep: close every window that is due. Idempotent — a window closes
    (and its reviews reveal) once, whoever gets there first. Returns how many
    closed."""
    now = now or timezone.now()
    due = ReviewWindow.objects.filter(
        closed_at__isnull=True, closes_at__lte=now
    ).values_list("pk", flat=True)[:limit]
    return sum(close_review_window(window_id=pk, now=now) for pk in list(due))


def _reveal(reviews, *, now: datetime) -> list[Review]:
    revealed = []
    for review in reviews.select_for_update().filter(revealed_at__isnull=True):
        review.revealed_at = now
        review.save(update_fields=["revealed_at"])
        record_event(
            topic="review.revealed",
            subject=review.public_id,
            payload={"order": review.order.public_id, "direction": review.direction},
        )
        reputation.recompute_for(review)
        revealed.append(review)
    return revealed


# --- Submitting ---------------------------------------------------------------------


def _bad_input(field: str, code: str, message: str) -> DomainError:
    return DomainError(code, message, status=400, fields={field: [message]})


def _check_score(field: str, value: int | None, *, required: bool) -> None:
    if value is None:
        if required:
            raise _bad_input(field, "missing_stars", _("Choose from 1 to 5 stars."))
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise _bad_input(field, "invalid_stars", _("Choose from 1 to 5 stars."))


def _direction_of(order: Order, user: User) -> Direction:
    if order.customer_id == user.pk:
        return Direction.CUSTOMER_REVIEWS_PROVIDER
    if order.provider is not None and order.provider.user_id == user.pk:
        return Direction.PROVIDER_REVIEWS_CUSTOMER
    raise NotFound("order_not_found", _("No such order."))


def submit_review(
    *,
    order: Order,
    author: User,
    stars: int,
    text: str = "",
    quality: int | None = None,
    punctuality: int | None = None,
    communication: int | None = None,
    value: int | None = None,
    photos: Sequence[File] = (),
    submission: integrity.Submission | None = None,
    now: datetime | None = None,
) -> Review:
    """Write ``author``'s review of the other party of ``order``.

    ``submission`` says where it came from (stored hashed); with the order's
    payment method it lets ``integrity`` flag patterns ops should look at.

    Locks the order row, so the two sides' submissions queue and exactly one of
    them sees the other's and reveals both. Raises ``NotFound`` for someone who
    is not a party, 422 ``order_not_completed`` / ``review_window_closed``,
    409 ``already_reviewed``, and 400 for bad stars, text or photos. Photos and
    sub-scores are for the customer's review of the provider only.
    """
    now = now or timezone.now()
    direction = _direction_of(order, author)
    scores = {
        "quality": quality,
        "punctuality": punctuality,
        "communication": communication,
        "value": value,
    }
    _check_score("stars", stars, required=True)
    if direction == Direction.CUSTOMER_REVIEWS_PROVIDER:
        for name in SUB_SCORES:
            _check_score(name, scores[name], required=False)
    else:
        given = [name for name in SUB_SCORES if scores[name] is not None]
        if given:
            raise _bad_input(
                given[0],
                "sub_scores_not_allowed",
                _("Only customers rate these details."),
            )
        if photos:
            raise _bad_input(
                "photos", "photos_not_allowed", _("Only customers attach photos.")
            )
    text = (text or "").strip()
    if len(text) > MAX_TEXT_LENGTH:
        raise _bad_input(
            "text",
            "text_too_long",
            _("Write at most %(count)d characters.") % {"count": MAX_TEXT_LENGTH},
        )
    processed = process_photos(photos, at_most=MAX_PHOTOS_PER_REVIEW)

    with transaction.atomic():
        order = lock_order(order.pk)
        if order.state not in REVIEWABLE_STATES:
            raise DomainError(
                "order_not_completed",
                _("You can review an order once it is completed."),
            )
        window = open_review_window(order=order)
        if now >= window.closes_at or window.closed_at is not None:
            raise DomainError(
                "review_window_closed",
                _("The time to review this order has passed."),
            )
        if Review.objects.filter(order=order, direction=direction).exists():
            raise Conflict(
                "already_reviewed", _("You have already reviewed this order.")
            )
        review = Review.objects.create(
            order=order,
            direction=direction,
            author=author,
            listing_id=order.listing_id,
            provider_id=order.provider_id,
            customer_id=order.customer_id,
            stars=stars,
            text=text,
            created_at=now,
            ip_hash=integrity.keyed_hash("ip", submission.ip) if submission else "",
            device_hash=(
                integrity.keyed_hash("device", submission.device) if submission else ""
            ),
            payment_fingerprint=(
                integrity.payment_fingerprint_of(order)
                if direction == Direction.CUSTOMER_REVIEWS_PROVIDER
                else ""
            ),
            **scores,
        )
        for position, photo in enumerate(processed):
            row = ReviewPhoto(
                review=review,
                width=photo.width,
                height=photo.height,
                position=position,
            )
            row.image.save(photo.image_name, photo.image, save=False)
            row.thumbnail.save(photo.thumbnail_name, photo.thumbnail, save=False)
            row.save()
        record_event(
            topic="review.submitted",
            subject=review.public_id,
            payload={
                "order": order.public_id,
                "direction": direction.value,
                "stars": stars,
            },
        )
        flag = integrity.flag_patterns(review)
        if flag is not None:
            record_event(
                topic="review.flagged",
                subject=review.public_id,
                payload={"reasons": flag.reasons},
            )
        if Review.objects.filter(order=order).count() == 2:
            _reveal(Review.objects.filter(order=order), now=now)
            review.refresh_from_db()
    return review


# --- After publication: reply, report, moderate -------------------------------------


def reply_to_review(
    *, review_id: str, user: User, text: str, now: datetime | None = None
) -> Review:
    """The provider's one public reply to a public review about them.

    ``NotFound`` if ``user`` cannot see the review; 403 ``not_your_review`` if
    it is not about them; 422 ``review_not_public``; 409 ``already_replied``;
    400 for empty or too long text.
    """
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise _bad_input("text", "text_missing", _("Write your reply."))
    if len(text) > MAX_TEXT_LENGTH:
        raise _bad_input(
            "text",
            "text_too_long",
            _("Write at most %(count)d characters.") % {"count": MAX_TEXT_LENGTH},
        )
    with transaction.atomic():
        review = queries.visible_review(user, review_id, for_update=True)
        if not review.is_about_provider or review.provider.user_id != user.pk:
            raise PermissionDenied(
                "not_your_review", _("Only the provider reviewed can reply.")
            )
        if not review.is_public:
            raise DomainError(
                "review_not_public", _("You can reply once the review is public.")
            )
        if review.replied_at is not None:
            raise Conflict("already_replied", _("You have already replied."))
        review.reply, review.replied_at = text, now
        review.save(update_fields=["reply", "replied_at"])
        record_event(topic="review.replied", subject=review.public_id)
    return review


def report_review(
    *, review_id: str, user: User, reason: str, now: datetime | None = None
) -> ReviewReport:
    """Report a review ``user`` can see, once. 422 ``own_review`` for the
    author; 409 ``already_reported``; 400 without a reason."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise _bad_input("reason", "reason_missing", _("Tell us what is wrong."))
    if len(reason) > MAX_REASON_LENGTH:
        raise _bad_input(
            "reason",
            "reason_too_long",
            _("Write at most %(count)d characters.") % {"count": MAX_REASON_LENGTH},
        )
    review = queries.visible_review(user, review_id)
    if review.author_id == user.pk:
        raise DomainError("own_review", _("You cannot report your own review."))
    try:
        with transaction.atomic():
            report = ReviewReport.objects.create(
                review=review, reporter=user, reason=reason, created_at=now
            )
            record_event(
                topic="review.reported",
                subject=review.public_id,
                payload={"reporter": user.public_id},
            )
    except IntegrityError:
        raise Conflict(
            "already_reported", _("You have already reported this review.")
        ) from None
    return report


def _moderated_review(user: User, review_id: str) -> Review:
    """The review ops act on: locked. Anyone whose ops role does not moderate
    reviews gets 404 for what they cannot see and 403 for what they can."""
    if not has_ops_permission(user, OpsPermission.MODERATE_REVIEWS):
        queries.visible_review(user, review_id)  # raises NotFound
        require_ops_permission(user, OpsPermission.MODERATE_REVIEWS)
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("order", "provider")
        .filter(public_id=review_id)
        .first()
    )
    if review is None:
        raise NotFound("review_not_found", _("No such review."))
    return review


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise _bad_input("reason", "reason_missing", _("Give a reason."))
    if len(reason) > 500:
        raise _bad_input(
            "reason",
            "reason_too_long",
            _("Write at most %(count)d characters.") % {"count": 500},
        )
    return reason


def hide_review(
    *, review_id: str, user: User, reason: str, now: datetime | None = None
) -> Review:
    """Ops hide a review: kept, marked, audited, and out of every public list
    and aggregate. Open reports on it are resolved. 409 ``already_hidden``."""
    now = now or timezone.now()
    reason = _check_reason(reason)
    with transaction.atomic():
        review = _moderated_review(user, review_id)
        if review.hidden_at is not None:
            raise Conflict("already_hidden", _("This review is already hidden."))
        _hide(review, user=user, reason=reason, now=now)
    return review


def _hide(review: Review, *, user: User, reason: str, now: datetime) -> None:
    """Hide a locked, visible review: resolve its reports, audit, recompute."""
    review.hidden_at, review.hidden_by, review.hidden_reason = now, user, reason
    review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    resolved = ReviewReport.objects.filter(review=review, resolved=False).update(
        resolved=True, resolved_at=now
    )
    record_event(
        topic="review.hidden",
        subject=review.public_id,
        payload={"by": user.public_id, "reason": reason},
    )
    audit_record(
        actor=user,
        action=audit_actions.HIDE,
        target=review,
        reason=reason,
        before={"hidden": False},
        after={"hidden": True, "reports_resolved": resolved},
    )
    if review.is_revealed:
        reputation.recompute_for(review)


def unhide_review(
    *, review_id: str, user: User, reason: str, now: datetime | None = None
) -> Review:
    """Ops undo a hide (the event log keeps both decisions). 409 ``not_hidden``."""
    now = now or timezone.now()
    reason = _check_reason(reason)
    with transaction.atomic():
        review = _moderated_review(user, review_id)
        if review.hidden_at is None:
            raise Conflict("not_hidden", _("This review is not hidden."))
        before = {"hidden": True, "hidden_reason": review.hidden_reason}
        review.hidden_at, review.hidden_by, review.hidden_reason = None, None, ""
        review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
        record_event(
            topic="review.unhidden",
            subject=review.public_id,
            payload={"by": user.public_id, "reason": reason},
        )
        audit_record(
            actor=user,
            action=audit_actions.UNHIDE,
            target=review,
            reason=reason,
            before=before,
            after={"hidden": False},
        )
        if review.is_revealed:
            reputation.recompute_for(review)
    return review


# --- Ops: flagged patterns and reports ----------------------------------------------


def _locked_open_review_flag(flag_id: int) -> ReviewFlag:
    flag = (
        ReviewFlag.objects.select_for_update(of=("self",))
        .select_related("review")
        .filter(pk=flag_id)
        .first()
    )
    if flag is None:
        raise NotFound("review_flag_not_found", _("No such review flag."))
    if not flag.is_open:
        raise Conflict(
            "review_flag_already_decided",
            _("This review flag has already been decided."),
        )
    return flag


def decide_review_flag(
    *,
    user: User,
    flag_id: int,
    hide: bool,
    reason: str = "",
    now: datetime | None = None,
) -> ReviewFlag:
    """Ops close a flagged pattern: dismiss it, or (``hide``) hide the flagged
    review and every related one still shown, with ``reason`` (required then).
    Needs ``MODERATE_REVIEWS`` (403 ``ops_permission_required``); 404
    ``review_flag_not_found``; 409 ``review_flag_already_decided``; audited."""
    now = now or timezone.now()
    require_ops_permission(user, OpsPermission.MODERATE_REVIEWS)
    reason = _check_reason(reason) if hide else (reason or "").strip()[:500]
    with transaction.atomic():
        flag = _locked_open_review_flag(flag_id)
        hidden: list[str] = []
        if hide:
            reviews = (
                Review.objects.select_for_update(of=("self",))
                .filter(Q(pk=flag.review_id) | Q(pk__in=flag.related.all()))
                .filter(hidden_at=None)
                .select_related("provider")
                .order_by("pk")
            )
            for review in reviews:
                _hide(review, user=user, reason=reason, now=now)
                hidden.append(review.public_id)
        before = {"status": flag.status}
        flag.status = ReviewFlag.Status.HIDDEN if hide else ReviewFlag.Status.DISMISSED
        flag.decided_at, flag.decided_by, flag.decision_note = now, user, reason
        flag.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
        audit_record(
            actor=user,
            action=audit_actions.HIDE_FLAGGED if hide else audit_actions.DISMISS_FLAG,
            target=flag,
            reason=reason,
            before=before,
            after={"status": flag.status, "hidden_reviews": hidden},
        )
    return flag


def dismiss_review_report(
    *, user: User, report_id: int, reason: str = "", now: datetime | None = None
) -> ReviewReport:
    """Ops find nothing wrong with a reported review: the report is resolved,
    the review stays. Needs ``MODERATE_REVIEWS``; 404 ``report_not_found``; 409
    ``report_already_resolved``; audited. (Hiding resolves reports too.)"""
    now = now or timezone.now()
    require_ops_permission(user, OpsPermission.MODERATE_REVIEWS)
    reason = (reason or "").strip()[:500]
    with transaction.atomic():
        report = ReviewReport.objects.select_for_update().filter(pk=report_id).first()
        if report is None:
            raise NotFound("report_not_found", _("No such review report."))
        if report.resolved:
            raise Conflict(
                "report_already_resolved",
                _("This report has already been resolved."),
            )
        report.resolved, report.resolved_at = True, now
        report.save(update_fields=["resolved", "resolved_at"])
        audit_record(
            actor=user,
            action=audit_actions.DISMISS_REPORT,
            target=report,
            reason=reason,
            before={"resolved": False},
            after={"resolved": True},
        )
    return report


def dismiss_review_reports(
    *, review_id: str, user: User, reason: str, now: datetime | None = None
) -> int:
    """Ops read the open reports on a review and keep it up: the reports are
    resolved (the review leaves the reported-reviews queue) and the decision is
    audited. Returns how many reports were resolved; 409 ``no_open_reports``."""
    now = now or timezone.now()
    reason = _check_reason(reason)
    with transaction.atomic():
        review = _moderated_review(user, review_id)
        resolved = ReviewReport.objects.filter(review=review, resolved=False).update(
            resolved=True, resolved_at=now
        )
        if not resolved:
            raise Conflict("no_open_reports", _("This review has no open reports."))
        audit_record(
            actor=user,
            action=audit_actions.DISMISS_REPORTS,
            target=review,
            reason=reason,
            before={"open_reports": resolved},
            after={"open_reports": 0},
        )
        record_event(
            topic="review.reports_dismissed",
            subject=review.public_id,
            payload={"by": user.public_id, "reason": reason},
        )
    return resolved


# --- Ops: testimonials on the home page ---------------------------------------------

MAX_TESTIMONIAL_POSITION = 99


def pick_testimonial(
    *, review_id: str, user: User, position: int = 0, now: datetime | None = None
) -> Testimonial:
    """Ops show a real review on the home page. Only a published, visible
    review of an active provider's work qualifies (422 ``not_public_review``);
    409 ``already_picked``. Needs ``MODERATE_REVIEWS`` (403, nothing written);
    audited."""
    now = now or timezone.now()
    if not 0 <= position <= MAX_TESTIMONIAL_POSITION:
        raise _bad_input(
            "position",
            "invalid_input",
            _("Give a position from 0 to %(max)d.") % {"max": MAX_TESTIMONIAL_POSITION},
        )
    with transaction.atomic():
        review = _moderated_review(user, review_id)
        if not review.can_be_testimonial():
            raise DomainError(
                "not_public_review",
                _("Only a published, visible review of a provider can be shown."),
                status=422,
            )
        if Testimonial.objects.filter(review=review).exists():
            raise Conflict(
                "already_picked", _("This review is already on the home page.")
            )
        testimonial = Testimonial.objects.create(
            review=review, picked_by=user, picked_at=now, position=position
        )
        audit_record(
            actor=user,
            action=audit_actions.PICK_TESTIMONIAL,
            target=review,
            before={"testimonial": False},
            after={"testimonial": True, "position": position},
        )
    return testimonial


def unpick_testimonial(*, review_id: str, user: User) -> None:
    """Ops take a testimonial off the home page (whatever the review's state
    now). 409 ``not_picked``; needs ``MODERATE_REVIEWS``; audited."""
    with transaction.atomic():
        review = _moderated_review(user, review_id)
        testimonial = Testimonial.objects.filter(review=review).first()
        if testimonial is None:
            raise Conflict("not_picked", _("This review is not on the home page."))
        position = testimonial.position
        testimonial.delete()
        audit_record(
            actor=user,
            action=audit_actions.UNPICK_TESTIMONIAL,
            target=review,
            before={"testimonial": True, "position": position},
            after={"testimonial": False},
        )
