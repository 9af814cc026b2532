"""Verification settings and document decisions for ops in the API: the same
services as the verification queue's buttons and the onboarding requirements
page (``trust.services.review_document``, ``trust.requirements``), so the rules
and the audit trail are theirs.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else); the services
check the ops role (403 ``ops_permission_required``).
"""

from datetime import date, datetime
from typing import Annotated, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import StringConstraints

from doorstep.api.ids import row_pk
from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.trust import requirements, services
from doorstep.trust.models import DocumentRequirement, DocumentType, ProviderDocument

router = Router(tags=["verification (ops)"])


# --- Documents ----------------------------------------------------------------------


class DocumentDecisionIn(InputSchema):
    decision: Literal["approve", "reject"]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = (
        Field(
            default="",
            description="Required to reject; the provider reads it.",
        )
    )


class DocumentDecisionOut(Schema):
    id: str
    document_type: str = Field(description="The document type's code.")
    status: str
    review_reason: str
    expires_on: date | None
    reviewed_at: datetime | None


def _document_out(document: ProviderDocument) -> DocumentDecisionOut:
    return DocumentDecisionOut(
        id=document.public_id,
        document_type=document.document_type.code,
        status=document.status,
        review_reason=document.review_reason,
        expires_on=document.expires_on,
        reviewed_at=document.reviewed_at,
    )


@router.post(
    "/ops/verification/documents/{document_id}/decision",
    response=DocumentDecisionOut,
    summary="Accept or reject a verification document (ops)",
    description="As the verification queue's buttons: approve a waiting document "
    "(granting its badge) or reject a waiting or approved one with a reason "
    "(taking its badge away; services that needed it pause). Audited; a "
    "rejection is told to the provider. 409 `document_already_decided`.",
)
def ops_decide_document(
    request: HttpRequest, document_id: str, payload: DocumentDecisionIn
) -> DocumentDecisionOut:
    actor = require_back_office(request)
    document = services.review_document(
        actor=actor,
        document_id=document_id,
        approve=payload.decision == "approve",
        reason=payload.reason,
    )
    return _document_out(document)


# --- Requirements and document types -------------------------------------------------


class OnboardingRequirementIn(InputSchema):
    document_type: str = Field(
        description="The document type's code.", min_length=1, max_length=40
    )
    category: str | None = Field(
        default=None,
        description="A category's id; left out: every category.",
        max_length=40,
    )
    region: str = Field(
        default="",
        description="A served city's slug; blank: everywhere.",
        max_length=64,
    )
    mandatory: bool = Field(default=True, description="Needed to publish.")


class OnboardingRequirementChangeIn(InputSchema):
    mandatory: bool = Field(description="Needed to publish, or only asked for.")


class OnboardingRequirementOut(Schema):
    id: str
    document_type: str = Field(description="The document type's code.")
    category: str | None = Field(description="The category's id; null: every one.")
    region: str = Field(description="A served city's slug; blank: everywhere.")
    mandatory: bool


class OnboardingRequirementsOut(Schema):
    items: list[OnboardingRequirementOut]


class DocumentTypeIn(InputSchema):
    code: str = Field(
        description="Lowercase letters, digits, hyphens or underscores; not "
        "changed later.",
        min_length=1,
        max_length=requirements.CODE_LIMIT,
    )
    name_en: str = Field(min_length=1, max_length=requirements.NAME_LIMIT)
    name_zh_hans: str = Field(min_length=1, max_length=requirements.NAME_LIMIT)
    name_zh_hant: str = Field(min_length=1, max_length=requirements.NAME_LIMIT)
    has_number: bool = True
    has_expiry: bool = False
    grants_badge: str = Field(
        default="", description="The badge it grants; blank for none.", max_length=40
    )


class DocumentTypeOut(Schema):
    code: str
    name_en: str
    name_zh_hans: str
    name_zh_hant: str
    has_number: bool
    has_expiry: bool
    grants_badge: str


def _requirement_out(requirement: DocumentRequirement) -> OnboardingRequirementOut:
    return OnboardingRequirementOut(
        id=str(requirement.pk),
        document_type=requirement.document_type.code,
        category=requirement.category.public_id if requirement.category_id else None,
        region=requirement.region,
        mandatory=requirement.mandatory,
    )


def _type_out(kind: DocumentType) -> DocumentTypeOut:
    return DocumentTypeOut(
        code=kind.code,
        name_en=kind.name_en,
        name_zh_hans=kind.name_zh_hans,
        name_zh_hant=kind.name_zh_hant,
        has_number=kind.has_number,
        has_expiry=kind.has_expiry,
        grants_badge=kind.grants_badge,
    )


@router.get(
    "/ops/verification/requirements",
    response=OnboardingRequirementsOut,
    summary="The onboarding requirements (ops)",
)
def ops_list_requirements(request: HttpRequest) -> OnboardingRequirementsOut:
    require_back_office(request)
    return OnboardingRequirementsOut(
        items=[_requirement_out(row) for row in requirements.requirement_rows()]
    )


@router.post(
    "/ops/verification/requirements",
    response={201: OnboardingRequirementOut},
    summary="Add an onboarding requirement (ops)",
    description="As the requirements page: ask providers of a category (or all) "
    "in a city (or everywhere) for a document type. Holds from the next request; "
    "audited. 409 `conflict` when that requirement exists already.",
)
def ops_add_requirement(request: HttpRequest, payload: OnboardingRequirementIn):
    actor = require_back_office(request)
    requirement = requirements.add_requirement(
        actor=actor,
        document_type=payload.document_type,
        category_id=payload.category or None,
        region=payload.region,
        mandatory=payload.mandatory,
    )
    return Status(201, _requirement_out(requirement))


@router.patch(
    "/ops/verification/requirements/{requirement_id}",
    response=OnboardingRequirementOut,
    summary="Make a requirement mandatory or optional (ops)",
    description="Audited when it changes.",
)
def ops_change_requirement(
    request: HttpRequest, requirement_id: str, payload: OnboardingRequirementChangeIn
) -> OnboardingRequirementOut:
    actor = require_back_office(request)
    requirement = requirements.set_mandatory(
        actor=actor, requirement_id=row_pk(requirement_id), mandatory=payload.mandatory
    )
    return _requirement_out(requirement)


@router.delete(
    "/ops/verification/requirements/{requirement_id}",
    response={204: None},
    summary="Remove a requirement (ops)",
    description="Stop asking for the document; documents already uploaded stay. "
    "Audited.",
)
def ops_remove_requirement(request: HttpRequest, requirement_id: str):
    actor = require_back_office(request)
    requirements.remove_requirement(actor=actor, requirement_id=row_pk(requirement_id))
    return Status(204, None)


@router.post(
    "/ops/verification/document-types",
    response={201: DocumentTypeOut},
    summary="Add a verification document type (ops)",
    description="A new kind of document ops may then require; audited.",
)
def ops_add_document_type(request: HttpRequest, payload: DocumentTypeIn):
    actor = require_back_office(request)
    kind = requirements.add_document_type(actor=actor, **payload.model_dump())
    return Status(201, _type_out(kind))
