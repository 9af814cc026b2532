"""The analytics API: ops with a second factor and a finance role read every
metric, series, CSV and cohort; everyone else is refused (404 for non-ops);
a provider reads only their own insights."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings

from doorstep.analytics import rollups
from doorstep.analytics.metrics import METRICS
from doorstep.analytics.services import record_listing_view
from doorstep.analytics.tests.conftest import SANDBOX
from doorstep.analytics.tests.history import build_history
from doorstep.api.testing import assert_problem, bearer, ops_bearer
from tests.factories import make_listing, make_ops, make_user

pytestmark = pytest.mark.django_db

METRICS_URL = "/api/v1/analytics/metrics"
INSIGHTS = "/api/v1/me/insights"


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(**SANDBOX),
        transaction.atomic(),
    ):
        yield build_history()
        transaction.set_rollback(True)


@pytest.fixture
def finance():
    return ops_bearer(make_ops("Finance"))


def _days(history) -> dict[str, str]:
    return {
        "start": rollups.day_of(history.day1).isoformat(),
        "end": rollups.day_of(history.day2).isoformat(),
    }


def test_non_ops_do_not_learn_the_endpoints_exist(client, history):
    for path in (METRICS_URL, f"{METRICS_URL}/orders/series"):
        assert_problem(client.get(path, _days(history), **bearer(make_user())), 404)
    assert_problem(client.get(METRICS_URL, **bearer(history.alice)), 404)


def test_ops_need_the_second_factor_and_a_finance_role(client, history):
    response = client.get(METRICS_URL, **bearer(make_ops("Finance")))
    assert_problem(response, 403, "ops_mfa_required")
    response = client.get(METRICS_URL, **ops_bearer(make_ops("Dispatch")))
    assert_problem(response, 403, "ops_permission_required")


def test_metrics_are_listed_with_their_definitions(client, finance):
    response = client.get(METRICS_URL, **finance)

    assert response.status_code == 200
    items = {item["name"]: item for item in response.json()["items"]}
    assert set(items) == {metric.name for metric in METRICS}
    assert items["gmv"]["unit"] == "money"
    assert items["gmv"]["per_currency"]
    assert "GMV" in items["gmv"]["label"]
    assert items["gmv"]["definition"]


def test_a_series_with_its_comparison(client, history, finance):
    response = client.get(f"{METRICS_URL}/gmv/series", _days(history), **finance)

    assert response.status_code == 200, response.content
    body = response.json()
    totals = {total["currency"]: total["value"] for total in body["totals"]}
    assert totals == {"CNY": 20_000, "JPY": 8_000}
    assert body["previous_period"]["end"] < body["period"]["start"]
    assert {point["currency"] for point in body["points"]} == {"CNY", "JPY"}


def test_a_series_by_city_and_week(client, history, finance):
    params = {**_days(history), "city": "shanghai", "grain": "week"}

    response = client.get(f"{METRICS_URL}/orders/series", params, **finance)

    assert response.status_code == 200, response.content
    assert sum(point["value"] for point in response.json()["points"]) == 3


def test_csv_export(client, history, finance):
    response = client.get(f"{METRICS_URL}/orders/series.csv", _days(history), **finance)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["value"] for row in rows] == ["3", "1"]
    assert {row["metric"] for row in rows} == {"orders"}


def test_errors_are_problems(client, history, finance):
    days = _days(history)
    assert_problem(
        client.get(f"{METRICS_URL}/happiness/series", days, **finance),
        404,
        "metric_not_found",
    )
    backwards = {"start": days["end"], "end": days["start"]}
    if backwards["start"] != backwards["end"]:
        assert_problem(
            client.get(f"{METRICS_URL}/orders/series", backwards, **finance),
            422,
            "invalid_period",
        )
    assert_problem(
        client.get(
            f"{METRICS_URL}/new_providers/series", {**days, "category": "x"}, **finance
        ),
        422,
        "metric_not_sliceable",
    )
    assert_problem(
        client.get(f"{METRICS_URL}/orders/series", {**days, "cell": "nope"}, **finance),
        400,
        "invalid_input",
    )
    assert_problem(
        client.get(f"{METRICS_URL}/orders/series", {"start": "x"}, **finance), 400
    )


def test_cohorts(client, history, finance):
    response = client.get(
        "/api/v1/analytics/cohorts/customer_retention", _days(history), **finance
    )

    assert response.status_code == 200, response.content
    assert [(row["size"], row["retained"][0]) for row in response.json()["items"]] == [
        (2, 1.0)
    ]
    assert_problem(
        client.get("/api/v1/analytics/cohorts/orders", _days(history), **finance),
        422,
        "metric_not_sliceable",
    )


def test_a_provider_sees_only_their_own_figures(client, history):
    days = _days(history)
    cleaning = history.cleaning
    record_listing_view(listing_id=cleaning.pk, provider_id=cleaning.provider_id)
    other = make_listing()
    record_listing_view(listing_id=other.pk, provider_id=other.provider_id)
    today = rollups.today().isoformat()

    response = client.get(
        INSIGHTS,
        {"start": days["start"], "end": today},
        **bearer(cleaning.provider.user),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    # The cleaning provider had Alice's first order and Bob's cancelled one.
    assert body["bookings"] == 2
    assert body["views"] == 1
    earnings = [amount for month in body["months"] for amount in month["earnings"]]
    assert {amount["currency"] for amount in earnings} == {"CNY"}
    assert sum(amount["amount"] for amount in earnings) > 0
    assert body["response_time_median"] == 1800
    # The yen plumber's figures are theirs alone.
    plumber = client.get(
        INSIGHTS,
        {"start": days["start"], "end": today},
        **bearer(history.plumbing_jpy.provider.user),
    ).json()
    assert plumber["bookings"] == 1
    assert all(
        amount["currency"] == "JPY"
        for month in plumber["months"]
        for amount in month["earnings"]
    )


def test_insights_are_for_providers_only(client, history):
    day = rollups.today()
    params = {"start": (day - timedelta(days=30)).isoformat(), "end": day.isoformat()}
    assert_problem(
        client.get(INSIGHTS, params, **bearer(make_user())), 404, "not_a_provider"
    )
    assert_problem(client.get(INSIGHTS, params), 401)
