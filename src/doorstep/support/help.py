"""The help centre's articles: every write (ops only, each audited) and the
reads the public pages and the API share — sections, one article, search.

Search runs in Python over the published articles with the search app's text
pipeline (``doorstep.search.text``): the same folding (Traditional → Simplified,
width, case), one term per ideograph with a query's Chinese run matched as a
phrase, stemming and typo correction as the service search. A help centre holds
tens of articles, not the catalogue's millions of listings, so it needs no index
of its own."""

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.audit.services import record
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.search.text import document_text, matches, parse_query
from doorstep.support import audit_actions
from doorstep.support.models import HelpArticle

LANGUAGES = ("en", "zh_hans", "zh_hant")
TEXT_FIELDS = tuple(
    f"{part}_{language}" for language in LANGUAGES for part in ("title", "body")
)
TITLE_MAX = 160
BODY_MAX = 20_000
SLUG_MAX = 80
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SEARCH_MAX = 200
# /help/contact/ is a page of its own.
RESERVED_SLUGS = frozenset({"contact"})
SECTION_ORDER = {value: index for index, value in enumerate(HelpArticle.Section)}


# --- Writing (ops) --------------------------------------------------------------------


def _clean(
    *,
    slug: str,
    section: str,
    audience: str,
    position: int,
    texts: Mapping[str, str],
) -> dict[str, object]:
    """The article's fields, trimmed; ``DomainError`` ``invalid_input`` naming
    each wrong field. A translation is whole or absent: a title without its
    text (or the reverse) would show half an article."""
    errors: dict[str, list[str]] = {}
    slug = (slug or "").strip().lower()
    if slug in RESERVED_SLUGS:
        errors["slug"] = [_("This address is taken by a page of the help centre.")]
    elif not _SLUG.match(slug) or len(slug) > SLUG_MAX:
        errors["slug"] = [
            _("Use lower-case letters, digits and hyphens, at most %(count)d.")
            % {"count": SLUG_MAX}
        ]
    if section not in HelpArticle.Section.values:
        errors["section"] = [_("Choose one of the sections.")]
    if audience not in HelpArticle.Audience.values:
        errors["audience"] = [_("Choose who the article is for.")]
    if not 0 <= position <= 32767:
        errors["position"] = [_("Give a number from 0 to 32767.")]
    cleaned = {name: (texts.get(name) or "").strip() for name in TEXT_FIELDS}
    for language in LANGUAGES:
        title, body = f"title_{language}", f"body_{language}"
        if len(cleaned[title]) > TITLE_MAX:
            errors[title] = [_("At most %(count)d characters.") % {"count": TITLE_MAX}]
        if len(cleaned[body]) > BODY_MAX:
            errors[body] = [_("At most %(count)d characters.") % {"count": BODY_MAX}]
        if language == "en":
            for name in (title, body):
                if not cleaned[name]:
                    errors.setdefault(name, [_("The English text is required.")])
        elif bool(cleaned[title]) != bool(cleaned[body]):
            missing = body if cleaned[title] else title
            errors.setdefault(
                missing, [_("Give both the title and the text, or neither.")]
            )
    if errors:
        raise DomainError(
            "invalid_input", _("Some fields are not valid."), fields=errors
        )
    return {
        "slug": slug,
        "section": section,
        "audience": audience,
        "position": position,
        **cleaned,
    }


def _save(article: HelpArticle) -> None:
    try:
        with transaction.atomic():
            article.save()
    except IntegrityError as error:
        raise Conflict(
            "help_slug_taken",
            _("Another article has this address."),
            fields={"slug": [_("Another article has this address.")]},
        ) from error


def _locked_article(article_id: str) -> HelpArticle:
    article = HelpArticle.objects.select_for_update().filter(public_id=article_id)
    found = article.first()
    if found is None:
        raise NotFound("help_article_not_found", _("No such help article."))
    return found


@transaction.atomic
def create_article(
    *,
    actor: User,
    slug: str,
    section: str,
    audience: str = HelpArticle.Audience.ALL,
    position: int = 0,
    texts: Mapping[str, str],
    publish: bool = False,
    reason: str = "",
    now: datetime | None = None,
) -> HelpArticle:
    """Write a new article (``texts``: ``title_en``, ``body_en``, … per
    language), published at once if ``publish``. Requires ``EDIT_HELP``.
    Raises ``DomainError`` ``invalid_input`` per field or ``Conflict``
    ``help_slug_taken``, with nothing written."""
    require_ops_permission(actor, OpsPermission.EDIT_HELP)
    now = now or timezone.now()
    fields = _clean(
        slug=slug, section=section, audience=audience, position=position, texts=texts
    )
    article = HelpArticle(
        **fields,
        is_published=publish,
        published_at=now if publish else None,
        created_at=now,
        updated_at=now,
        updated_by=actor,
    )
    _save(article)
    record(
        actor=actor,
        action=audit_actions.CREATE_HELP_ARTICLE,
        target=article,
        reason=reason,
        after={"slug": article.slug, "published": article.is_published},
    )
    return article


@transaction.atomic
def update_article(
    *,
    actor: User,
    article_id: str,
    slug: str,
    section: str,
    audience: str,
    position: int,
    texts: Mapping[str, str],
    reason: str = "",
    now: datetime | None = None,
) -> HelpArticle:
    """Change an article's address, place and texts; whether it is published
    stays as it was. Requires ``EDIT_HELP``. Raises as ``create_article``, and
    ``NotFound`` ``help_article_not_found``."""
    require_ops_permission(actor, OpsPermission.EDIT_HELP)
    fields = _clean(
        slug=slug, section=section, audience=audience, position=position, texts=texts
    )
    article = _locked_article(article_id)
    changed = {
        name: value for name, value in fields.items() if getattr(article, name) != value
    }
    if not changed:
        return article
    before = {name: getattr(article, name) for name in changed}
    for name, value in changed.items():
        setattr(article, name, value)
    article.updated_at = now or timezone.now()
    article.updated_by = actor
    _save(article)
    record(
        actor=actor,
        action=audit_actions.UPDATE_HELP_ARTICLE,
        target=article,
        reason=reason,
        # The texts can be long: the trail says which changed, not the words.
        before={k: v for k, v in before.items() if k not in TEXT_FIELDS},
        after={
            **{k: v for k, v in changed.items() if k not in TEXT_FIELDS},
            "texts_changed": sorted(k for k in changed if k in TEXT_FIELDS),
        },
    )
    return article


def _set_published(
    *, actor: User, article_id: str, published: bool, reason: str, now: datetime
) -> HelpArticle:
    require_ops_permission(actor, OpsPermission.EDIT_HELP)
    article = _locked_article(article_id)
    if article.is_published == published:
        return article
    article.is_published = published
    if published:
        article.published_at = now
    article.updated_at = now
    article.updated_by = actor
    article.save(
        update_fields=["is_published", "published_at", "updated_at", "updated_by"]
    )
    record(
        actor=actor,
        action=audit_actions.PUBLISH_HELP_ARTICLE
        if published
        else audit_actions.UNPUBLISH_HELP_ARTICLE,
        target=article,
        reason=reason,
        before={"published": not published},
        after={"published": published},
    )
    return article


@transaction.atomic
def publish_article(
    *, actor: User, article_id: str, reason: str = "", now: datetime | None = None
) -> HelpArticle:
    """Show the article in the help centre. Publishing a published article
    changes nothing (and writes no audit entry). Requires ``EDIT_HELP``."""
    return _set_published(
        actor=actor,
        article_id=article_id,
        published=True,
        reason=reason,
        now=now or timezone.now(),
    )


@transaction.atomic
def unpublish_article(
    *, actor: User, article_id: str, reason: str = "", now: datetime | None = None
) -> HelpArticle:
    """Take the article off the help centre (ops still see and edit it)."""
    return _set_published(
        actor=actor,
        article_id=article_id,
        published=False,
        reason=reason,
        now=now or timezone.now(),
    )


# --- Reading --------------------------------------------------------------------------


def published_articles(audience: str | None = None) -> list[HelpArticle]:
    """The published articles in the help centre's order; for ``audience``
    (customers or providers), theirs and those for everyone."""
    articles = HelpArticle.objects.filter(is_published=True)
    if audience in (HelpArticle.Audience.CUSTOMERS, HelpArticle.Audience.PROVIDERS):
        articles = articles.filter(audience__in=[audience, HelpArticle.Audience.ALL])
    return sorted(
        articles, key=lambda a: (SECTION_ORDER[a.section], a.position, a.slug)
    )


@dataclass(frozen=True)
class HelpSection:
    section: HelpArticle.Section
    articles: list[HelpArticle]


def sections(audience: str | None = None) -> list[HelpSection]:
    """The sections that have published articles, in order, with them."""
    grouped: dict[str, list[HelpArticle]] = {}
    for article in published_articles(audience):
        grouped.setdefault(article.section, []).append(article)
    return [
        HelpSection(HelpArticle.Section(key), articles)
        for key, articles in grouped.items()
    ]


def published_article(slug: str) -> HelpArticle:
    """The published article at ``slug``; ``NotFound`` otherwise (a draft is
    not found either)."""
    article = HelpArticle.objects.filter(slug=slug, is_published=True).first()
    if article is None:
        raise NotFound("help_article_not_found", _("No such help article."))
    return article


def search_articles(
    text: str, *, language: str | None = None, audience: str | None = None
) -> list[HelpArticle]:
    """The published articles whose title or text, in ``language`` (the
    active one by default; English where the article has no translation),
    hold every word and Chinese phrase of ``text``: those matching in the title
    first. Empty text matches nothing."""
    text = (text or "")[:SEARCH_MAX]
    language = language or get_language() or "en"
    articles = published_articles(audience)
    fields = {
        article.pk: (
            document_text(article.localized("title", language)),
            document_text(article.localized("body", language)),
        )
        for article in articles
    }
    vocabulary = Counter(
        term
        for pair in fields.values()
        for field in pair
        for term in set(field.split())
    )

    def known(candidates) -> dict[str, int]:
        return {term: vocabulary[term] for term in candidates if term in vocabulary}

    def has_prefix(prefix: str) -> bool:
        return any(term.startswith(prefix) for term in vocabulary)

    query = parse_query(text, known, has_prefix=has_prefix)
    if not query:
        return []
    found = [a for a in articles if matches(query, fields[a.pk])]
    in_title = {a.pk for a in found if matches(query, fields[a.pk][:1])}
    return sorted(found, key=lambda a: a.pk not in in_title)
