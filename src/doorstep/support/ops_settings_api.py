"""Support settings for ops in the API: canned replies, the SLA policy and the
help centre's articles, through the same services as the back office's pages
(``support.tickets.save_canned_reply``, ``delete_canned_reply``,
``update_sla_policy``; ``support.help.create_article``, ``update_article``,
``publish_article``, ``unpublish_article``), which check the ops role and write
the audit trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else).
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from doorstep.api.ids import row_pk
from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.support import help as help_centre
from doorstep.support import tickets
from doorstep.support.models import CannedReply, HelpArticle, SlaPolicy, Ticket

router = Router(tags=["support (ops)"])


# --- Canned replies -----------------------------------------------------------------


class CannedReplyIn(InputSchema):
    title: str = Field(min_length=1, max_length=120)
    body_en: str = Field(min_length=1, max_length=20_000)
    body_zh_hans: str = Field(default="", max_length=20_000)
    body_zh_hant: str = Field(default="", max_length=20_000)


class CannedReplyOut(Schema):
    id: str
    title: str
    body_en: str
    body_zh_hans: str
    body_zh_hant: str
    updated_at: datetime


def _reply_out(reply: CannedReply) -> CannedReplyOut:
    return CannedReplyOut(
        id=str(reply.pk),
        title=reply.title,
        body_en=reply.body_en,
        body_zh_hans=reply.body_zh_hans,
        body_zh_hant=reply.body_zh_hant,
        updated_at=reply.updated_at,
    )


@router.post(
    "/ops/support/canned-replies",
    response={201: CannedReplyOut},
    summary="Write a canned reply (ops)",
    description="As the canned replies page; audited.",
)
def ops_create_canned_reply(request: HttpRequest, payload: CannedReplyIn):
    agent = require_back_office(request)
    reply = tickets.save_canned_reply(agent=agent, **payload.model_dump())
    return Status(201, _reply_out(reply))


@router.put(
    "/ops/support/canned-replies/{reply_id}",
    response=CannedReplyOut,
    summary="Change a canned reply (ops)",
    description="The whole reply, as the page's form; audited.",
)
def ops_change_canned_reply(
    request: HttpRequest, reply_id: str, payload: CannedReplyIn
) -> CannedReplyOut:
    agent = require_back_office(request)
    reply = tickets.save_canned_reply(
        agent=agent, reply_id=row_pk(reply_id), **payload.model_dump()
    )
    return _reply_out(reply)


@router.delete(
    "/ops/support/canned-replies/{reply_id}",
    response={204: None},
    summary="Delete a canned reply (ops)",
    description="Audited.",
)
def ops_delete_canned_reply(request: HttpRequest, reply_id: str):
    agent = require_back_office(request)
    tickets.delete_canned_reply(agent=agent, reply_id=row_pk(reply_id))
    return Status(204, None)


# --- SLA policy ---------------------------------------------------------------------


class SlaPolicyIn(InputSchema):
    first_response_minutes: int = Field(ge=1, le=100_000)
    resolution_minutes: int = Field(
        ge=1, le=100_000, description="At least `first_response_minutes`."
    )


class SlaPolicyOut(Schema):
    priority: Ticket.Priority
    first_response_minutes: int
    resolution_minutes: int


@router.put(
    "/ops/support/sla/{priority}",
    response=SlaPolicyOut,
    summary="Set a priority's support SLA targets (ops)",
    description="For tickets opened or re-prioritised from now on; audited. "
    "`priority` is `low`, `normal`, `high` or `urgent`.",
)
def ops_set_sla_policy(
    request: HttpRequest, priority: str, payload: SlaPolicyIn
) -> SlaPolicyOut:
    agent = require_back_office(request)
    policy: SlaPolicy = tickets.update_sla_policy(
        agent=agent,
        priority=priority,
        first_response_minutes=payload.first_response_minutes,
        resolution_minutes=payload.resolution_minutes,
    )
    return SlaPolicyOut(
        priority=policy.priority,
        first_response_minutes=policy.first_response_minutes,
        resolution_minutes=policy.resolution_minutes,
    )


# --- Help articles ------------------------------------------------------------------


class HelpArticleIn(InputSchema):
    slug: str = Field(
        min_length=1,
        max_length=help_centre.SLUG_MAX,
        description="Lower-case letters, digits and hyphens.",
    )
    section: HelpArticle.Section
    audience: HelpArticle.Audience = HelpArticle.Audience.ALL
    position: int = Field(default=0, ge=0, le=32767)
    title_en: str = Field(min_length=1, max_length=help_centre.TITLE_MAX)
    body_en: str = Field(min_length=1, max_length=help_centre.BODY_MAX)
    title_zh_hans: str = Field(default="", max_length=help_centre.TITLE_MAX)
    body_zh_hans: str = Field(default="", max_length=help_centre.BODY_MAX)
    title_zh_hant: str = Field(default="", max_length=help_centre.TITLE_MAX)
    body_zh_hant: str = Field(default="", max_length=help_centre.BODY_MAX)
    reason: str = Field(default="", max_length=500, description="For the audit trail.")


class NewHelpArticleIn(HelpArticleIn):
    publish: bool = Field(default=False, description="Show it in the help centre now.")


class PublishIn(InputSchema):
    reason: str = Field(default="", max_length=500, description="For the audit trail.")


class OpsHelpArticleOut(Schema):
    id: str
    slug: str
    section: HelpArticle.Section
    audience: HelpArticle.Audience
    position: int
    title_en: str
    is_published: bool
    published_at: datetime | None
    updated_at: datetime


def _article_out(article: HelpArticle) -> OpsHelpArticleOut:
    return OpsHelpArticleOut(
        id=article.public_id,
        slug=article.slug,
        section=article.section,
        audience=article.audience,
        position=article.position,
        title_en=article.title_en,
        is_published=article.is_published,
        published_at=article.published_at,
        updated_at=article.updated_at,
    )


def _texts(payload: HelpArticleIn) -> dict[str, str]:
    return {name: getattr(payload, name) for name in help_centre.TEXT_FIELDS}


@router.post(
    "/ops/help/articles",
    response={201: OpsHelpArticleOut},
    summary="Write a help article (ops)",
    description="Published at once with `publish`; audited. A translation is "
    "whole or absent. 409 `help_slug_taken`.",
)
def ops_create_help_article(request: HttpRequest, payload: NewHelpArticleIn):
    actor = require_back_office(request)
    article = help_centre.create_article(
        actor=actor,
        slug=payload.slug,
        section=payload.section,
        audience=payload.audience,
        position=payload.position,
        texts=_texts(payload),
        publish=payload.publish,
        reason=payload.reason,
    )
    return Status(201, _article_out(article))


@router.put(
    "/ops/help/articles/{article_id}",
    response=OpsHelpArticleOut,
    summary="Change a help article (ops)",
    description="Its address, place and texts; whether it is published stays. "
    "Audited. 409 `help_slug_taken`.",
)
def ops_change_help_article(
    request: HttpRequest, article_id: str, payload: HelpArticleIn
) -> OpsHelpArticleOut:
    actor = require_back_office(request)
    article = help_centre.update_article(
        actor=actor,
        article_id=article_id,
        slug=payload.slug,
        section=payload.section,
        audience=payload.audience,
        position=payload.position,
        texts=_texts(payload),
        reason=payload.reason,
    )
    return _article_out(article)


@router.post(
    "/ops/help/articles/{article_id}/publish",
    response=OpsHelpArticleOut,
    summary="Publish a help article (ops)",
    description="Publishing a published article changes nothing; audited.",
)
def ops_publish_help_article(
    request: HttpRequest, article_id: str, payload: PublishIn
) -> OpsHelpArticleOut:
    actor = require_back_office(request)
    article = help_centre.publish_article(
        actor=actor, article_id=article_id, reason=payload.reason
    )
    return _article_out(article)


@router.post(
    "/ops/help/articles/{article_id}/unpublish",
    response=OpsHelpArticleOut,
    summary="Take a help article off the help centre (ops)",
    description="Ops still see and edit it; audited.",
)
def ops_unpublish_help_article(
    request: HttpRequest, article_id: str, payload: PublishIn
) -> OpsHelpArticleOut:
    actor = require_back_office(request)
    article = help_centre.unpublish_article(
        actor=actor, article_id=article_id, reason=payload.reason
    )
    return _article_out(article)
