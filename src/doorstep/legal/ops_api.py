"""The terms and the privacy policy for ops in the API: every version with how
many people accepted it, and publishing the next version, through the same
service as the back office's page (``legal.services.publish_version``), which
checks ``MANAGE_SETTINGS``, writes the audit trail and, for a material
version, tells everyone.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else).
"""

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import (
    OpsPermission,
    require_back_office,
    require_ops_permission,
)
from doorstep.core.errors import NotFound
from doorstep.legal import queries, services
from doorstep.legal.models import Document, PolicyVersion

router = Router(tags=["legal (ops)"])


class PolicyVersionIn(InputSchema):
    material: bool = Field(
        description="Everyone must accept it (and is told); false for an "
        "editorial fix. The first version of a document is always material."
    )
    summary_en: str = Field(max_length=500, description="What changed.")
    summary_zh_hans: str = Field(default="", max_length=500)
    summary_zh_hant: str = Field(default="", max_length=500)
    body_en: str = Field(max_length=200_000, description="Markdown.")
    body_zh_hans: str = Field(default="", max_length=200_000)
    body_zh_hant: str = Field(default="", max_length=200_000)
    reason: str = Field(
        default="", max_length=500, description="For the audit trail; not shown."
    )


class OpsPolicyVersionOut(Schema):
    id: str
    document: str
    version: int
    material: bool
    summary_en: str
    summary_zh_hans: str
    summary_zh_hant: str
    body_en: str
    body_zh_hans: str
    body_zh_hant: str
    published_at: datetime
    accepted_by: int = Field(description="People who accepted this version.")


def _out(version: PolicyVersion) -> OpsPolicyVersionOut:
    return OpsPolicyVersionOut(
        id=version.public_id,
        document=version.document,
        version=version.number,
        material=version.material,
        summary_en=version.summary_en,
        summary_zh_hans=version.summary_zh_hans,
        summary_zh_hant=version.summary_zh_hant,
        body_en=version.body_en,
        body_zh_hans=version.body_zh_hans,
        body_zh_hant=version.body_zh_hant,
        published_at=version.published_at,
        accepted_by=getattr(version, "accepted_by", 0),
    )


@router.get(
    "/ops/legal/{document}/versions",
    response=list[OpsPolicyVersionOut],
    summary="Every version of the terms or the privacy policy (ops)",
    description="`document` is `terms` or `privacy`. Newest first, with how "
    "many people accepted each.",
)
def ops_policy_versions(
    request: HttpRequest, document: str
) -> list[OpsPolicyVersionOut]:
    user = require_back_office(request)
    require_ops_permission(user, OpsPermission.MANAGE_SETTINGS)
    if document not in Document.values:
        raise NotFound("not_found", _("Not found."))
    return [_out(version) for version in queries.versions_with_counts(document)]


@router.post(
    "/ops/legal/{document}/versions",
    response={201: OpsPolicyVersionOut},
    summary="Publish the next version of the terms or the privacy policy (ops)",
    description="In force at once. A material version asks everyone to accept "
    "it before they write anything, and tells them. Audited.",
)
def ops_publish_policy_version(
    request: HttpRequest, document: str, payload: PolicyVersionIn
):
    user = require_back_office(request)
    version = services.publish_version(
        actor=user, document=document, **payload.model_dump()
    )
    return Status(201, _out(version))
