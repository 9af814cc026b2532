"""Funding the guarantee fund, for ops in the API: the same service as the
finance report's form (``payments.flows.fund_guarantee``), which checks the ops
role, posts the ledger entry and writes the audit trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else).
"""

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.core.ids import new_public_id
from doorstep.payments import flows

router = Router(tags=["payments (ops)"])


class GuaranteeFundingIn(InputSchema):
    amount: int = Field(
        ge=1, le=10**12, description="In minor units of `currency` (cents)."
    )
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. CNY.")
    reason: str = Field(
        min_length=1, max_length=500, description="Why, for the audit trail."
    )
    key: str = Field(
        default="",
        max_length=80,
        description="Names this funding: the same key funds once (send it again "
        "to retry safely). Left out: a new one.",
    )


class GuaranteeFundingOut(Schema):
    entry_id: str = Field(description="The ledger entry.")
    amount: int
    currency: str


@router.post(
    "/ops/finance/guarantee-fund/fundings",
    response={201: GuaranteeFundingOut},
    summary="Put money into the guarantee fund (ops)",
    description="As the finance report's form: the platform's money moves into "
    "the reserve damage claims are paid from, one ledger entry, audited with the "
    "reason. Needs a role that approves payouts.",
)
def ops_fund_guarantee(request: HttpRequest, payload: GuaranteeFundingIn):
    user = require_back_office(request)
    entry = flows.fund_guarantee(
        currency=payload.currency,
        amount=payload.amount,
        user=user,
        reason=payload.reason,
        key=payload.key.strip() or new_public_id("gfd"),
    )
    return Status(
        201,
        GuaranteeFundingOut(
            entry_id=entry.public_id, amount=payload.amount, currency=payload.currency
        ),
    )
