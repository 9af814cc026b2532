"""Recurring bookings in the demo: series begun weeks ago through the real
services, their past visits served and paid, visits ahead booked on the
calendars, one skipped, one series paused, a price proposal open — with no
provider double-booked and the books balanced."""

import itertools

import pytest
from django.db.models import Sum

from doorstep.demo.builders import build_demo
from doorstep.payments.models import Posting
from doorstep.payments.reconciliation import reconcile
from doorstep.recurring.models import PriceChange, Series, Visit, VisitStatus
from doorstep.scheduling.models import TimeClaim

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_has_regular_customers_with_a_history():
    report = build_demo(providers=30, customers=30, orders=40)

    assert report.recurring["series"] >= 2
    assert report.recurring["visits_completed"] >= 3
    assert report.recurring["visits_ahead"] >= 2
    customer_series = Series.objects.filter(customer__email__startswith="customer@")
    assert customer_series.exists()
    assert Visit.objects.filter(status=VisitStatus.SKIPPED).exists()
    assert not Visit.objects.filter(
        status=VisitStatus.SKIPPED, charged_at__isnull=False
    ).exists()
    assert PriceChange.objects.filter(status="pending").exists() or (
        report.recurring["series"] < 3
    )

    claims = sorted(
        TimeClaim.objects.filter(released_at__isnull=True).values_list(
            "provider_id", "staff_key", "starts_at", "ends_at"
        )
    )
    for first, second in itertools.pairwise(claims):
        if first[:2] == second[:2]:
            assert first[3] <= second[2]
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
    assert reconcile() == []
