"""Money breadth in the demo: two tax regions whose orders carry their taxes
(included in mainland China, added in New York), provider plans with
subscribers renewed by the billing job and one past due — all through the
services, with the books balanced and the gateway agreeing."""

import pytest
from django.db.models import Sum

from doorstep.demo.builders import build_demo
from doorstep.orders.models import Order
from doorstep.payments.models import AccountKind, LedgerAccount, Posting
from doorstep.payments.reconciliation import reconcile
from doorstep.subscriptions.models import Subscription, SubscriptionCharge
from doorstep.taxes.models import OrderTax, TaxRegion

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_two_tax_regions_plans_and_balanced_books():
    report = build_demo(providers=30, customers=30, orders=40)

    assert report.money["tax_regions"] == 2
    regions = {region.code: region for region in TaxRegion.objects.all()}
    assert regions["cn"].prices_include_tax
    assert not regions["us-ny"].prices_include_tax
    taxed = Order.objects.filter(taxes__isnull=False).distinct()
    assert taxed.exists()
    assert OrderTax.objects.exists()
    # New York adds its tax to the total; Shanghai's is inside the prices.
    for order in taxed.filter(prices_include_tax=False):
        assert order.total_amount > order.subtotal_amount + order.service_fee_amount - (
            order.discount_amount
        )

    assert report.money["plans"] == 2
    assert report.money["subscriptions"] >= 2
    assert Subscription.objects.filter(status="past_due").count() == 1
    assert SubscriptionCharge.objects.filter(
        reason="renewal", status="succeeded"
    ).exists()
    revenue = LedgerAccount.objects.filter(kind=AccountKind.SUBSCRIPTION_REVENUE)
    assert revenue.aggregate(total=Sum("balance"))["total"] > 0

    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
    assert reconcile() == []
