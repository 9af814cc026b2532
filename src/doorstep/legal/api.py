"""The legal API: the policies in force, accepting them, and a person's own
data export."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router

from doorstep.core.errors import NotFound
from doorstep.legal import queries, services
from doorstep.legal.export import export_filename, export_zip
from doorstep.legal.models import Document, PolicyAcceptance, PolicyVersion
from doorstep.legal.schemas import AcceptanceOut, PolicyVersionOut, TermsStatusOut

router = Router(tags=["legal"])


def _version_out(request: HttpRequest, version: PolicyVersion) -> PolicyVersionOut:
    language = get_language() or "en"
    return PolicyVersionOut(
        id=version.public_id,
        document=version.document,
        version=version.number,
        material=version.material,
        language=language,
        text=version.body_in(language),
        summary=version.summary_in(language),
        published_at=version.published_at,
        url=request.build_absolute_uri(version.get_absolute_url()),
    )


def _acceptance_out(acceptance: PolicyAcceptance) -> AcceptanceOut:
    return AcceptanceOut(
        document=acceptance.version.document,
        version=acceptance.version.number,
        accepted_at=acceptance.accepted_at,
        source=acceptance.source,
    )


@router.get(
    "/policies/{document}",
    auth=None,
    response=PolicyVersionOut,
    summary="The terms of service or privacy policy in force",
    description="`document` is `terms` or `privacy`; the text is in the "
    "language of `Accept-Language`, or English where it has no translation.",
)
def current_policy(request: HttpRequest, document: str) -> PolicyVersionOut:
    version = queries.current_version(document) if document in Document.values else None
    if version is None:
        raise NotFound(
            "policy_version_not_found", _("This document is not published yet.")
        )
    return _version_out(request, version)


def _status(request: HttpRequest) -> TermsStatusOut:
    user = request.auth
    return TermsStatusOut(
        pending=[_version_out(request, v) for v in queries.pending_versions(user)],
        accepted=[_acceptance_out(a) for a in queries.acceptances_of(user)],
    )


@router.get(
    "/me/terms",
    response=TermsStatusOut,
    summary="What you accepted, and what you still must accept",
)
def terms_status(request: HttpRequest) -> TermsStatusOut:
    return _status(request)


@router.post(
    "/me/terms/accept",
    response=TermsStatusOut,
    summary="Accept the terms of service and privacy policy in force",
    description="Until you accept a new material version, write operations "
    "answer 403 `terms_not_accepted`. Accepting twice changes nothing.",
)
def accept_terms(request: HttpRequest) -> TermsStatusOut:
    services.accept_current_versions(
        user=request.auth, request=request, source=PolicyAcceptance.Source.API
    )
    return _status(request)


@router.get(
    "/me/export",
    response={200: None},
    summary="Download your data",
    description="A zip with `data.json` (your account, addresses, orders and "
    "receipts, payments, messages, reviews written and received, "
    "notifications and consents) and the pictures you uploaded.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The zip.",
                "content": {
                    "application/zip": {
                        "schema": {"type": "string", "format": "binary"}
                    }
                },
            }
        }
    },
)
def export_my_data(request: HttpRequest) -> HttpResponse:
    user = request.auth
    response = HttpResponse(export_zip(user), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(user)}"'
    return response
