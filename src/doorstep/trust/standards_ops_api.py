"""Standards enforcement for ops in the API: the penalty rules, a provider's
standing (set by hand, lifted, a quality complaint upheld) and the appeals
queue, through the same services as the pages under ``/ops/standards/``
(``trust.standards.update_penalty_rule``, ``set_standing``, ``lift_standing``,
``uphold_complaint_against``, ``decide_appeal``), which check
``ENFORCE_STANDARDS`` and write the audit trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else).
"""

from datetime import datetime
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from doorstep.accounts.models import User
from doorstep.api.pagination import CursorPagination
from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import (
    OpsPermission,
    require_back_office,
    require_ops_permission,
)
from doorstep.trust import standards, standards_queries
from doorstep.trust.standards_api import LEVEL_NAMES, StandingOut, StrikeOut
from doorstep.trust.standards_models import Appeal, PenaltyRule

router = Router(tags=["standards (ops)"])

LEVEL_OF = {name: level for level, name in LEVEL_NAMES.items()}


def _enforcer(request: HttpRequest) -> User:
    user = require_back_office(request)
    require_ops_permission(user, OpsPermission.ENFORCE_STANDARDS)
    return user


# --- Penalty rules -------------------------------------------------------------------


class PenaltyRuleIn(InputSchema):
    active: bool
    fine_bps: int = Field(description="Of the order's price, in basis points.")
    fine_fixed: dict[str, int] = Field(
        default_factory=dict,
        description='Minor units per currency, e.g. `{"CNY": 5000}`; the larger '
        "of the two fines applies.",
    )
    strikes: int
    reason: str = Field(max_length=4000, description="Why, for the audit trail.")


class PenaltyRuleOut(Schema):
    trigger: str
    label: str
    active: bool
    fine_bps: int
    fine_fixed: dict[str, int]
    strikes: int
    updated_at: datetime


def _rule_out(rule: PenaltyRule) -> PenaltyRuleOut:
    return PenaltyRuleOut(
        trigger=rule.trigger,
        label=str(rule.get_trigger_display()),
        active=rule.active,
        fine_bps=rule.fine_bps,
        fine_fixed=dict(rule.fine_fixed),
        strikes=rule.strikes,
        updated_at=rule.updated_at,
    )


@router.get(
    "/ops/standards/rules",
    response=list[PenaltyRuleOut],
    summary="The penalty rules (ops)",
    description="One per trigger: what it costs in a fine and in strikes.",
)
def ops_penalty_rules(request: HttpRequest) -> list[PenaltyRuleOut]:
    _enforcer(request)
    return [_rule_out(rule) for rule in standards_queries.rules()]


@router.put(
    "/ops/standards/rules/{trigger}",
    response=PenaltyRuleOut,
    summary="Change a penalty rule (ops)",
    description="As the standards page: the whole rule, for what happens from "
    "now on; audited with the rule before and after and the reason.",
)
def ops_change_penalty_rule(
    request: HttpRequest, trigger: str, payload: PenaltyRuleIn
) -> PenaltyRuleOut:
    user = _enforcer(request)
    rule = standards.update_penalty_rule(
        user=user, trigger=trigger, **payload.model_dump()
    )
    return _rule_out(rule)


# --- A provider's standing -----------------------------------------------------------


class OpsStandingOut(StandingOut):
    provider_id: str
    floor: str = Field(description="The level ops set by hand (good: none).")
    strikes: list[StrikeOut] = Field(description="Every strike, newest first.")


class SetStandingIn(InputSchema):
    level: Literal["warned", "restricted", "suspended"]
    reason_code: str = Field(
        max_length=40, description="safety, fraud, quality, conduct or other."
    )
    reason: str = Field(max_length=4000, description="The provider reads it.")


class ReasonIn(InputSchema):
    reason: str = Field(max_length=4000, description="Why, for the audit trail.")


class ComplaintIn(InputSchema):
    order: str = Field(max_length=40, description="One of the provider's orders.")
    reason: str = Field(max_length=4000, description="What went wrong.")


def _standing_out(provider) -> OpsStandingOut:
    record = standards_queries.standards_record(provider)
    standing = record.standing
    return OpsStandingOut(
        provider_id=provider.public_id,
        level=LEVEL_NAMES[standing.level],
        level_label=str(standing.get_level_display()),
        floor=LEVEL_NAMES[standing.floor],
        reason_code=standing.reason_code,
        reason=standing.reason,
        live_strikes=record.points,
        owed=[
            {"amount": debt.balance, "currency": debt.currency} for debt in record.owed
        ],
        strikes=record.strikes,
    )


@router.get(
    "/ops/standards/providers/{provider_id}",
    response=OpsStandingOut,
    summary="A provider's standing and strikes (ops)",
)
def ops_provider_standing(request: HttpRequest, provider_id: str) -> OpsStandingOut:
    _enforcer(request)
    return _standing_out(standards_queries.ops_provider(provider_id))


@router.post(
    "/ops/standards/providers/{provider_id}/standing",
    response=OpsStandingOut,
    summary="Warn, restrict or suspend a provider (ops)",
    description="As the provider's standards page: the level stays at least "
    "there until lifted; restricted and suspended providers take no new orders "
    "(suspension cancels their future ones). Audited.",
)
def ops_set_standing(
    request: HttpRequest, provider_id: str, payload: SetStandingIn
) -> OpsStandingOut:
    user = _enforcer(request)
    provider = standards_queries.ops_provider(provider_id)
    standards.set_standing(
        user=user,
        provider=provider,
        level=LEVEL_OF[payload.level],
        reason_code=payload.reason_code,
        reason=payload.reason,
    )
    return _standing_out(provider)


@router.post(
    "/ops/standards/providers/{provider_id}/standing/lift",
    response=OpsStandingOut,
    summary="Lift a provider's warning, restriction or suspension (ops)",
    description="Back to good standing; strikes before now stop counting. Audited.",
)
def ops_lift_standing(
    request: HttpRequest, provider_id: str, payload: ReasonIn
) -> OpsStandingOut:
    user = _enforcer(request)
    provider = standards_queries.ops_provider(provider_id)
    standards.lift_standing(user=user, provider=provider, reason=payload.reason)
    return _standing_out(provider)


@router.post(
    "/ops/standards/providers/{provider_id}/complaints",
    response={201: OpsStandingOut},
    summary="Uphold a quality complaint about a provider's order (ops)",
    description="The quality rule applies (a strike, maybe a fine) to delivered "
    "work of this provider. Audited.",
)
def ops_uphold_complaint(request: HttpRequest, provider_id: str, payload: ComplaintIn):
    user = _enforcer(request)
    provider = standards_queries.ops_provider(provider_id)
    standards.uphold_complaint_against(
        user=user, provider=provider, order_id=payload.order, reason=payload.reason
    )
    return Status(201, _standing_out(provider))


# --- Appeals -------------------------------------------------------------------------


class OpsAppealOut(Schema):
    id: str
    status: str = Field(description="open, upheld or overturned.")
    provider_id: str
    strike_id: str
    order_id: str | None
    text: str
    filed_at: datetime
    decided_at: datetime | None
    decision_reason: str

    @staticmethod
    def resolve_id(appeal: Appeal) -> str:
        return appeal.public_id

    @staticmethod
    def resolve_provider_id(appeal: Appeal) -> str:
        return appeal.provider.public_id

    @staticmethod
    def resolve_strike_id(appeal: Appeal) -> str:
        return appeal.strike.public_id

    @staticmethod
    def resolve_order_id(appeal: Appeal) -> str | None:
        order = appeal.strike.order
        return order.public_id if order else None


class AppealDecisionIn(InputSchema):
    decision: Literal["uphold", "overturn"] = Field(
        description="`overturn`: the strike is removed and its fine returned."
    )
    reason: str = Field(max_length=4000, description="The provider reads it.")


@router.get(
    "/ops/standards/appeals",
    response=list[OpsAppealOut],
    summary="Open appeals (ops)",
    description="Oldest first.",
)
@paginate(CursorPagination, field="filed_at", ascending=True)
def ops_open_appeals(request: HttpRequest) -> QuerySet[Appeal]:
    _enforcer(request)
    return standards_queries.open_appeals()


@router.post(
    "/ops/standards/appeals/{appeal_id}/decision",
    response=OpsAppealOut,
    summary="Decide a provider's appeal (ops)",
    description="As the appeal's page. Audited; the provider is told the reason.",
)
def ops_decide_appeal(
    request: HttpRequest, appeal_id: str, payload: AppealDecisionIn
) -> Appeal:
    user = _enforcer(request)
    return standards.decide_appeal(
        user=user,
        appeal_id=appeal_id,
        overturn=payload.decision == "overturn",
        reason=payload.reason,
    )
