"""Money breadth in the demo, through the real services:

* two tax regions with different settings, in force from long before the
  history so its orders carry their taxes: mainland China (prices include
  tax; 6% VAT on the platform's fees) and New York (prices exclude tax; an
  8.88% sales tax added on the service and on the fees);
* two provider plans priced in each of the demo's currencies, and a handful
  of providers on them since six weeks ago — renewed once by the billing job,
  one of them now past due because their card was declined at the renewal.
"""

import random
from datetime import datetime, timedelta

from doorstep.accounts.models import ProviderProfile, User
from doorstep.backoffice.access import OpsRole
from doorstep.catalog.models import Listing
from doorstep.demo.clock import moved_clock
from doorstep.payments import methods
from doorstep.payments.flows import PaymentError
from doorstep.payments.gateways.base import GatewayError
from doorstep.subscriptions import billing
from doorstep.subscriptions import services as plans
from doorstep.taxes import services as taxes
from doorstep.taxes.models import TaxRegion

CARD_OK = "sbx_success_visa_4242"
CARD_DECLINED = "sbx_decline_visa_0002"
# Monthly prices per currency (a year costs ten months).
PLAN_PRICES = {
    "Plus": {"CNY": 3_900, "TWD": 16_900, "HKD": 4_500, "USD": 900},
    "Pro": {"CNY": 9_900, "TWD": 42_900, "HKD": 11_900, "USD": 1_900},
}
PLAN_FIELDS = {
    "Plus": {
        "name_en": "Plus",
        "name_zh_hans": "进阶",
        "name_zh_hant": "進階",
        "description_en": "Five more quote leads a month without a lead fee, "
        "and five more photos per service.",
        "description_zh_hans": "每月多 5 次免费报价机会，每项服务多 5 张照片。",
        "description_zh_hant": "每月多 5 次免費報價機會，每項服務多 5 張照片。",
        "badge_en": "Plus",
        "badge_zh_hans": "进阶",
        "badge_zh_hant": "進階",
        "extra_quote_leads": 5,
        "extra_photos": 5,
    },
    "Pro": {
        "name_en": "Pro",
        "name_zh_hans": "专业",
        "name_zh_hant": "專業",
        "description_en": "Three points off the commission, twenty more quote "
        "leads a month and ten more photos per service.",
        "description_zh_hans": "佣金减 3 个百分点，每月多 20 次免费报价机会，"
        "每项服务多 10 张照片。",
        "description_zh_hant": "佣金減 3 個百分點，每月多 20 次免費報價機會，"
        "每項服務多 10 張照片。",
        "badge_en": "Pro",
        "badge_zh_hans": "专业",
        "badge_zh_hant": "專業",
        "commission_discount_bps": 300,
        "extra_quote_leads": 20,
        "extra_photos": 10,
    },
}


def _finance_ops() -> User:
    """The demo's ops admin (settings are theirs to change)."""
    return User.objects.filter(groups__name=OpsRole.ADMIN).order_by("pk").first()


def seed_tax_regions(*, now: datetime) -> dict[str, int]:
    """The two regions and their taxes, valid from a year and more ago (kept
    as they are when a demo is built again over one: regions are not people)."""
    if TaxRegion.objects.filter(code__in=["cn", "us-ny"]).exists():
        return {"tax_regions": TaxRegion.objects.count()}
    ops = _finance_ops()
    since = now - timedelta(days=400)
    china = taxes.save_tax_region(
        actor=ops,
        name="Mainland China",
        code="cn",
        prices_include_tax=True,
        city_slugs=["shanghai"],
        reason="VAT registration",
    )
    taxes.add_tax_rule(
        actor=ops,
        region_id=china.public_id,
        name="VAT",
        rate_bps=600,
        on_service=False,
        on_platform_fees=True,
        valid_from=since,
        reason="6% VAT on the platform's services",
    )
    new_york = taxes.save_tax_region(
        actor=ops,
        name="New York",
        code="us-ny",
        prices_include_tax=False,
        city_slugs=["new-york"],
        reason="Sales tax registration",
    )
    taxes.add_tax_rule(
        actor=ops,
        region_id=new_york.public_id,
        name="Sales tax",
        rate_bps=888,
        on_service=True,
        on_platform_fees=True,
        valid_from=since,
        reason="State and city sales tax",
    )
    return {"tax_regions": 2, "tax_rules": 2}


def _subscribers(logins: dict[str, User], rng: random.Random) -> list[ProviderProfile]:
    """The demo provider and five others with published services."""
    own = ProviderProfile.objects.get(user=logins["provider"])
    others = list(
        ProviderProfile.objects.filter(listings__status=Listing.Status.PUBLISHED)
        .exclude(pk=own.pk)
        .distinct()
        .order_by("pk")[:40]
    )
    rng.shuffle(others)
    return [own, *others[:5]]


def _currency_of(provider: ProviderProfile) -> str:
    listing = provider.listings.order_by("pk").first()
    return listing.currency if listing else "CNY"


def seed_plans(*, logins: dict[str, User], seed: int, now: datetime) -> dict[str, int]:
    """Plans, and providers on them since six weeks ago, renewed by the
    billing job as production would; the last one's card declined at the
    renewal (past due, retried by the job)."""
    rng = random.Random(seed + 16)
    ops = _finance_ops()
    created = {}
    for name, monthly in PLAN_PRICES.items():
        prices = {}
        for currency, amount in monthly.items():
            prices[(currency, "month")] = amount
            prices[(currency, "year")] = amount * 10
        created[name] = plans.create_plan(
            user=ops, fields=PLAN_FIELDS[name], prices=prices
        )
    subscribers = _subscribers(logins, rng)
    start = now - timedelta(days=42)
    subscribed = past_due = 0
    with moved_clock(start) as clock:
        for index, provider in enumerate(subscribers):
            clock.set(start + timedelta(hours=3 * index))
            user = provider.user
            methods.save_method(
                user=user,
                gateway="sandbox",
                token=CARD_OK,
                brand="visa",
                last4="4242",
                exp_month=12,
                exp_year=now.year + 3,
                make_default=True,
            )
            plan = created["Pro" if index % 2 == 0 else "Plus"]
            try:
                plans.subscribe(
                    user=user,
                    plan_id=plan.public_id,
                    interval="month",
                    currency=_currency_of(provider),
                    now=clock.now,
                )
            except (PaymentError, GatewayError):
                continue
            subscribed += 1
            if index == len(subscribers) - 1:
                # Their plan is moved to a card the bank will refuse.
                declining = methods.save_method(
                    user=user,
                    gateway="sandbox",
                    token=CARD_DECLINED,
                    brand="visa",
                    last4="0002",
                    exp_month=1,
                    exp_year=now.year + 1,
                    make_default=True,
                )
                plans.set_subscription_card(user=user, method_id=declining.public_id)
                past_due = 1
        # The billing job's runs since: the renewals a month after, then today.
        for moment in (start + timedelta(days=31), now - timedelta(minutes=5)):
            clock.set(moment)
            billing.run_billing(now=moment)
    return {
        "plans": len(created),
        "subscriptions": subscribed,
        "subscriptions_past_due": past_due,
    }
