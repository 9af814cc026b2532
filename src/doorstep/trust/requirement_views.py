"""The onboarding requirements page, ``/ops/verification/requirements/``: the
list, with forms to add a requirement or a document type, make one mandatory or
optional, or remove it. Trust & safety may look; changing needs
``MANAGE_SETTINGS``, which the services check."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.errors import PermissionDenied as DomainPermissionDenied
from doorstep.trust import requirements
from doorstep.trust.requirement_forms import DocumentTypeForm, RequirementForm
from doorstep.web.forms import add_service_error


def _may_view(request: HttpRequest) -> bool:
    """Whether this ops user may change the requirements (they may view them)."""
    if not can_use_back_office(request):
        raise Http404
    if has_ops_permission(request.user, OpsPermission.MANAGE_SETTINGS):
        return True
    if has_ops_permission(request.user, OpsPermission.VERIFY_PROVIDERS):
        return False
    raise PermissionDenied


def _page(request, *, requirement_form=None, type_form=None, status=200):
    may_change = _may_view(request)
    return render(
        request,
        "trust/ops_requirements.html",
        {
            "may_change": may_change,
            "rows": requirements.requirement_rows(),
            "document_types": requirements.document_types(),
            "requirement_form": requirement_form or RequirementForm(),
            "type_form": type_form or DocumentTypeForm(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def ops_requirements(request: HttpRequest) -> HttpResponse:
    """GET lists; POST adds a requirement."""
    _may_view(request)
    if request.method == "GET":
        return _page(request)
    form = RequirementForm(request.POST)
    if form.is_valid():
        try:
            requirements.add_requirement(
                actor=request.user,
                document_type=form.cleaned_data["document_type"],
                category_id=form.cleaned_data["category"] or None,
                region=form.cleaned_data["region"],
                mandatory=form.cleaned_data["mandatory"],
            )
        except DomainPermissionDenied:
            raise PermissionDenied from None
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Requirement added. It applies from now on."))
            return redirect("trust:ops_requirements")
    return _page(request, requirement_form=form, status=400)


@require_POST
def ops_add_document_type(request: HttpRequest) -> HttpResponse:
    _may_view(request)
    form = DocumentTypeForm(request.POST)
    if form.is_valid():
        try:
            requirements.add_document_type(actor=request.user, **form.cleaned_data)
        except DomainPermissionDenied:
            raise PermissionDenied from None
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Document type added."))
            return redirect("trust:ops_requirements")
    return _page(request, type_form=form, status=400)


@require_POST
def ops_change_requirement(request: HttpRequest, requirement_id: str) -> HttpResponse:
    """``action`` is ``mandatory``, ``optional`` or ``remove``."""
    _may_view(request)
    action = request.POST.get("action", "")
    try:
        if action == "remove":
            requirements.remove_requirement(
                actor=request.user, requirement_id=requirement_id
            )
            messages.success(request, _("Requirement removed."))
        elif action in ("mandatory", "optional"):
            requirements.set_mandatory(
                actor=request.user,
                requirement_id=requirement_id,
                mandatory=action == "mandatory",
            )
            messages.success(request, _("Requirement changed."))
        else:
            messages.error(request, _("Choose what to do with the requirement."))
    except DomainPermissionDenied:
        raise PermissionDenied from None
    except NotFound:
        raise Http404 from None
    return redirect("trust:ops_requirements")
