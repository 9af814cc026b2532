"""The supply and demand map: demand, bookings and free provider time per H3
cell and hour of the week; its page and API for ops only."""

from datetime import time, timedelta

import h3
import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from doorstep.analytics import supply_demand
from doorstep.analytics.models import SearchRecord, SupplyDemandCell
from doorstep.analytics.rollups import analytics_cell
from doorstep.api.testing import assert_problem, bearer, ops_bearer
from doorstep.scheduling.models import AvailabilityRule
from tests.factories import make_listing, make_ops, make_order, make_user, sign_in_ops

SHANGHAI = (31.2304, 121.4737)
API = "/api/v1/analytics/supply-demand"
PAGE = "/ops/analytics/supply-demand/"


@given(
    weekday=st.integers(0, 6),
    start=st.integers(0, 24 * 60 - 2),
    length=st.integers(1, 24 * 60),
)
def test_a_weekly_rule_spreads_its_minutes_over_the_hours_it_covers(
    weekday, start, length
):
    end = min(start + length, 24 * 60 - 1)
    if end <= start:
        return
    spread = supply_demand._minutes_by_hour(
        weekday, time(start // 60, start % 60), time(end // 60, end % 60)
    )
    assert sum(minutes for _hour, minutes in spread) == end - start
    assert all(0 < minutes <= 60 for _hour, minutes in spread)
    assert all(weekday * 24 <= hour < (weekday + 1) * 24 for hour, _m in spread)


def test_a_span_is_split_at_local_hours():
    start = timezone.localtime().replace(hour=9, minute=30, second=0, microsecond=0)
    spread = supply_demand._span_by_hour(start, start + timedelta(minutes=90))
    base = start.weekday() * 24
    assert spread == [(base + 9, 30), (base + 10, 60)]


@pytest.fixture
def market(db):
    """A provider in Shanghai free Mondays to Sundays 09:00–12:00 with one order
    (two days ago, which claimed two hours of their time), and three searches there."""
    listing = make_listing(at=SHANGHAI)
    for weekday in range(7):
        AvailabilityRule.objects.create(
            provider=listing.provider,
            weekday=weekday,
            start_time=time(9),
            end_time=time(12),
        )
    order = make_order(listing=listing, state="accepted", starts_in=-timedelta(days=2))
    cell = analytics_cell(*SHANGHAI)
    searched = timezone.now() - timedelta(days=2)
    for _ in range(3):
        SearchRecord.objects.create(
            created_at=searched, cell=cell, results=0, city="shanghai"
        )
    SearchRecord.objects.create(created_at=searched, cell=0, results=3)
    supply_demand.rebuild()
    return {"listing": listing, "order": order, "cell": cell, "searched": searched}


def test_rebuild_counts_demand_bookings_and_free_time(market):
    cell = market["cell"]
    rows = SupplyDemandCell.objects.filter(cell=cell)
    assert sum(row.searches for row in rows) == 3
    searched = rows.get(hour_of_week=supply_demand.hour_of_week(market["searched"]))
    assert searched.searches == 3
    assert sum(row.bookings for row in rows) == 1
    weeks = supply_demand.WINDOW_WEEKS
    assert sum(row.available_minutes for row in rows) == 7 * 3 * 60 * weeks
    claimed = sum(row.claimed_minutes for row in rows)
    assert claimed == 120
    assert sum(row.free_minutes for row in rows) >= 7 * 3 * 60 * weeks - claimed
    # Nothing without a cell.
    assert not SupplyDemandCell.objects.filter(cell=0).exists()


def test_rebuild_replaces_the_table(market):
    SearchRecord.objects.all().delete()
    supply_demand.rebuild()
    assert sum(row.searches for row in SupplyDemandCell.objects.all()) == 0


def test_the_cell_short_of_providers_comes_first(market):
    far = analytics_cell(22.3193, 114.1694)
    SupplyDemandCell.objects.create(cell=far, hour_of_week=10, searches=40)
    cells = supply_demand.cells_at(10)
    assert cells[0].cell == far
    assert cells[0].unfilled == 40 / supply_demand.WINDOW_WEEKS
    assert cells[0].fill_rate == 0


def test_fill_rate_is_capped_and_none_without_demand():
    row = SupplyDemandCell(cell=1, hour_of_week=0, searches=1, bookings=3)
    assert row.fill_rate == 1.0
    assert row.unfilled == 0
    assert SupplyDemandCell(cell=1, hour_of_week=0).fill_rate is None


def test_api_for_ops(client, market):
    finance = ops_bearer(make_ops("Finance"))
    response = client.get(API, **finance)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["window_weeks"] == supply_demand.WINDOW_WEEKS
    item = next(i for i in body["items"] if i["cell"] == h3.int_to_str(market["cell"]))
    assert item["searches"] == 3 / supply_demand.WINDOW_WEEKS
    assert len(item["boundary"]) == 6
    hour = supply_demand.hour_of_week(market["searched"])
    response = client.get(API, {"hour": hour}, **finance)
    assert response.status_code == 200, response.content
    assert [i["searches"] for i in response.json()["items"]] == [0.75]


def test_api_errors_are_problems(client, market):
    finance = ops_bearer(make_ops("Finance"))
    assert_problem(client.get(API, {"hour": 168}, **finance), 400)
    assert_problem(client.get(API, **bearer(make_user())), 404)
    assert_problem(
        client.get(API, **ops_bearer(make_ops("Dispatch"))),
        403,
        "ops_permission_required",
    )


def test_page_for_ops_and_no_one_else(client, market):
    sign_in_ops(client, make_ops("Finance"))
    response = client.get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="supply-demand-cells"' in page
    assert h3.int_to_str(market["cell"]) in page
    assert 'id="under-supplied"' in page
    response = client.get(PAGE, {"hour": "999"})
    assert 'id="hour-error"' in response.content.decode()
    client.logout()
    client.force_login(make_user())
    assert client.get(PAGE).status_code == 404


def test_the_rebuild_command_and_the_periodic_job_rebuild_the_map(market):
    from django.core.management import call_command

    from doorstep.analytics.tasks import refresh_supply_demand

    SupplyDemandCell.objects.all().delete()
    call_command("analytics", "rebuild", "--no-progress", verbosity=0)
    assert SupplyDemandCell.objects.filter(cell=market["cell"]).exists()
    SupplyDemandCell.objects.all().delete()
    assert refresh_supply_demand()["cells"] > 0
