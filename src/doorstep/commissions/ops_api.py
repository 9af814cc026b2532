"""Commission limits for ops in the API, through the same services as the page
``/ops/settings/commission-limits/`` (``commissions.services.set_commission_limit``,
``remove_commission_limit``), which check the ops role (``MANAGE_SETTINGS``),
validate the amounts and write the audit trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else). Reads need the
settings role too, as the page does.
"""

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import (
    OpsPermission,
    require_back_office,
    require_ops_permission,
)
from doorstep.commissions import services
from doorstep.commissions.models import CommissionLimit

router = Router(tags=["settings (ops)"])

_REASON = Field(default="", max_length=255, description="For the audit trail.")


class CommissionLimitIn(InputSchema):
    category: str = Field(min_length=1, max_length=40, description="A category's id.")
    currency: str = Field(min_length=1, max_length=3, description="ISO 4217.")
    minimum_amount: int = Field(
        ge=0, le=10**15, description="Minor units of `currency`; 0: no minimum."
    )
    maximum_amount: int | None = Field(
        default=None,
        ge=0,
        le=10**15,
        description="Minor units; not below the minimum. Left out: no maximum.",
    )
    reason: str = _REASON


class RemoveCommissionLimitIn(InputSchema):
    reason: str = _REASON


class CommissionLimitOut(Schema):
    id: str
    category: str = Field(description="The category's id.")
    currency: str
    minimum_amount: int
    maximum_amount: int | None


class CommissionLimitsOut(Schema):
    items: list[CommissionLimitOut]


def _out(limit: CommissionLimit) -> CommissionLimitOut:
    return CommissionLimitOut(
        id=limit.public_id,
        category=limit.category.public_id,
        currency=limit.currency,
        minimum_amount=limit.minimum_amount,
        maximum_amount=limit.maximum_amount,
    )


@router.get(
    "/ops/settings/commission-limits",
    response=CommissionLimitsOut,
    summary="The commission limits (ops)",
    description="By category (in the operator's order), then currency.",
)
def ops_commission_limits(request: HttpRequest) -> CommissionLimitsOut:
    actor = require_back_office(request)
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    limits = CommissionLimit.objects.select_related("category").order_by(
        "category__position", "category__slug", "currency"
    )
    return CommissionLimitsOut(items=[_out(limit) for limit in limits])


@router.put(
    "/ops/settings/commission-limits",
    response=CommissionLimitOut,
    summary="Set a category's commission limits in a currency (ops)",
    description="Creates or replaces the limits of the pair, as the settings "
    "page; applies to orders released from now on. Audited.",
)
def ops_set_commission_limit(
    request: HttpRequest, payload: CommissionLimitIn
) -> CommissionLimitOut:
    actor = require_back_office(request)
    limit = services.set_commission_limit(
        actor=actor,
        category_id=payload.category,
        currency=payload.currency,
        minimum_amount=payload.minimum_amount,
        maximum_amount=payload.maximum_amount,
        reason=payload.reason,
    )
    return _out(limit)


@router.post(
    "/ops/settings/commission-limits/{limit_id}/remove",
    response={204: None},
    summary="Remove a category's commission limits in a currency (ops)",
    description="Only the category's rate applies again. Audited with the reason.",
)
def ops_remove_commission_limit(
    request: HttpRequest, limit_id: str, payload: RemoveCommissionLimitIn
):
    actor = require_back_office(request)
    services.remove_commission_limit(
        actor=actor, limit_id=limit_id, reason=payload.reason
    )
    return Status(204, None)
