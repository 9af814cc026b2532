"""The shapes of the help centre and survey API. Ids are public ids; times are
ISO 8601 with an offset."""

from datetime import datetime

from ninja import Field, Schema

from doorstep.api.schemas import InputSchema
from doorstep.support.models import HelpArticle


class HelpArticleSummaryOut(Schema):
    id: str
    slug: str
    section: HelpArticle.Section
    section_label: str
    audience: HelpArticle.Audience
    title: str = Field(description="In the language of `Accept-Language`.")
    url: str = Field(description="The article's page on the web.")
    updated_at: datetime


class HelpArticleOut(HelpArticleSummaryOut):
    language: str = Field(description="The language asked for (`en`, `zh-hans` …).")
    body: str = Field(
        description="Markdown; English where the article has no translation."
    )


class HelpArticlePageOut(Schema):
    items: list[HelpArticleSummaryOut]
    next: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class SurveyOut(Schema):
    id: str
    order_id: str
    order_title: str
    asks_nps: bool = Field(
        description="Whether this survey also asks `nps` (then it is required)."
    )
    invited_at: datetime
    answered: bool
    csat: int | None = Field(description="1–5, once answered.")
    nps: int | None = Field(description="0–10, once answered, if asked.")
    comment: str
    answered_at: datetime | None
    ticket_id: str | None = Field(
        description="The support ticket a low score opened, if any."
    )


class SurveyAnswerIn(InputSchema):
    csat: int = Field(ge=1, le=5, description="How satisfied: 1 (not at all) – 5.")
    nps: int | None = Field(
        None,
        ge=0,
        le=10,
        description="How likely to recommend us: 0–10. Only where `asks_nps`.",
    )
    comment: str = Field("", max_length=2000)
