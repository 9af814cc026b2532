"""Paid promotion in the demo: fixed-days promotions running, ended and
cancelled (refunded), and a daily budget with days of clicks, one spent out,
its finished days charged — all through the services, the books balanced."""

import pytest
from django.db.models import F, Sum

from doorstep.demo.builders import build_demo
from doorstep.payments.models import JournalEntry, Posting
from doorstep.payments.reconciliation import reconcile
from doorstep.promotions.models import Promotion, PromotionDay
from doorstep.promotions.services import PROMOTION_REFUND

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_promotions_with_history():
    build_demo(providers=12, customers=10, orders=6)

    fixed = Promotion.objects.filter(mode=Promotion.Mode.FIXED_DAYS)
    assert fixed.filter(status=Promotion.Status.ACTIVE).count() >= 2
    assert fixed.filter(status=Promotion.Status.ENDED).exists()
    cancelled = fixed.get(status=Promotion.Status.CANCELLED)
    assert cancelled.refunded_days > 0
    assert JournalEntry.objects.filter(kind=PROMOTION_REFUND).count() == 1
    budget = Promotion.objects.get(mode=Promotion.Mode.DAILY_BUDGET)
    days = PromotionDay.objects.filter(promotion=budget)
    assert days.count() >= 4
    # never above the budget, one day spent out, the finished days charged
    assert not days.filter(spend__gt=F("budget")).exists()
    assert days.filter(spend=budget.daily_budget).exists()
    assert days.exclude(charged_entry_key="").count() >= 3
    assert PromotionDay.objects.filter(promotion__in=fixed).aggregate(
        n=Sum("impressions")
    )["n"]
    # the books balance and the gateway agrees
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
    assert reconcile() == []
