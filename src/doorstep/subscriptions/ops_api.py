"""Provider plans for ops in the API: every plan with its subscribers and
monthly recurring revenue, and creating, changing, archiving or offering
again a plan, through the same services as the back office's plan pages
(``subscriptions.services.create_plan``, ``update_plan``,
``set_plan_status``), which check ``MANAGE_SETTINGS`` and write the audit
trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else).
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.backoffice.access import require_back_office
from doorstep.subscriptions import queries, services
from doorstep.subscriptions.models import Plan

router = Router(tags=["plans (ops)"])

SMALL = 32_767
LARGE = 2**31 - 1


class PlanPriceIn(InputSchema):
    currency: str = Field(max_length=3, description="ISO 4217, e.g. CNY.")
    interval: Literal["month", "year"]
    amount: int = Field(le=10**12, description="Minor units (cents), above zero.")


class PlanIn(InputSchema):
    """The whole plan, as the plan form."""

    name_en: str = Field(max_length=80)
    name_zh_hans: str = Field(default="", max_length=80)
    name_zh_hant: str = Field(default="", max_length=80)
    description_en: str = Field(default="", max_length=20_000)
    description_zh_hans: str = Field(default="", max_length=20_000)
    description_zh_hant: str = Field(default="", max_length=20_000)
    badge_en: str = Field(default="", max_length=30)
    badge_zh_hans: str = Field(default="", max_length=30)
    badge_zh_hant: str = Field(default="", max_length=30)
    commission_discount_bps: int = Field(
        default=0, le=LARGE, description="Off the commission; 100 = 1 point."
    )
    extra_quote_leads: int = Field(default=0, le=LARGE)
    extra_photos: int = Field(default=0, le=LARGE)
    trial_days: int = Field(default=0, le=SMALL, description="At most 90.")
    position: int = Field(default=0, le=SMALL, description="Order on the page.")
    prices: list[PlanPriceIn] = Field(
        max_length=20, description="At least one; one per currency and interval."
    )
    reason: str = Field(
        default="", max_length=500, description="For the audit trail (a change)."
    )


class PlanStatusIn(InputSchema):
    status: str = Field(max_length=20, description="`active` (offered) or `archived`.")
    reason: str = Field(max_length=300, description="Why, for the audit trail.")


class OpsPlanPriceOut(Schema):
    interval: str
    price: MoneyOut


class OpsPlanOut(Schema):
    id: str
    status: str = Field(description="active (offered) or archived.")
    name_en: str
    name_zh_hans: str
    name_zh_hant: str
    description_en: str
    description_zh_hans: str
    description_zh_hant: str
    badge_en: str
    badge_zh_hans: str
    badge_zh_hant: str
    commission_discount_bps: int
    extra_quote_leads: int
    extra_photos: int
    trial_days: int
    position: int
    prices: list[OpsPlanPriceOut]
    created_at: datetime
    updated_at: datetime


class OpsPlanFiguresOut(OpsPlanOut):
    subscribers: int = Field(description="Live ones, trials included.")
    mrr: list[MoneyOut] = Field(description="Monthly recurring revenue.")


def _plan_out(plan: Plan) -> dict:
    return {
        "id": plan.public_id,
        "status": plan.status,
        **{name: getattr(plan, name) for name in services.PLAN_FIELDS},
        "prices": [
            {
                "interval": price.interval,
                "price": {"amount": price.amount, "currency": price.currency},
            }
            for price in plan.prices.all()
        ],
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }


def _arguments(payload: PlanIn) -> dict:
    data = payload.model_dump()
    return {
        "fields": {name: data[name] for name in services.PLAN_FIELDS},
        "prices": {
            (price.currency.upper(), price.interval): price.amount
            for price in payload.prices
        },
    }


@router.get(
    "/ops/plans",
    response=list[OpsPlanFiguresOut],
    summary="Every plan, with subscribers and revenue (ops)",
    description="Offered and archived, in the order of the plans page.",
)
def ops_list_plans(request: HttpRequest) -> list[dict]:
    user = require_back_office(request)
    figures, _total = queries.plan_figures(user=user)
    return [
        {
            **_plan_out(row.plan),
            "subscribers": row.subscribers,
            "mrr": [
                {"amount": amount, "currency": currency}
                for currency, amount in row.mrr.items()
            ],
        }
        for row in figures
    ]


@router.get("/ops/plans/{plan_id}", response=OpsPlanOut, summary="One plan (ops)")
def ops_get_plan(request: HttpRequest, plan_id: str) -> dict:
    user = require_back_office(request)
    return _plan_out(queries.ops_plan(user=user, plan_id=plan_id))


@router.post(
    "/ops/plans",
    response={201: OpsPlanOut},
    summary="Create a plan (ops)",
    description="Offered to providers at once. Audited.",
)
def ops_create_plan(request: HttpRequest, payload: PlanIn):
    user = require_back_office(request)
    plan = services.create_plan(user=user, **_arguments(payload))
    return Status(201, _plan_out(queries.ops_plan(user=user, plan_id=plan.public_id)))


@router.put(
    "/ops/plans/{plan_id}",
    response=OpsPlanOut,
    summary="Change a plan (ops)",
    description="The whole plan, as the plan form. Current subscribers keep the "
    "price they pay until they change plan; perks change for all at once. "
    "Audited with before and after.",
)
def ops_change_plan(request: HttpRequest, plan_id: str, payload: PlanIn) -> dict:
    user = require_back_office(request)
    plan = services.update_plan(
        user=user, plan_id=plan_id, reason=payload.reason, **_arguments(payload)
    )
    return _plan_out(queries.ops_plan(user=user, plan_id=plan.public_id))


@router.post(
    "/ops/plans/{plan_id}/status",
    response=OpsPlanOut,
    summary="Archive a plan or offer it again (ops)",
    description="Archived: no new subscribers; the current ones keep it. "
    "Audited with the reason.",
)
def ops_set_plan_status(
    request: HttpRequest, plan_id: str, payload: PlanStatusIn
) -> dict:
    user = require_back_office(request)
    plan = services.set_plan_status(
        user=user, plan_id=plan_id, status=payload.status, reason=payload.reason
    )
    return _plan_out(queries.ops_plan(user=user, plan_id=plan.public_id))
