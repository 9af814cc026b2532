"""The "Top provider" badge's rules for ops in the API: read them, and change
them through the same service as the back office's page
(``trust.top_provider.update_top_provider_rules``), which checks the ops role
(``MANAGE_SETTINGS`` or ``ENFORCE_STANDARDS``), keeps the old rules and writes
the audit trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else).
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import WithJsonSchema

from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.core.errors import PermissionDenied
from doorstep.trust.check_models import TopProviderRules
from doorstep.trust.top_provider import active_rules, can_manage_rules
from doorstep.trust.top_provider import update_top_provider_rules as update_rules

router = Router(tags=["verification (ops)"])


class TopProviderRulesIn(InputSchema):
    """Only the fields sent change; the others keep their value."""

    min_rating: Annotated[
        Decimal,
        Field(ge=0, le=5, max_digits=3, decimal_places=2, allow_inf_nan=False),
        # A JSON number with at most two decimals (a string is refused: see
        # InputSchema), said so that clients and the conformance test know.
        WithJsonSchema(
            {
                "type": "number",
                "minimum": 0,
                "maximum": 5,
                "multipleOf": 0.01,
                "description": "0 to 5, at most two decimals.",
            }
        ),
    ] = None
    min_reviews: int = Field(default=None, ge=0, le=2**31 - 1)
    min_completed_jobs: int = Field(default=None, ge=0, le=2**31 - 1)
    max_median_response_minutes: int | None = Field(
        default=None,
        ge=0,
        le=2**31 - 1,
        description="Null: response time is not a condition.",
    )
    max_cancellation_bps: int = Field(
        default=None, ge=0, le=2**31 - 1, description="500 = 5%."
    )
    window_days: int = Field(
        default=None, ge=0, le=2**31 - 1, description="The cancellation window."
    )


class TopProviderRulesOut(Schema):
    min_rating: float
    min_reviews: int
    min_completed_jobs: int
    max_median_response_minutes: int | None
    max_cancellation_bps: int
    window_days: int
    created_at: datetime | None = Field(description="Null: the defaults, never set.")


def _out(rules: TopProviderRules) -> TopProviderRulesOut:
    return TopProviderRulesOut(
        min_rating=float(rules.min_rating),
        min_reviews=rules.min_reviews,
        min_completed_jobs=rules.min_completed_jobs,
        max_median_response_minutes=rules.max_median_response_minutes,
        max_cancellation_bps=rules.max_cancellation_bps,
        window_days=rules.window_days,
        created_at=rules.created_at,
    )


@router.get(
    "/ops/top-provider/rules",
    response=TopProviderRulesOut,
    summary="The rules that earn the Top provider badge (ops)",
)
def ops_top_provider_rules(request: HttpRequest) -> TopProviderRulesOut:
    user = require_back_office(request)
    if not can_manage_rules(user):
        raise PermissionDenied(
            "ops_permission_required", _("Your operations role does not allow this.")
        )
    return _out(active_rules())


@router.patch(
    "/ops/top-provider/rules",
    response=TopProviderRulesOut,
    summary="Change the Top provider rules (ops)",
    description="As the back office's page: new rules in force (the old ones "
    "kept), providers requalified on the next run; audited with before and after.",
)
def ops_change_top_provider_rules(
    request: HttpRequest, payload: TopProviderRulesIn
) -> TopProviderRulesOut:
    user = require_back_office(request)
    values = payload.model_dump(exclude_unset=True)
    return _out(update_rules(user=user, values=values))
