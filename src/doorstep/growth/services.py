"""Ops actions of growth: campaigns, codes and partner batches. Each checks
the ops permission and writes the audit trail in its transaction. The rules a
code applies at checkout are in ``growth.checkout``; referrals and their
review in ``growth.referrals``; points and credit in ``growth.rewards``."""

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, User
from doorstep.audit import services as audit
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.catalog.models import Category
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.core.money import known_currencies
from doorstep.growth.audit_actions import (
    CREATE_BATCH,
    CREATE_CAMPAIGN,
    CREATE_COUPON,
    SET_CAMPAIGN_STATUS,
)
from doorstep.growth.checkout import normalise
from doorstep.growth.models import Campaign, CodeBatch, Coupon
from doorstep.growth.referrals import CODE_ALPHABET
from doorstep.marketplace.models import City

BATCH_MAX = 5_000
# What ops may set by hand; ``spent`` is set when the budget runs out.
OPS_CAMPAIGN_STATUSES = (
    Campaign.Status.ACTIVE,
    Campaign.Status.PAUSED,
    Campaign.Status.ENDED,
)


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("invalid_input", message, status=400, fields={field: [message]})


@transaction.atomic
def create_campaign(
    *,
    user: User,
    name: str,
    kind: str,
    currency: str,
    budget_amount: int | None = None,
    funded_by: str = Campaign.FundedBy.PLATFORM,
    provider: ProviderProfile | None = None,
    owner: ProviderProfile | None = None,
    owner_share_bps: int = 0,
    reward_amount: int = 0,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    utm_campaign: str = "",
) -> Campaign:
    require_ops_permission(user, OpsPermission.RUN_GROWTH)
    if not name.strip():
        raise _invalid("name", _("Give the campaign a name."))
    if kind not in Campaign.Kind.values:
        raise _invalid("kind", _("Choose a kind of campaign."))
    if currency.upper() not in known_currencies():
        raise _invalid("currency", _("Enter a currency code such as CNY or USD."))
    if funded_by == Campaign.FundedBy.PROVIDER and provider is None:
        raise _invalid("provider", _("A provider-funded campaign needs its provider."))
    if not 0 <= owner_share_bps <= 5_000:
        raise _invalid("owner_share_bps", _("The owner's share is 0–50%."))
    if owner_share_bps and owner is None:
        raise _invalid("owner", _("A share needs the code owner it is paid to."))
    if budget_amount is not None and budget_amount < 0:
        raise _invalid("budget_amount", _("A budget cannot be negative."))
    if reward_amount < 0:
        raise _invalid("reward_amount", _("A reward cannot be negative."))
    if ends_at and starts_at and ends_at <= starts_at:
        raise _invalid("ends_at", _("The campaign must end after it starts."))
    campaign = Campaign.objects.create(
        name=name.strip()[:120],
        kind=kind,
        currency=currency.upper(),
        budget_amount=budget_amount,
        funded_by=funded_by,
        provider=provider,
        owner=owner,
        owner_share_bps=owner_share_bps,
        reward_amount=reward_amount,
        starts_at=starts_at or timezone.now(),
        ends_at=ends_at,
        utm_campaign=utm_campaign,
        created_by=user,
    )
    audit.record(
        actor=user,
        action=CREATE_CAMPAIGN,
        target=campaign,
        after={
            "name": campaign.name,
            "kind": kind,
            "budget": budget_amount,
            "currency": campaign.currency,
        },
    )
    return campaign


def campaign_by_id(campaign_id: str) -> Campaign:
    campaign = Campaign.objects.filter(public_id=campaign_id).first()
    if campaign is None:
        raise NotFound("campaign_not_found", _("No such campaign."))
    return campaign


@transaction.atomic
def set_campaign_status(
    *, user: User, campaign_id: str, status: str, reason: str = ""
) -> Campaign:
    """Pause, resume or end a campaign (a spent one resumes only with more
    budget: its codes stay refused at checkout)."""
    require_ops_permission(user, OpsPermission.RUN_GROWTH)
    if status not in OPS_CAMPAIGN_STATUSES:
        raise _invalid("status", _("Choose a status."))
    campaign = Campaign.objects.select_for_update().get(
        pk=campaign_by_id(campaign_id).pk
    )
    before = campaign.status
    campaign.status = status
    campaign.save(update_fields=["status"])
    audit.record(
        actor=user,
        action=SET_CAMPAIGN_STATUS,
        target=campaign,
        reason=reason,
        before={"status": before},
        after={"status": status},
    )
    return campaign


def _coupon_fields(
    campaign: Campaign,
    *,
    kind: str,
    amount: int,
    percent_bps: int,
    cap_amount: int | None,
    min_spend_amount: int,
    category: Category | None,
    city: City | None,
    first_order_only: bool,
    per_user_limit: int,
    max_uses: int | None,
    valid_from: datetime | None,
    valid_until: datetime | None,
    stacks_with_rewards: bool,
) -> dict:
    if kind == Coupon.Kind.FIXED and amount <= 0:
        raise _invalid("amount", _("Take off a positive amount."))
    if kind == Coupon.Kind.PERCENT and not 0 < percent_bps <= 10_000:
        raise _invalid("percent_bps", _("Take off between 0 and 100%."))
    if kind not in Coupon.Kind.values:
        raise _invalid("kind", _("Choose amount or percentage off."))
    if per_user_limit < 1:
        raise _invalid("per_user_limit", _("At least one use per person."))
    if max_uses is not None and max_uses < 1:
        raise _invalid("max_uses", _("At least one use in all."))
    if (cap_amount is not None and cap_amount < 0) or min_spend_amount < 0:
        field = "min_spend_amount" if min_spend_amount < 0 else "cap_amount"
        raise _invalid(field, _("An amount cannot be negative."))
    if valid_until and valid_from and valid_until <= valid_from:
        raise _invalid("valid_until", _("A code must end after it starts."))
    return {
        "campaign": campaign,
        "kind": kind,
        "amount": amount if kind == Coupon.Kind.FIXED else 0,
        "percent_bps": percent_bps if kind == Coupon.Kind.PERCENT else 0,
        "cap_amount": cap_amount,
        "currency": campaign.currency,
        "min_spend_amount": min_spend_amount,
        "category": category,
        "city": city,
        "first_order_only": first_order_only,
        "per_user_limit": per_user_limit,
        "max_uses": max_uses,
        "valid_from": valid_from or timezone.now(),
        "valid_until": valid_until,
        "stacks_with_rewards": stacks_with_rewards,
    }


def create_coupon(
    *,
    user: User,
    campaign_id: str,
    code: str,
    kind: str,
    amount: int = 0,
    percent_bps: int = 0,
    cap_amount: int | None = None,
    min_spend_amount: int = 0,
    category: Category | None = None,
    city: City | None = None,
    first_order_only: bool = False,
    per_user_limit: int = 1,
    max_uses: int | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    stacks_with_rewards: bool = True,
) -> Coupon:
    """One code of a campaign, in the campaign's currency."""
    require_ops_permission(user, OpsPermission.RUN_GROWTH)
    code = normalise(code)
    if not code or len(code) > 32 or not code.replace("-", "").isalnum():
        raise _invalid("code", _("A code is 1–32 letters, digits or dashes."))
    campaign = campaign_by_id(campaign_id)
    fields = _coupon_fields(
        campaign,
        kind=kind,
        amount=amount,
        percent_bps=percent_bps,
        cap_amount=cap_amount,
        min_spend_amount=min_spend_amount,
        category=category,
        city=city,
        first_order_only=first_order_only,
        per_user_limit=per_user_limit,
        max_uses=max_uses,
        valid_from=valid_from,
        valid_until=valid_until,
        stacks_with_rewards=stacks_with_rewards,
    )
    try:
        with transaction.atomic():
            coupon = Coupon.objects.create(code=code, **fields)
            audit.record(
                actor=user,
                action=CREATE_COUPON,
                target=coupon,
                after={"code": code, "campaign": campaign.public_id},
            )
    except IntegrityError:
        message = _("Another code is already called this.")
        raise Conflict("code_taken", message, fields={"code": [message]}) from None
    return coupon


def create_batch(
    *,
    user: User,
    campaign_id: str,
    prefix: str,
    count: int,
    kind: str,
    amount: int = 0,
    percent_bps: int = 0,
    cap_amount: int | None = None,
    min_spend_amount: int = 0,
    first_order_only: bool = True,
    valid_until: datetime | None = None,
) -> CodeBatch:
    """``count`` single-use codes ``PREFIX-XXXXXXX`` for a partner to hand out."""
    require_ops_permission(user, OpsPermission.RUN_GROWTH)
    prefix = normalise(prefix)[:12]
    if not prefix.isalnum():
        raise _invalid("prefix", _("A prefix is letters and digits."))
    if not 1 <= count <= BATCH_MAX:
        raise _invalid("count", _("Make 1 to %(most)d codes.") % {"most": BATCH_MAX})
    campaign = campaign_by_id(campaign_id)
    fields = _coupon_fields(
        campaign,
        kind=kind,
        amount=amount,
        percent_bps=percent_bps,
        cap_amount=cap_amount,
        min_spend_amount=min_spend_amount,
        category=None,
        city=None,
        first_order_only=first_order_only,
        per_user_limit=1,
        max_uses=1,
        valid_from=None,
        valid_until=valid_until,
        stacks_with_rewards=True,
    )
    with transaction.atomic():
        batch = CodeBatch.objects.create(
            campaign=campaign, prefix=prefix, count=count, created_by=user
        )
        codes: set[str] = set()
        while len(codes) < count:
            codes.add(
                f"{prefix}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))
            )
        taken = set(
            Coupon.objects.filter(code__in=codes).values_list("code", flat=True)
        )
        Coupon.objects.bulk_create(
            Coupon(code=code, batch=batch, **fields) for code in codes - taken
        )
        batch.count = count - len(taken)
        batch.save(update_fields=["count"])
        audit.record(
            actor=user,
            action=CREATE_BATCH,
            target=batch,
            after={
                "prefix": prefix,
                "count": batch.count,
                "campaign": campaign.public_id,
            },
        )
    return batch
