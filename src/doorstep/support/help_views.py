"""The help centre's pages (public), the contact page, and the ops pages where
articles are written and published."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import DomainError, NotFound
from doorstep.legal.rendering import render_markdown
from doorstep.support import help as help_centre
from doorstep.support.help_forms import HelpArticleForm, NewHelpArticleForm
from doorstep.support.links import support_links
from doorstep.support.models import HelpArticle
from doorstep.web.forms import add_service_error

# --- Public pages ---------------------------------------------------------------------


def _audience(request: HttpRequest) -> str | None:
    audience = request.GET.get("for", "")
    return audience if audience in HelpArticle.Audience.values else None


@require_GET
def help_home(request: HttpRequest) -> HttpResponse:
    """The sections and their articles; with ``?q=``, the articles matching it
    in the reader's language."""
    query = request.GET.get("q", "").strip()[: help_centre.SEARCH_MAX]
    audience = _audience(request)
    context = {
        "query": query,
        "audience": audience,
        "audiences": HelpArticle.Audience,
        "sections": [] if query else help_centre.sections(audience),
        "results": help_centre.search_articles(query, audience=audience)
        if query
        else None,
    }
    return render(request, "support/help_home.html", context)


@require_GET
def help_article(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        article = help_centre.published_article(slug)
    except NotFound as error:
        raise Http404 from error
    related = [
        other
        for other in help_centre.published_articles()
        if other.section == article.section and other.pk != article.pk
    ][:5]
    context = {
        "article": article,
        "text": render_markdown(article.body),
        "related": related,
    }
    return render(request, "support/help_article.html", context)


@require_GET
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "support/contact.html", {"links": support_links()})


# --- Ops ------------------------------------------------------------------------------


def _ops_only(request: HttpRequest) -> None:
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, OpsPermission.EDIT_HELP):
        raise DjangoPermissionDenied


def _ops_article(article_id: str) -> HelpArticle:
    article = HelpArticle.objects.filter(public_id=article_id).first()
    if article is None:
        raise Http404
    return article


def _texts(data: dict) -> dict[str, str]:
    return {name: data.get(name, "") for name in help_centre.TEXT_FIELDS}


@require_GET
def ops_list(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    articles = sorted(
        HelpArticle.objects.select_related("updated_by"),
        key=lambda a: (help_centre.SECTION_ORDER[a.section], a.position, a.slug),
    )
    return render(request, "support/ops_help_list.html", {"articles": articles})


@require_http_methods(["GET", "POST"])
def ops_new(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    form = NewHelpArticleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = help_centre.create_article(
                actor=request.user,
                slug=data["slug"],
                section=data["section"],
                audience=data["audience"],
                position=data["position"],
                texts=_texts(data),
                publish=data["publish"],
                reason=data["reason"],
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Saved “%(title)s”.") % {"title": article.title_en}
            )
            return redirect("support:ops_help")
    return render(
        request,
        "support/ops_help_edit.html",
        {"form": form, "article": None},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
def ops_edit(request: HttpRequest, article_id: str) -> HttpResponse:
    _ops_only(request)
    article = _ops_article(article_id)
    form = HelpArticleForm(
        request.POST if request.method == "POST" else None, instance=article
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            help_centre.update_article(
                actor=request.user,
                article_id=article.public_id,
                slug=data["slug"],
                section=data["section"],
                audience=data["audience"],
                position=data["position"],
                texts=_texts(data),
                reason=data["reason"],
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Saved “%(title)s”.") % {"title": data["title_en"]}
            )
            return redirect("support:ops_help")
    # A failed POST left the form's instance half-changed: the title shown is
    # the stored one.
    article.refresh_from_db()
    return render(
        request,
        "support/ops_help_edit.html",
        {"form": form, "article": article},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def ops_publish(request: HttpRequest, article_id: str, decision: str) -> HttpResponse:
    _ops_only(request)
    article = _ops_article(article_id)
    if decision == "publish":
        help_centre.publish_article(actor=request.user, article_id=article.public_id)
        messages.success(
            request, _("“%(title)s” is in the help centre.") % {"title": article}
        )
    elif decision == "unpublish":
        help_centre.unpublish_article(actor=request.user, article_id=article.public_id)
        messages.success(
            request,
            _("“%(title)s” is off the help centre.") % {"title": article},
        )
    else:
        raise Http404
    return redirect("support:ops_help")
