"""The help centre's articles (read-only, for anyone) and the follow-up survey
(the order's customer only; anyone else's answers 404, like one that does not
exist)."""

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from doorstep.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from doorstep.core.errors import DomainError
from doorstep.support import help as help_centre
from doorstep.support import surveys
from doorstep.support.help_schemas import (
    HelpArticleOut,
    HelpArticlePageOut,
    SurveyAnswerIn,
    SurveyOut,
)
from doorstep.support.models import HelpArticle, SurveyInvitation

router = Router(tags=["help and surveys"])


class HelpArticlesIn(Schema):
    q: str = Field("", max_length=200, description="Words to search for.")
    audience: HelpArticle.Audience | None = Field(
        None,
        alias="for",
        description="`customers` or `providers`: theirs and those for everyone.",
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(
        None,
        max_length=200,
        description="The `next` value of the previous page; omit for the first.",
    )


def _summary(request: HttpRequest, article: HelpArticle) -> dict:
    return {
        "id": article.public_id,
        "slug": article.slug,
        "section": article.section,
        "section_label": str(article.get_section_display()),
        "audience": article.audience,
        "title": article.title,
        "url": request.build_absolute_uri(article.get_absolute_url()),
        "updated_at": article.updated_at,
    }


@router.get(
    "/help/articles",
    auth=None,
    response=HelpArticlePageOut,
    summary="The help centre's articles, or those matching a search",
    description="In the help centre's order, or with `q` the matches (title "
    "matches first), in the language of `Accept-Language`. Chinese works "
    "without spaces; Traditional and Simplified find each other.",
)
def list_help_articles(request: HttpRequest, params: Query[HelpArticlesIn]):
    audience = params.audience.value if params.audience else None
    if params.q.strip():
        articles = help_centre.search_articles(params.q, audience=audience)
    else:
        articles = help_centre.published_articles(audience)
    # The list is small and its order is not by time: the cursor is the id of
    # the last article of the previous page.
    start = 0
    if params.cursor:
        ids = [article.public_id for article in articles]
        if params.cursor not in ids:
            message = _("This cursor is not valid. Start again from the first page.")
            raise DomainError(
                "invalid_cursor", message, status=400, fields={"cursor": [message]}
            )
        start = ids.index(params.cursor) + 1
    page = articles[start : start + params.limit]
    more = start + params.limit < len(articles)
    return {
        "items": [_summary(request, article) for article in page],
        "next": page[-1].public_id if more and page else None,
    }


@router.get(
    "/help/articles/{slug}",
    auth=None,
    response=HelpArticleOut,
    summary="One help article",
    description="By its address (`slug`), in the language of `Accept-Language`.",
)
def get_help_article(request: HttpRequest, slug: str):
    article = help_centre.published_article(slug)
    return {
        **_summary(request, article),
        "language": get_language() or "en",
        "body": article.body,
    }


def _survey_out(invitation: SurveyInvitation) -> SurveyOut:
    response = getattr(invitation, "response", None)
    return SurveyOut(
        id=invitation.public_id,
        order_id=invitation.order.public_id,
        order_title=invitation.order.title,
        asks_nps=invitation.asks_nps,
        invited_at=invitation.invited_at,
        answered=response is not None,
        csat=response.csat if response else None,
        nps=response.nps if response else None,
        comment=response.comment if response else "",
        answered_at=response.answered_at if response else None,
        ticket_id=response.ticket.public_id if response and response.ticket else None,
    )


@router.get(
    "/me/surveys/{survey_id}",
    response=SurveyOut,
    summary="A follow-up survey about one of your orders",
)
def get_survey(request: HttpRequest, survey_id: str):
    return _survey_out(surveys.access_invitation(request.auth, survey_id))


@router.post(
    "/me/surveys/{survey_id}/answer",
    response={201: SurveyOut},
    summary="Answer a follow-up survey",
    description="Once. `nps` is required where the survey `asks_nps` and "
    "refused otherwise. A low score opens a support ticket about the order.",
)
def answer_survey(request: HttpRequest, survey_id: str, body: SurveyAnswerIn):
    surveys.answer_survey(
        user=request.auth,
        invitation_id=survey_id,
        csat=body.csat,
        nps=body.nps,
        comment=body.comment,
    )
    invitation = surveys.access_invitation(request.auth, survey_id)
    return Status(201, _survey_out(invitation))
