"""The policies' public pages, accepting a new version, downloading one's data,
and the ops page where new versions are written."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import DomainError
from doorstep.legal import gate, queries, services
from doorstep.legal.export import export_filename, export_zip
from doorstep.legal.forms import AcceptTermsForm, PolicyVersionForm
from doorstep.legal.models import Document, PolicyAcceptance, PolicyVersion
from doorstep.legal.rendering import render_markdown
from doorstep.legal.starter import STARTER_TEXT
from doorstep.web.forms import add_service_error

# --- Public pages ---------------------------------------------------------------------


def _policy_page(request: HttpRequest, version: PolicyVersion | None, document: str):
    if version is None:
        return render(
            request,
            "legal/not_published.html",
            {"document": Document(document)},
            status=404,
        )
    language = get_language()
    context = {
        "version": version,
        "document": Document(document),
        "text": render_markdown(version.body_in(language)),
        "summary": version.summary_in(language),
        "is_current": version == queries.current_version(document),
        "history": queries.versions_of(document),
    }
    return render(request, "legal/policy.html", context)


@require_GET
def terms(request: HttpRequest) -> HttpResponse:
    return _policy_page(request, queries.current_version(Document.TERMS), "terms")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return _policy_page(request, queries.current_version(Document.PRIVACY), "privacy")


@require_GET
def version(request: HttpRequest, document: str, number: int) -> HttpResponse:
    found = PolicyVersion.objects.filter(document=document, number=number).first()
    if found is None:
        raise Http404
    return _policy_page(request, found, document)


# --- Accepting ------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest) -> HttpResponse:
    """The page a signed-in person is sent to when a material version came out
    that they have not accepted yet."""
    pending = queries.pending_versions(request.user)
    form = AcceptTermsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.accept_current_versions(
            user=request.user, request=request, source=PolicyAcceptance.Source.WEB
        )
        request.session.pop(gate.SESSION_KEY, None)
        messages.success(request, _("Thank you. You accepted the current terms."))
        return redirect(_safe_next(request))
    if not pending and request.method == "GET":
        return redirect(_safe_next(request))
    language = get_language()
    context = {
        "form": form,
        "pending": [
            {"version": version, "summary": version.summary_in(language)}
            for version in pending
        ],
        "next": _safe_next(request),
    }
    return render(
        request,
        "legal/accept.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


# --- Download my data -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def export(request: HttpRequest) -> HttpResponse:
    """GET explains what is in the export; POST builds and sends it (a POST, so
    a link on another site cannot make the browser download it)."""
    if request.method == "POST":
        user = request.user
        response = HttpResponse(export_zip(user), content_type="application/zip")
        response["Content-Disposition"] = (
            f'attachment; filename="{export_filename(user)}"'
        )
        return response
    return render(request, "legal/export.html")


# --- Ops ------------------------------------------------------------------------------


def _ops_only(request: HttpRequest) -> None:
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, OpsPermission.MANAGE_SETTINGS):
        raise DjangoPermissionDenied


@require_GET
def ops_list(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    documents = [
        {"document": document, "versions": queries.versions_with_counts(document)}
        for document in Document
    ]
    return render(request, "legal/ops_list.html", {"documents": documents})


@require_http_methods(["GET", "POST"])
def ops_new_version(request: HttpRequest, document: str) -> HttpResponse:
    _ops_only(request)
    if document not in Document.values:
        raise Http404
    current = queries.current_version(document)
    if current is not None:
        initial = {
            field: getattr(current, field) for field in PolicyVersionForm.Meta.fields
        }
        initial.update(material=False, summary_en="", summary_zh_hans="")
        initial.update(summary_zh_hant="")
    else:
        initial = {**STARTER_TEXT[document], "material": True}
    form = PolicyVersionForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            published = services.publish_version(
                actor=request.user, document=document, **data
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Published %(version)s.") % {"version": str(published)},
            )
            return redirect("legal:ops_list")
    return render(
        request,
        "legal/ops_new_version.html",
        {
            "form": form,
            "document": Document(document),
            "current": current,
        },
        status=400 if request.method == "POST" else 200,
    )
