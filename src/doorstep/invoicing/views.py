"""The web pages of documents: the customer's receipts, the provider's
invoices and statements, the back office's list, and downloads. A document
that is not the reader's answers 404, as if it did not exist."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.catalog.dashboard import provider_required
from doorstep.core.errors import NotFound
from doorstep.invoicing import queries
from doorstep.invoicing.api import pdf_response
from doorstep.invoicing.models import DocumentKind

PAGE_SIZE = 100


@login_required
@require_GET
def receipts(request: HttpRequest) -> HttpResponse:
    documents = queries.customer_documents(request.user)[:PAGE_SIZE]
    return render(request, "invoicing/receipts.html", {"documents": documents})


@provider_required
@require_GET
def provider_documents(request: HttpRequest) -> HttpResponse:
    documents = queries.provider_documents(request.user)
    kind = request.GET.get("kind", "")
    if kind in {DocumentKind.FEE_INVOICE, DocumentKind.STATEMENT}:
        documents = documents.filter(kind=kind)
    return render(
        request,
        "invoicing/provider_documents.html",
        {"documents": documents[:PAGE_SIZE], "kind": kind},
    )


@login_required
@require_GET
def download(request: HttpRequest, document_id: str) -> HttpResponse:
    try:
        document = queries.access_document(request.user, document_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return pdf_response(document)


def _ops_only(request: HttpRequest) -> None:
    # Ops pages do not admit they exist to anyone else.
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, OpsPermission.VIEW_FINANCE):
        raise PermissionDenied


@require_GET
def ops_documents(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    filters = {
        "kind": request.GET.get("kind", ""),
        "currency": request.GET.get("currency", "")[:3],
        "search": request.GET.get("q", "")[:100],
    }
    documents = queries.ops_documents(**filters)[:PAGE_SIZE]
    return render(
        request,
        "invoicing/ops_documents.html",
        {"documents": documents, "filters": filters, "kinds": DocumentKind.choices},
    )


@require_GET
def ops_download(request: HttpRequest, document_id: str) -> HttpResponse:
    _ops_only(request)
    try:
        document = queries.ops_document(document_id)
    except NotFound as error:
        raise Http404(error.message) from error
    return pdf_response(document)
