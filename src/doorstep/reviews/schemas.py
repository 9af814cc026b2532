"""The shapes of the reviews API. Ids are public ids; times are ISO 8601."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from doorstep.api.schemas import InputSchema
from doorstep.reviews.models import MAX_TEXT_LENGTH

Stars = Annotated[int, Field(ge=1, le=5, description="1 to 5.")]
SubScore = Annotated[
    int | None, Field(None, ge=1, le=5, description="1 to 5; customers only.")
]


class ReviewIn(InputSchema):
    stars: Stars
    quality: SubScore = None
    punctuality: SubScore = None
    communication: SubScore = None
    value: SubScore = None
    text: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT_LENGTH)
    ] = ""


# Not nullable in the document: a multipart field is text, never null.
FormSubScore = Annotated[
    int, Field(None, ge=1, le=5, description="1 to 5; customers only. Or leave out.")
]


class ReviewFormIn(Schema):
    """``ReviewIn`` as ``multipart/form-data`` fields, beside the photos: form
    fields are text, so numbers are read from it, and a sub-score left out is
    the only way to give none (a form field cannot be null)."""

    stars: Stars
    quality: FormSubScore = None
    punctuality: FormSubScore = None
    communication: FormSubScore = None
    value: FormSubScore = None
    text: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=MAX_TEXT_LENGTH)
    ] = ""


class ReplyIn(InputSchema):
    text: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=MAX_TEXT_LENGTH
        ),
    ]


class ReportIn(InputSchema):
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)
    ]


class ModerationIn(InputSchema):
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
    ]


class SubScoresOut(Schema):
    quality: int | None
    punctuality: int | None
    communication: int | None
    value: int | None


class ReviewPhotoOut(Schema):
    url: str
    thumbnail_url: str
    width: int
    height: int


class ReplyOut(Schema):
    text: str
    at: datetime


class ReviewOut(Schema):
    id: str
    direction: Literal["customer_reviews_provider", "provider_reviews_customer"]
    status: Literal["pending", "published", "hidden"] = Field(
        description="`pending` until both sides reviewed or the window closed."
    )
    stars: int
    sub_scores: SubScoresOut | None = Field(
        description="Customers' reviews of providers only."
    )
    text: str
    author_name: str
    verified_order: bool = Field(
        description="Always true: only parties of a completed order review."
    )
    listing_id: str | None
    provider_id: str
    photos: list[ReviewPhotoOut]
    reply: ReplyOut | None
    created_at: datetime
    revealed_at: datetime | None


class ReviewReportOut(Schema):
    review_id: str
    reason: str
    created_at: datetime
