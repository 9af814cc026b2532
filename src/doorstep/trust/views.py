"""Onboarding pages: the provider's Verification page, the document file (for
its owner and for ops allowed to see it), and the ops review under
``/ops/verification/``. Each view parses, calls one service, and renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.accounts.models import ProviderProfile
from doorstep.audit.queries import entries_for
from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import DomainError
from doorstep.core.errors import PermissionDenied as DomainPermissionDenied
from doorstep.core.storage import private_file_response
from doorstep.trust import queries, services
from doorstep.trust.forms import DecisionForm, DocumentUploadForm
from doorstep.trust.models import ProviderApplication, ProviderDocument
from doorstep.web.forms import add_service_error


def _own_provider(request: HttpRequest) -> ProviderProfile:
    provider = ProviderProfile.objects.filter(user_id=request.user.pk).first()
    if provider is None:
        raise Http404
    return provider


def _form_ids(requirement_id) -> str:
    # One upload form per requirement on the page: their fields need their own ids.
    suffix = str(requirement_id)
    return f"id_r{suffix if suffix.isdigit() else 'x'}_%s"


def _verification_page(
    request: HttpRequest,
    provider: ProviderProfile,
    *,
    failed: DocumentUploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    application = queries.application_of(provider)
    rows = queries.verification_rows(provider)
    forms = {
        str(row.requirement.pk): (
            failed
            if failed is not None
            and failed.data.get("requirement") == str(row.requirement.pk)
            else DocumentUploadForm(
                initial={"requirement": row.requirement.pk},
                auto_id=_form_ids(row.requirement.pk),
            )
        )
        for row in rows
    }
    return render(
        request,
        "trust/verification.html",
        {
            "application": application,
            "rows": [(row, forms[str(row.requirement.pk)]) for row in rows],
            "missing": queries.missing_requirements(provider, accept_pending=True),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def verification(request: HttpRequest) -> HttpResponse:
    """The provider's requirements, their documents and the application's
    status with ops' reasons; POST uploads one document."""
    provider = _own_provider(request)
    if request.method == "GET":
        return _verification_page(request, provider)
    form = DocumentUploadForm(
        request.POST,
        request.FILES,
        auto_id=_form_ids(request.POST.get("requirement", "")),
    )
    if form.is_valid():
        try:
            services.upload_document(
                actor=request.user,
                requirement_id=form.cleaned_data["requirement"],
                upload=form.cleaned_data["file"],
                number=form.cleaned_data["number"],
                expires_on=form.cleaned_data["expires_on"],
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Document uploaded."))
            return redirect("trust:verification")
    return _verification_page(request, provider, failed=form, status=400)


@login_required
@require_POST
def submit(request: HttpRequest) -> HttpResponse:
    _own_provider(request)
    try:
        services.submit_application(actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Submitted. Our team will review your documents soon.")
        )
    return redirect("trust:verification")


@login_required
@require_GET
def document_file(request: HttpRequest, public_id: str) -> HttpResponse:
    """The document's file, to its owner or to ops with ``VIEW_DOCUMENTS``
    (whose session passed a second factor); each opening is recorded. Sent as
    an attachment, never cached, so a browser neither renders nor keeps it."""
    if request.user.is_staff and not can_use_back_office(request):
        raise Http404
    try:
        document = services.open_document(actor=request.user, document_id=public_id)
    except DomainPermissionDenied:
        raise PermissionDenied from None
    except DomainError:
        raise Http404 from None
    extension = document.file.name.rsplit(".", 1)[-1]
    # On S3 a redirect to a presigned URL that soon expires; on disk, streamed.
    return private_file_response(
        document.file,
        filename=f"{document.public_id}.{extension}",
        content_type=document.content_type,
    )


# --- Ops -----------------------------------------------------------------------------


def _ops_only(request: HttpRequest, permission: OpsPermission) -> None:
    # Ops pages do not admit they exist to anyone else; ops whose role does not
    # cover the page are told so.
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, permission):
        raise PermissionDenied


@require_GET
def ops_queue(request: HttpRequest) -> HttpResponse:
    _ops_only(request, OpsPermission.VERIFY_PROVIDERS)
    return render(
        request,
        "trust/ops_queue.html",
        {
            "applications": queries.review_queue()[:200],
            "recent": ProviderApplication.objects.exclude(
                status__in=["applying", "submitted"]
            )
            .select_related("provider")
            .order_by("-decided_at")[:50],
        },
    )


@require_GET
def ops_expiring(request: HttpRequest) -> HttpResponse:
    _ops_only(request, OpsPermission.VERIFY_PROVIDERS)
    documents = (
        queries.expiring_documents(within_days=30)
        .select_related("provider", "document_type", "category")
        .order_by("expires_on")[:200]
    )
    return render(request, "trust/ops_expiring.html", {"documents": documents})


def _application_for_ops(public_id: str) -> ProviderApplication:
    application = (
        ProviderApplication.objects.select_related("provider__user")
        .filter(public_id=public_id)
        .first()
    )
    if application is None:
        raise Http404
    return application


@require_GET
def ops_application(request: HttpRequest, public_id: str) -> HttpResponse:
    _ops_only(request, OpsPermission.VERIFY_PROVIDERS)
    application = _application_for_ops(public_id)
    provider = application.provider
    return render(
        request,
        "trust/ops_application.html",
        {
            "application": application,
            "provider": provider,
            "rows": queries.verification_rows(provider),
            "documents": queries.current_documents(provider),
            "can_view_documents": services.can_view_documents(request.user),
            "form": DecisionForm(),
            "trail": entries_for(application)[:50],
        },
    )


_DECISIONS = {
    "approve": services.approve_application,
    "request_changes": services.request_changes,
    "reject": services.reject_application,
}


@require_POST
def ops_decide(request: HttpRequest, public_id: str) -> HttpResponse:
    _ops_only(request, OpsPermission.VERIFY_PROVIDERS)
    decide = _DECISIONS.get(request.POST.get("decision", ""))
    form = DecisionForm(request.POST)
    if decide is None or not form.is_valid():
        messages.error(request, _("Choose a decision and give a reason."))
        return redirect("trust:ops_application", public_id=public_id)
    try:
        decide(
            actor=request.user,
            application_id=public_id,
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("trust:ops_application", public_id=public_id)
    messages.success(request, _("Decision recorded; the provider is told."))
    return redirect("trust:ops_queue")


@require_POST
def ops_review_document(request: HttpRequest, public_id: str) -> HttpResponse:
    _ops_only(request, OpsPermission.VERIFY_PROVIDERS)
    document = (
        ProviderDocument.objects.select_related("provider__application")
        .filter(public_id=public_id)
        .first()
    )
    if document is None:
        raise Http404
    form = DecisionForm(request.POST)
    form.is_valid()
    try:
        services.review_document(
            actor=request.user,
            document_id=public_id,
            approve=request.POST.get("decision") == "approve",
            reason=form.cleaned_data.get("reason", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Document decision recorded."))
    application = getattr(document.provider, "application", None)
    if document.staff_id is not None:
        return redirect("trust:ops_staff_documents")
    if application is None:
        return redirect("trust:ops_queue")
    return redirect("trust:ops_application", public_id=application.public_id)


@require_GET
def ops_staff_documents(request: HttpRequest) -> HttpResponse:
    """Agencies' staff members' documents waiting for review; each is decided
    with ``ops_review_document`` as a provider's is."""
    _ops_only(request, OpsPermission.VERIFY_PROVIDERS)
    return render(
        request,
        "trust/ops_staff_documents.html",
        {
            "documents": queries.staff_documents_waiting()[:200],
            "can_view_documents": services.can_view_documents(request.user),
        },
    )
