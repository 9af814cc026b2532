"""The demo ends with its rollups built, and they are the orders behind them:
the fact tables equal a brute-force recomputation from the source tables."""

import pytest

from doorstep.analytics.models import DailyMoneyFacts, DailyOrderFacts
from doorstep.analytics.tests import brute_force
from doorstep.demo.builders import build_demo

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_demo_dashboard_numbers_match_its_orders():
    build_demo(providers=20, customers=20, orders=30)

    assert DailyOrderFacts.objects.exists()
    assert DailyMoneyFacts.objects.exists()
    stored = brute_force.stored()
    expected = brute_force.recompute()
    for family in expected:
        assert stored[family] == expected[family], family
    assert brute_force.stored_cohorts() == brute_force.cohorts()
