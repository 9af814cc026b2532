"""The reviews API: write a review of a completed order, read the public reviews
of a listing, a provider or (for those who serve them) a customer, reply, report,
and — for ops — hide and unhide.

Objects the caller may not see answer 404, as in the orders API; an action on a
review the caller sees but may not take answers 403."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from doorstep.accounts.models import User
from doorstep.api.auth import signed_in
from doorstep.api.pagination import CursorPagination
from doorstep.backoffice.access import require_back_office
from doorstep.orders.queries import access_order
from doorstep.reviews import integrity, queries, services
from doorstep.reviews.models import Review
from doorstep.reviews.schemas import (
    ModerationIn,
    ReplyIn,
    ReplyOut,
    ReportIn,
    ReviewFormIn,
    ReviewIn,
    ReviewOut,
    ReviewPhotoOut,
    ReviewReportOut,
    SubScoresOut,
)

router = Router(tags=["reviews"])


def _anyone(request: HttpRequest) -> AnonymousUser:
    """Lets a request without credentials through, after the real schemes."""
    return AnonymousUser()


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _moderator(request: HttpRequest) -> User:
    """The caller of a moderation endpoint. Staff act as ops only with a second
    factor (403 ``ops_mfa_required`` without); the service then checks their
    role, and answers everyone else 404 or 403 as for any review."""
    user = _caller(request)
    if user.is_staff:
        require_back_office(request)
    return user


class ReviewFilters(Schema):
    with_photos: bool = Field(False, description="Only reviews with photos.")
    stars: int | None = Field(None, ge=1, le=5, description="Only this many stars.")


def _filters(filters: ReviewFilters) -> dict:
    return {"with_photos": filters.with_photos, "stars": filters.stars}


def review_out(review: Review) -> ReviewOut:
    if review.is_hidden:
        status = "hidden"
    elif review.is_revealed:
        status = "published"
    else:
        status = "pending"
    return ReviewOut(
        id=review.public_id,
        direction=review.direction,
        status=status,
        stars=review.stars,
        sub_scores=SubScoresOut(
            quality=review.quality,
            punctuality=review.punctuality,
            communication=review.communication,
            value=review.value,
        )
        if review.is_about_provider
        else None,
        text=review.text,
        author_name=review.author.get_short_name(),
        verified_order=True,
        listing_id=review.listing.public_id if review.listing else None,
        provider_id=review.provider.public_id,
        photos=[
            ReviewPhotoOut(
                url=photo.image.url,
                thumbnail_url=photo.thumbnail.url,
                width=photo.width,
                height=photo.height,
            )
            for photo in review.photos.all()
        ],
        reply=ReplyOut(text=review.reply, at=review.replied_at)
        if review.replied_at
        else None,
        created_at=review.created_at,
        revealed_at=review.revealed_at,
    )


def _full(review: Review) -> Review:
    return (
        Review.objects.select_related("author", "listing", "provider")
        .prefetch_related("photos")
        .get(pk=review.pk)
    )


class _ReviewPagination(CursorPagination):
    """Newest first by ``created_at``; items shaped by :func:`review_out`."""

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = [review_out(review) for review in page["items"]]
        return page


@router.post(
    "/orders/{order_id}/reviews",
    response={201: ReviewOut},
    summary="Review a completed order",
    description=(
        "The customer reviews the provider (stars, optional sub-scores, text); "
        "the provider reviews the customer (stars, text). Double-blind: the "
        "review is `pending` (only you see it) until the other side has reviewed "
        "or the review window closes (14 days after completion).\n\n"
        "Errors: 404 `order_not_found` (not your order); 422 "
        "`order_not_completed`, `review_window_closed`; 409 `already_reviewed`; "
        "400 `sub_scores_not_allowed` and bad fields. With photos: "
        "`POST /orders/{order_id}/reviews/with-photos`."
    ),
)
def create_review(
    request: HttpRequest, order_id: str, payload: ReviewIn
) -> Status[ReviewOut]:
    user = _caller(request)
    order = access_order(user, order_id)
    review = services.submit_review(
        order=order,
        author=user,
        submission=integrity.submission_from(request),
        **payload.dict(),
    )
    return Status(201, review_out(_full(review)))


@router.post(
    "/orders/{order_id}/reviews/with-photos",
    response={201: ReviewOut},
    summary="Review a completed order, with photos",
    description=(
        "As `POST /orders/{order_id}/reviews`, sent as `multipart/form-data` with "
        "up to the review's limit of files in `photos` (JPEG, PNG or WebP), as the "
        "review page does. Photos are for the customer's review of the provider "
        "(400 otherwise)."
    ),
)
def create_review_with_photos(
    request: HttpRequest,
    order_id: str,
    payload: Form[ReviewFormIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> Status[ReviewOut]:
    user = _caller(request)
    order = access_order(user, order_id)
    review = services.submit_review(
        order=order,
        author=user,
        submission=integrity.submission_from(request),
        photos=photos or [],
        **payload.dict(),
    )
    return Status(201, review_out(_full(review)))


@router.get(
    "/listings/{listing_id}/reviews",
    response=list[ReviewOut],
    auth=[*signed_in, _anyone],
    summary="A service's public reviews",
    description="Revealed and visible reviews, newest first. Filters: "
    "`with_photos`, `stars` (1–5).",
)
@paginate(_ReviewPagination)
def list_listing_reviews(
    request: HttpRequest, listing_id: str, filters: Query[ReviewFilters]
) -> QuerySet[Review]:
    listing = queries.public_listing(listing_id)
    return queries.listing_reviews(listing, **_filters(filters))


@router.get(
    "/providers/{provider_id}/reviews",
    response=list[ReviewOut],
    auth=[*signed_in, _anyone],
    summary="A provider's public reviews",
    description="Across all their services; filters as for a service.",
)
@paginate(_ReviewPagination)
def list_provider_reviews(
    request: HttpRequest, provider_id: str, filters: Query[ReviewFilters]
) -> QuerySet[Review]:
    provider = queries.public_provider(provider_id)
    return queries.provider_reviews(provider, **_filters(filters))


@router.get(
    "/users/{user_id}/reviews",
    response=list[ReviewOut],
    summary="Providers' reviews of a customer",
    description=(
        "For that customer, and for providers who have an order with them; "
        "404 for anyone else."
    ),
)
@paginate(_ReviewPagination)
def list_customer_reviews(request: HttpRequest, user_id: str) -> QuerySet[Review]:
    return queries.customer_reviews(_caller(request), user_id)


@router.post(
    "/reviews/{review_id}/reply",
    response=ReviewOut,
    summary="Reply to a review about you (once)",
    description="Errors: 404 `review_not_found`; 403 `not_your_review`; 422 "
    "`review_not_public`; 409 `already_replied`.",
)
def reply(request: HttpRequest, review_id: str, payload: ReplyIn) -> ReviewOut:
    review = services.reply_to_review(
        review_id=review_id, user=_caller(request), text=payload.text
    )
    return review_out(_full(review))


@router.post(
    "/reviews/{review_id}/report",
    response={201: ReviewReportOut},
    summary="Report a review",
    description="Once per review. Errors: 404 `review_not_found`; 422 "
    "`own_review`; 409 `already_reported`.",
)
def report(
    request: HttpRequest, review_id: str, payload: ReportIn
) -> Status[ReviewReportOut]:
    created = services.report_review(
        review_id=review_id, user=_caller(request), reason=payload.reason
    )
    return Status(
        201,
        ReviewReportOut(
            review_id=review_id, reason=created.reason, created_at=created.created_at
        ),
    )


@router.post(
    "/reviews/{review_id}/hide",
    response=ReviewOut,
    summary="Hide a review (ops)",
    description="Kept and audited; stops counting. Needs a second factor (403 "
    "`ops_mfa_required`) and a role that moderates reviews (403 "
    "`ops_permission_required` for others).",
)
def hide(request: HttpRequest, review_id: str, payload: ModerationIn) -> ReviewOut:
    review = services.hide_review(
        review_id=review_id, user=_moderator(request), reason=payload.reason
    )
    return review_out(_full(review))


@router.post(
    "/reviews/{review_id}/unhide",
    response=ReviewOut,
    summary="Show a hidden review again (ops)",
)
def unhide(request: HttpRequest, review_id: str, payload: ModerationIn) -> ReviewOut:
    review = services.unhide_review(
        review_id=review_id, user=_moderator(request), reason=payload.reason
    )
    return review_out(_full(review))


@router.post(
    "/reviews/{review_id}/dismiss-reports",
    response=ReviewOut,
    summary="Keep a reported review up (ops)",
    description="Resolves its open reports with a reason (audited), as the "
    "reported-reviews queue's button; 409 `no_open_reports`. Needs a second "
    "factor (403 `ops_mfa_required`) and a role that moderates reviews.",
)
def dismiss_reports(
    request: HttpRequest, review_id: str, payload: ModerationIn
) -> ReviewOut:
    user = _moderator(request)
    services.dismiss_review_reports(
        review_id=review_id, user=user, reason=payload.reason
    )
    return review_out(_full(Review.objects.get(public_id=review_id)))
