"""Background checks for ops in the API: starting one and deciding one the
vendor returned as "consider", through the same services as the back office's
pages (``trust.check_services.start_background_check``,
``decide_background_check``), which check the ops role and write the audit
trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else).
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.trust import check_services
from doorstep.trust.check_models import BackgroundCheck

router = Router(tags=["verification (ops)"])


class StartCheckIn(InputSchema):
    provider: str = Field(min_length=1, max_length=40, description="The provider's id.")


class CheckDecisionIn(InputSchema):
    decision: Literal["approve", "reject"] = Field(
        description="`approve`: the provider gets the badge; `reject`: not."
    )
    reason: str = Field(
        min_length=1, max_length=500, description="Why, for the audit trail."
    )


class BackgroundCheckOut(Schema):
    id: str
    provider_id: str
    status: str
    started_at: datetime
    decided_at: datetime | None
    decision_reason: str


def _out(check: BackgroundCheck) -> BackgroundCheckOut:
    return BackgroundCheckOut(
        id=check.public_id,
        provider_id=check.provider.public_id,
        status=check.status,
        started_at=check.started_at,
        decided_at=check.decided_at,
        decision_reason=check.decision_reason,
    )


@router.post(
    "/ops/background-checks",
    response={201: BackgroundCheckOut},
    summary="Start a provider's background check (ops)",
    description="As the checks page: the vendor is asked, then the check is saved "
    "and audited. Needs the provider's consent to the current text; one check "
    "at a time per provider.",
)
def ops_start_check(request: HttpRequest, payload: StartCheckIn):
    user = require_back_office(request)
    check = check_services.start_background_check(
        provider_id=payload.provider, user=user
    )
    return Status(201, _out(check))


@router.post(
    "/ops/background-checks/{check_id}/decision",
    response=BackgroundCheckOut,
    summary="Decide a background check that needs review (ops)",
    description="Only a check the vendor returned as `consider`; audited with "
    "the reason.",
)
def ops_decide_check(
    request: HttpRequest, check_id: str, payload: CheckDecisionIn
) -> BackgroundCheckOut:
    user = require_back_office(request)
    check = check_services.decide_background_check(
        check_id=check_id,
        user=user,
        approve=payload.decision == "approve",
        reason=payload.reason,
    )
    return _out(check)
