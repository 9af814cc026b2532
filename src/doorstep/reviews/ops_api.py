"""Review integrity for ops in the API: deciding a flagged pattern and picking
testimonials, through the same services as the back office's pages
(``reviews.services.decide_review_flag``, ``pick_testimonial``,
``unpick_testimonial``), which check the ops role and write the audit trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else).
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from doorstep.api.ids import row_pk
from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.reviews import services

router = Router(tags=["reviews (ops)"])


class ReviewFlagDecisionIn(InputSchema):
    decision: Literal["hide", "dismiss"] = Field(
        description="`hide` the flagged review and the related ones still shown, "
        "or `dismiss` the flag: nothing wrong."
    )
    reason: str = Field(
        default="",
        max_length=500,
        description="Required to hide; kept in the audit trail.",
    )


class ReviewFlagOut(Schema):
    id: str
    review_id: str
    status: str
    decided_at: datetime | None
    decision_note: str


class TestimonialIn(InputSchema):
    review: str = Field(description="The review's id.", min_length=1, max_length=40)
    position: int = Field(
        default=0,
        ge=0,
        le=services.MAX_TESTIMONIAL_POSITION,
        description="Where on the home page, lowest first.",
    )


class TestimonialOut(Schema):
    review_id: str
    position: int
    picked_at: datetime


@router.post(
    "/ops/reviews/flags/{flag_id}/decision",
    response=ReviewFlagOut,
    summary="Decide an integrity flag on a review (ops)",
    description="As the flag's page: hide the flagged review and every related "
    "one still shown (with a reason), or dismiss the flag. Audited. 409 "
    "`review_flag_already_decided`.",
)
def ops_decide_review_flag(
    request: HttpRequest, flag_id: str, payload: ReviewFlagDecisionIn
) -> ReviewFlagOut:
    user = require_back_office(request)
    flag = services.decide_review_flag(
        user=user,
        flag_id=row_pk(flag_id),
        hide=payload.decision == "hide",
        reason=payload.reason,
    )
    return ReviewFlagOut(
        id=str(flag.pk),
        review_id=flag.review.public_id,
        status=flag.status,
        decided_at=flag.decided_at,
        decision_note=flag.decision_note,
    )


@router.post(
    "/ops/testimonials",
    response={201: TestimonialOut},
    summary="Show a review on the home page (ops)",
    description="Only a published, visible review of an active provider's work "
    "(422 `not_public_review`); 409 `already_picked`. Audited.",
)
def ops_pick_testimonial(request: HttpRequest, payload: TestimonialIn):
    user = require_back_office(request)
    testimonial = services.pick_testimonial(
        review_id=payload.review, user=user, position=payload.position
    )
    return Status(
        201,
        TestimonialOut(
            review_id=payload.review,
            position=testimonial.position,
            picked_at=testimonial.picked_at,
        ),
    )


@router.delete(
    "/ops/testimonials/{review_id}",
    response={204: None},
    summary="Take a review off the home page (ops)",
    description="409 `not_picked` when it is not shown. Audited.",
)
def ops_unpick_testimonial(request: HttpRequest, review_id: str):
    user = require_back_office(request)
    services.unpick_testimonial(review_id=review_id, user=user)
    return Status(204, None)
