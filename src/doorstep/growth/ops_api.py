"""Growth for ops in the API: campaigns (create, pause, resume or end), their
codes and partner batches, and the quarantine queue of referral rewards held
for review, through the same services as the pages under ``/ops/growth/``
(``growth.services.create_campaign``, ``set_campaign_status``,
``create_coupon``, ``create_batch``; ``growth.referrals.review``), which check
``RUN_GROWTH`` and write the audit trail.

Amounts are minor units of the campaign's currency; percentages in basis
points (1250 = 12.5%); providers, categories and cities by their ids and slugs.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else).
"""

from datetime import datetime
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from doorstep.accounts.models import ProviderProfile, User
from doorstep.api.pagination import CursorPagination
from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.backoffice.access import (
    OpsPermission,
    require_back_office,
    require_ops_permission,
)
from doorstep.catalog.models import Category
from doorstep.core.errors import DomainError
from doorstep.growth import funnel, referrals, services
from doorstep.growth.models import Campaign, CodeBatch, Coupon, Referral
from doorstep.marketplace.models import City

router = Router(tags=["growth (ops)"])

MINOR = Field(default=0, ge=0, le=10**12)


def _grower(request: HttpRequest) -> User:
    user = require_back_office(request)
    require_ops_permission(user, OpsPermission.RUN_GROWTH)
    return user


def _unknown(field: str, message: str) -> DomainError:
    return DomainError("invalid_input", message, status=400, fields={field: [message]})


def _provider(field: str, public_id: str | None) -> ProviderProfile | None:
    if not public_id:
        return None
    provider = ProviderProfile.objects.filter(public_id=public_id).first()
    if provider is None:
        raise _unknown(field, _("No provider has this id."))
    return provider


# --- Campaigns ------------------------------------------------------------------------


class CampaignIn(InputSchema):
    name: str = Field(max_length=120)
    kind: Literal[tuple(Campaign.Kind.values)]
    currency: str = Field(max_length=3, description="ISO 4217, e.g. CNY.")
    budget_amount: int | None = Field(
        default=None, ge=0, le=10**12, description="Null: no cap."
    )
    funded_by: Literal[tuple(Campaign.FundedBy.values)] = "platform"
    provider: str | None = Field(
        default=None, max_length=40, description="A provider-funded campaign's."
    )
    owner: str | None = Field(
        default=None, max_length=40, description="The code owner (influencer)."
    )
    owner_share_bps: int = Field(
        default=0, ge=0, le=10**6, description="At most 5000 (50%)."
    )
    reward_amount: int = Field(
        default=0, ge=0, le=2**31 - 1, description="The inviter's (referrals)."
    )
    starts_at: datetime | None = Field(default=None, description="Null: now.")
    ends_at: datetime | None = None
    utm_campaign: str = Field(default="", max_length=80, pattern=r"^[-a-zA-Z0-9_]*$")


class CampaignStatusIn(InputSchema):
    status: Literal[tuple(services.OPS_CAMPAIGN_STATUSES)] = Field(
        description="`paused` or `ended`; `active` resumes."
    )
    reason: str = Field(
        min_length=1, max_length=500, description="Why, for the audit trail."
    )


class CampaignOut(Schema):
    id: str
    name: str
    kind: str
    status: str = Field(description="active, paused, spent or ended.")
    funded_by: str
    provider_id: str | None
    owner_id: str | None
    owner_share_bps: int
    currency: str
    budget: MoneyOut | None
    spent: MoneyOut
    reward_amount: int
    starts_at: datetime
    ends_at: datetime | None
    utm_campaign: str
    created_at: datetime


class CampaignListOut(CampaignOut):
    code_count: int
    use_count: int


def _campaign_out(campaign: Campaign) -> dict:
    return {
        "id": campaign.public_id,
        "name": campaign.name,
        "kind": campaign.kind,
        "status": campaign.status,
        "funded_by": campaign.funded_by,
        "provider_id": campaign.provider.public_id if campaign.provider else None,
        "owner_id": campaign.owner.public_id if campaign.owner else None,
        "owner_share_bps": campaign.owner_share_bps,
        "currency": campaign.currency,
        "budget": (
            {"amount": campaign.budget_amount, "currency": campaign.currency}
            if campaign.budget_amount is not None
            else None
        ),
        "spent": {"amount": campaign.spent_amount, "currency": campaign.currency},
        "reward_amount": campaign.reward_amount,
        "starts_at": campaign.starts_at,
        "ends_at": campaign.ends_at,
        "utm_campaign": campaign.utm_campaign,
        "created_at": campaign.created_at,
    }


class _CampaignPage(CursorPagination):
    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = [
            {
                **_campaign_out(campaign),
                "code_count": campaign.code_count,
                "use_count": campaign.use_count,
            }
            for campaign in page["items"]
        ]
        return page


@router.get(
    "/ops/growth/campaigns",
    response=list[CampaignListOut],
    summary="Every campaign (ops)",
    description="Newest first, with their codes and how often they were used.",
)
@paginate(_CampaignPage)
def ops_list_campaigns(request: HttpRequest) -> QuerySet[Campaign]:
    return funnel.campaigns_overview(user=_grower(request))


@router.post(
    "/ops/growth/campaigns",
    response={201: CampaignOut},
    summary="Create a campaign (ops)",
    description="As the campaign form. Audited.",
)
def ops_create_campaign(request: HttpRequest, payload: CampaignIn):
    user = _grower(request)
    arguments = payload.model_dump()
    arguments["provider"] = _provider("provider", payload.provider)
    arguments["owner"] = _provider("owner", payload.owner)
    campaign = services.create_campaign(user=user, **arguments)
    return Status(201, _campaign_out(campaign))


@router.post(
    "/ops/growth/campaigns/{campaign_id}/status",
    response=CampaignOut,
    summary="Pause, resume or end a campaign (ops)",
    description="Audited with the reason. A spent campaign's codes stay refused "
    "at checkout until it has more budget.",
)
def ops_set_campaign_status(
    request: HttpRequest, campaign_id: str, payload: CampaignStatusIn
) -> dict:
    user = _grower(request)
    campaign = services.set_campaign_status(
        user=user,
        campaign_id=campaign_id,
        status=payload.status,
        reason=payload.reason,
    )
    return _campaign_out(campaign)


# --- Codes and batches ----------------------------------------------------------------


class _DiscountIn(InputSchema):
    kind: Literal[tuple(Coupon.Kind.values)] = Field(
        description="`fixed`: `amount` off; `percent`: `percent_bps` off."
    )
    amount: int = MINOR
    percent_bps: int = Field(default=0, ge=0, le=10**6, description="1250 = 12.5%.")
    cap_amount: int | None = Field(
        default=None, ge=0, le=10**12, description="At most this off (percent)."
    )
    min_spend_amount: int = MINOR
    valid_until: datetime | None = None


class CouponIn(_DiscountIn):
    code: str = Field(max_length=32, description="Letters, digits and dashes.")
    first_order_only: bool = False
    per_user_limit: int = Field(default=1, le=2**31 - 1)
    max_uses: int | None = Field(
        default=None, le=2**31 - 1, description="Null: as the budget allows."
    )
    stacks_with_rewards: bool = True
    category: str | None = Field(
        default=None, max_length=80, description="A category's slug (and below)."
    )
    city: str | None = Field(default=None, max_length=80, description="A city's slug.")


class CodeBatchIn(_DiscountIn):
    prefix: str = Field(max_length=12, description="Letters and digits.")
    count: int = Field(le=10**6, description="How many single-use codes.")
    first_order_only: bool = True


class CouponOut(Schema):
    id: str
    code: str
    campaign_id: str
    batch_id: str | None
    kind: str
    amount: int
    percent_bps: int
    cap_amount: int | None
    currency: str
    min_spend_amount: int
    first_order_only: bool
    per_user_limit: int
    max_uses: int | None
    uses: int
    valid_from: datetime
    valid_until: datetime | None
    created_at: datetime


class CodeBatchOut(Schema):
    id: str
    campaign_id: str
    prefix: str
    count: int
    created_at: datetime


class CampaignDetailOut(CampaignOut):
    codes: list[CouponOut] = Field(description="Its own codes (not batches').")
    batches: list[CodeBatchOut]


def _coupon_out(coupon: Coupon, *, campaign: Campaign) -> dict:
    return {
        "id": coupon.public_id,
        "code": coupon.code,
        "campaign_id": campaign.public_id,
        "batch_id": coupon.batch.public_id if coupon.batch_id else None,
        "kind": coupon.kind,
        "amount": coupon.amount,
        "percent_bps": coupon.percent_bps,
        "cap_amount": coupon.cap_amount,
        "currency": coupon.currency,
        "min_spend_amount": coupon.min_spend_amount,
        "first_order_only": coupon.first_order_only,
        "per_user_limit": coupon.per_user_limit,
        "max_uses": coupon.max_uses,
        "uses": coupon.uses,
        "valid_from": coupon.valid_from,
        "valid_until": coupon.valid_until,
        "created_at": coupon.created_at,
    }


def _batch_out(batch: CodeBatch, *, campaign: Campaign) -> dict:
    return {
        "id": batch.public_id,
        "campaign_id": campaign.public_id,
        "prefix": batch.prefix,
        "count": batch.count,
        "created_at": batch.created_at,
    }


@router.get(
    "/ops/growth/campaigns/{campaign_id}",
    response=CampaignDetailOut,
    summary="A campaign with its codes and batches (ops)",
)
def ops_get_campaign(request: HttpRequest, campaign_id: str) -> dict:
    detail = funnel.campaign_detail(user=_grower(request), campaign_id=campaign_id)
    campaign = detail.campaign
    return {
        **_campaign_out(campaign),
        "codes": [_coupon_out(code, campaign=campaign) for code in detail.codes],
        "batches": [_batch_out(b, campaign=campaign) for b in detail.batches],
    }


def _category(slug: str | None) -> Category | None:
    if not slug:
        return None
    category = Category.objects.filter(slug=slug, is_active=True).first()
    if category is None:
        raise _unknown("category", _("No such category."))
    return category


def _city(slug: str | None) -> City | None:
    if not slug:
        return None
    city = City.objects.filter(slug=slug).first()
    if city is None:
        raise _unknown("city", _("No such city."))
    return city


@router.post(
    "/ops/growth/campaigns/{campaign_id}/codes",
    response={201: CouponOut},
    summary="Create a code of a campaign (ops)",
    description="In the campaign's currency. Audited. 409 `code_taken` when "
    "another code has the name.",
)
def ops_create_coupon(request: HttpRequest, campaign_id: str, payload: CouponIn):
    user = _grower(request)
    arguments = payload.model_dump()
    arguments["category"] = _category(payload.category)
    arguments["city"] = _city(payload.city)
    coupon = services.create_coupon(user=user, campaign_id=campaign_id, **arguments)
    return Status(201, _coupon_out(coupon, campaign=coupon.campaign))


@router.post(
    "/ops/growth/campaigns/{campaign_id}/batches",
    response={201: CodeBatchOut},
    summary="Create a batch of single-use partner codes (ops)",
    description="`PREFIX-XXXXXXX` codes, read them from "
    "`GET /ops/growth/batches/{batch_id}/codes`. Audited.",
)
def ops_create_batch(request: HttpRequest, campaign_id: str, payload: CodeBatchIn):
    user = _grower(request)
    batch = services.create_batch(
        user=user, campaign_id=campaign_id, **payload.model_dump()
    )
    return Status(201, _batch_out(batch, campaign=batch.campaign))


@router.get(
    "/ops/growth/batches/{batch_id}/codes",
    response=list[CouponOut],
    summary="A batch's codes, for the partner (ops)",
    description="By code.",
)
def ops_batch_codes(request: HttpRequest, batch_id: str) -> list[dict]:
    batch, coupons = funnel.batch_codes(user=_grower(request), batch_id=batch_id)
    return [_coupon_out(c, campaign=batch.campaign) for c in coupons]


# --- Held referrals -------------------------------------------------------------------


class HeldReferralOut(Schema):
    id: str
    status: str = Field(description="quarantined (held), rewarded or rejected.")
    inviter_id: str
    invitee_id: str
    order_id: str | None
    risk_score: int
    reasons: list[str] = Field(description="Why it was held.")
    reward: MoneyOut | None = Field(description="The inviter's, once decided.")
    created_at: datetime
    decided_at: datetime | None
    review_note: str


class ReferralReviewIn(InputSchema):
    decision: Literal["release", "reject"] = Field(
        description="`release`: the inviter is paid; `reject`: nothing is paid."
    )
    note: str = Field(min_length=1, max_length=300, description="For the audit trail.")


def _referral_out(referral: Referral) -> dict:
    return {
        "id": referral.public_id,
        "status": referral.status,
        "inviter_id": referral.inviter.public_id,
        "invitee_id": referral.invitee.public_id,
        "order_id": referral.order.public_id if referral.order_id else None,
        "risk_score": referral.risk_score,
        "reasons": list(referral.reasons or []),
        "reward": (
            {"amount": referral.reward_amount, "currency": referral.currency}
            if referral.currency
            else None
        ),
        "created_at": referral.created_at,
        "decided_at": referral.decided_at,
        "review_note": referral.review_note,
    }


@router.get(
    "/ops/growth/referrals/held",
    response=list[HeldReferralOut],
    summary="Referral rewards held for review (ops)",
    description="Riskiest first.",
)
def ops_held_referrals(request: HttpRequest) -> list[dict]:
    _grower(request)
    return [_referral_out(referral) for referral in referrals.held()]


@router.post(
    "/ops/growth/referrals/{referral_id}/review",
    response=HeldReferralOut,
    summary="Release or reject a held referral reward (ops)",
    description="Released, the inviter is paid (409 `promo_code_used_up` when "
    "the programme's budget is spent). Audited with the note.",
)
def ops_review_referral(
    request: HttpRequest, referral_id: str, payload: ReferralReviewIn
) -> dict:
    user = _grower(request)
    referral = referrals.review(
        user=user,
        referral_id=referral_id,
        release=payload.decision == "release",
        note=payload.note,
    )
    return _referral_out(referral)
