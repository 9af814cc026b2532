"""The provider's side of onboarding (``/me/verification``): what is asked of
them, their documents (numbers redacted), uploading one and submitting.

Handlers parse, call one service, shape output; errors are problem+json.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field, StringConstraints

from doorstep.accounts.models import User
from doorstep.api.ratelimit import _ip_key
from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.catalog.services import provider_of
from doorstep.core.errors import DomainError
from doorstep.trust import check_services, queries, services
from doorstep.trust.models import ApplicationStatus, ProviderDocument
from doorstep.trust.queries import RequirementRow

router = Router(tags=["verification"])


class DocumentOut(Schema):
    id: str
    document_type: str
    status: str
    number: str  # redacted: only the last characters show
    expires_on: date | None
    uploaded_at: datetime
    review_reason: str

    @staticmethod
    def resolve_id(document: ProviderDocument) -> str:
        return document.public_id

    @staticmethod
    def resolve_document_type(document: ProviderDocument) -> str:
        return document.document_type.code

    @staticmethod
    def resolve_number(document: ProviderDocument) -> str:
        return document.redacted_number


class RequirementOut(Schema):
    id: str
    document_type: str
    name: str
    category: str | None
    mandatory: bool
    has_number: bool
    has_expiry: bool
    document: DocumentOut | None

    @staticmethod
    def resolve_id(row: RequirementRow) -> str:
        return str(row.requirement.pk)

    @staticmethod
    def resolve_document_type(row: RequirementRow) -> str:
        return row.requirement.document_type.code

    @staticmethod
    def resolve_name(row: RequirementRow) -> str:
        return row.requirement.document_type.name

    @staticmethod
    def resolve_category(row: RequirementRow) -> str | None:
        category = row.requirement.category
        return category.slug if category else None

    @staticmethod
    def resolve_mandatory(row: RequirementRow) -> bool:
        return row.requirement.mandatory

    @staticmethod
    def resolve_has_number(row: RequirementRow) -> bool:
        return row.requirement.document_type.has_number

    @staticmethod
    def resolve_has_expiry(row: RequirementRow) -> bool:
        return row.requirement.document_type.has_expiry


class VerificationOut(Schema):
    status: str
    reason: str
    submitted_at: datetime | None
    requirements: list[RequirementOut]


@dataclass(frozen=True)
class Verification:
    status: str
    reason: str
    submitted_at: datetime | None
    requirements: list[RequirementRow]


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _verification(user: User) -> Verification:
    provider = provider_of(user)
    application = queries.application_of(provider)
    return Verification(
        status=application.status if application else ApplicationStatus.APPLYING,
        reason=application.reason if application else "",
        submitted_at=application.submitted_at if application else None,
        requirements=queries.verification_rows(provider),
    )


@router.get(
    "/me/verification",
    response=VerificationOut,
    summary="My verification: requirements, documents and status",
)
def get_verification(request: HttpRequest) -> Verification:
    return _verification(_caller(request))


# A form sends an empty field for "no date"; a date is YYYY-MM-DD.
DAY_OR_NOTHING = r"^(\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))?$"


def _day(value: str) -> date | None:
    """The date a form field names, ``None`` when empty; 422 ``invalid_date``
    for one the calendar lacks (30 February)."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        message = _("There is no such day.")
        raise DomainError(
            "invalid_date", message, fields={"expires_on": [message]}
        ) from None


@router.post(
    "/me/verification/documents",
    response={201: DocumentOut},
    summary="Upload a document for one of my requirements",
    description=(
        "`multipart/form-data`: `requirement` (an id from `GET /me/verification`), "
        "the file in `file` (a PDF, or a JPEG, PNG or WebP photo, at most 10 MB; "
        "photos are re-encoded without metadata), `number` and `expires_on` where "
        "the document has them. The file is private: it has no URL."
    ),
)
def upload_document(
    request: HttpRequest,
    requirement: str = Form(..., min_length=1, max_length=64),
    # Optional to the schema: a missing or empty file is refused by the
    # service with the same 422 as a file that is not a document (the
    # multipart parser drops an empty part, which no schema can rule out).
    file: File[UploadedFile] = None,
    number: Form[str] = "",
    expires_on: str = Form("", pattern=DAY_OR_NOTHING),
) -> ProviderDocument:
    return services.upload_document(
        actor=_caller(request),
        requirement_id=requirement,
        upload=file,
        number=number,
        expires_on=_day(expires_on),
    )


@router.post(
    "/me/verification/submit",
    response=VerificationOut,
    summary="Submit my documents for review",
)
def submit(request: HttpRequest) -> Verification:
    user = _caller(request)
    services.submit_application(actor=user)
    return _verification(user)


# --- Background check consent --------------------------------------------------------


class ConsentIn(InputSchema):
    legal_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=2, max_length=150)
    ] = Field(description="Your first and last name as on your ID.")
    agreed: Literal[True] = Field(
        description="You agree to the background check (the consent text's "
        "current version)."
    )


class ConsentOut(Schema):
    id: str
    given_at: datetime
    text_version: str


@router.post(
    "/me/background-check/consent",
    response={201: ConsentOut},
    summary="Consent to a background check",
    description="As the background-check page: recorded with when, the text's "
    "version and where from; ops then start the check.",
)
def consent_to_background_check(request: HttpRequest, payload: ConsentIn) -> Status:
    user = _caller(request)
    consent = check_services.record_consent(
        provider=provider_of(user),
        user=user,
        legal_name=payload.legal_name,
        agreed=payload.agreed,
        ip_address=_ip_key("", request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return Status(
        201,
        ConsentOut(
            id=consent.public_id,
            given_at=consent.given_at,
            text_version=consent.text_version,
        ),
    )


# --- Ops: verification decisions ------------------------------------------------------


class ApplicationDecisionIn(InputSchema):
    decision: Literal["approve", "request_changes", "reject"]
    reason: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=services.MAX_REASON_LENGTH
        ),
    ] = Field(description="Why; the provider reads it.")


class ApplicationDecisionOut(Schema):
    id: str
    status: str
    reason: str
    decided_at: datetime | None


@router.post(
    "/ops/verification/applications/{application_id}/decision",
    response=ApplicationDecisionOut,
    summary="Decide a provider's verification application (ops)",
    description="As the verification queue's buttons: approve (grants the "
    "badges of the documents waiting), request changes, or reject; audited, and "
    "the provider is told. 409 `application_not_open` when it waits for no "
    "decision. Ops only, with a token minted after the TOTP code (403 "
    "`ops_mfa_required` without) and a role that verifies providers.",
)
def ops_decide_application(
    request: HttpRequest, application_id: str, payload: ApplicationDecisionIn
) -> ApplicationDecisionOut:
    actor = require_back_office(request)
    arguments = {
        "actor": actor,
        "application_id": application_id,
        "reason": payload.reason,
    }
    if payload.decision == "approve":
        application = services.approve_application(**arguments)
    elif payload.decision == "request_changes":
        application = services.request_changes(**arguments)
    else:
        application = services.reject_application(**arguments)
    return ApplicationDecisionOut(
        id=application.public_id,
        status=application.status,
        reason=application.reason,
        decided_at=application.decided_at,
    )
