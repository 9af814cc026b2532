"""The place grain: the cell-grain facts summed per (day, category, city), read
by every chart not cut by cell; the all-places duration histograms, read by the
unsliced duration charts; and the migration that fills them from existing
cell rows."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from doorstep.analytics import rollups
from doorstep.analytics.models import (
    DailyDurationTotalFacts,
    DailyOrderFacts,
    DailyOrderPlaceFacts,
)
from doorstep.analytics.queries import Period, Slice, metric_series
from doorstep.analytics.tests.brute_force import COARSER, TABLES, recompute, stored
from doorstep.orders.engine import apply_transition
from doorstep.orders.models import Order
from tests.factories import make_category, make_listing, make_order

pytestmark = pytest.mark.django_db

SHANGHAI_WEST = (31.2304, 121.40)
SHANGHAI_EAST = (31.2304, 121.55)  # another H3 cell, the same city


def _orders_in_two_cells() -> list[Order]:
    category = make_category("cleaning")
    return [
        make_order(
            listing=make_listing(category=category, at=at),
            starts_in=timedelta(days=3),
        )
        for at in (SHANGHAI_WEST, SHANGHAI_EAST, SHANGHAI_EAST)
    ]


def _tables_read(query) -> str:
    with CaptureQueriesContext(connection) as captured:
        result = query()
    return result, " ".join(q["sql"] for q in captured.captured_queries)


def test_place_grain_sums_the_cells_and_serves_charts_without_a_cell():
    _orders_in_two_cells()
    rollups.rebuild()
    today = rollups.today()
    period = Period(today, today)

    assert DailyOrderFacts.objects.count() == 2  # two cells
    place = DailyOrderPlaceFacts.objects.get()
    assert (place.day, place.category, place.placed) == (today, "cleaning", 3)
    assert stored() == recompute()

    everywhere, sql = _tables_read(lambda: metric_series("orders", period=period))
    assert "analytics_dailyorderplacefacts" in sql
    assert "analytics_dailyorderfacts" not in sql
    assert everywhere.totals[0].value == 3

    east = rollups.analytics_cell(*SHANGHAI_EAST)
    in_cell, sql = _tables_read(
        lambda: metric_series("orders", period=period, slice=Slice(cell=east))
    )
    assert "analytics_dailyorderfacts" in sql
    assert "analytics_dailyorderplacefacts" not in sql
    assert in_cell.totals[0].value == 2


def test_duration_charts_read_the_coarsest_histogram():
    order = _orders_in_two_cells()[0]
    apply_transition(order_id=order.pk, name="accept", user=order.provider.user)
    rollups.rebuild()
    today = rollups.today()
    period = Period(today, today)

    total = DailyDurationTotalFacts.objects.filter(measure="response").get()
    assert total.count == 1
    median, sql = _tables_read(
        lambda: metric_series("response_time_median", period=period)
    )
    assert "analytics_dailydurationtotalfacts" in sql
    assert median.totals[0].value is not None
    in_city, sql = _tables_read(
        lambda: metric_series(
            "response_time_median", period=period, slice=Slice(city="shanghai")
        )
    )
    assert "analytics_dailydurationplacefacts" in sql
    assert in_city.totals[0].value == median.totals[0].value
    assert stored() == recompute()


def test_migration_fills_the_coarser_grains_from_the_cell_rows():
    from importlib import import_module

    fill = import_module(
        "doorstep.analytics.migrations.0004_place_grain"
    ).fill_coarser_grains
    _orders_in_two_cells()
    rollups.rebuild()
    expected = stored()
    for model, _family, _dropped in COARSER.values():
        model.objects.all().delete()
    assert all(not stored()[name] for name in COARSER)

    fill(apps, None)

    assert stored() == expected
    assert set(expected) == set(TABLES)
