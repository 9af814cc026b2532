"""Each metric on a small history whose answers are obvious (``history``)."""

from datetime import date

import pytest
from django.db import transaction
from django.test import override_settings

from doorstep.analytics import rollups
from doorstep.analytics.metrics import METRICS, Shape, Sums
from doorstep.analytics.queries import (
    Grain,
    Period,
    Slice,
    metric_series,
    retention_cohorts,
)
from doorstep.analytics.tests.conftest import SANDBOX
from doorstep.analytics.tests.history import HONG_KONG, build_history
from doorstep.core.errors import DomainError, NotFound
from doorstep.payments.models import AccountKind, Posting

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    """Built once for the module, in a transaction rolled back after it."""
    with (
        django_db_blocker.unblock(),
        override_settings(**SANDBOX),
        transaction.atomic(),
    ):
        yield build_history()
        transaction.set_rollback(True)


def _both_days(history) -> Period:
    return Period(rollups.day_of(history.day1), rollups.day_of(history.day2))


def _total(series, currency=None):
    return next(t for t in series.totals if t.currency == currency)


def test_orders_new_customers_repeat_and_cancellation(history):
    period = _both_days(history)

    orders = metric_series("orders", period=period)
    assert [p.value for p in orders.points] == [3, 1]
    assert _total(orders).value == 4
    assert _total(metric_series("new_customers", period=period)).value == 2
    assert _total(metric_series("repeat_rate", period=period)).value == 2 / 4
    assert _total(metric_series("cancellation_rate", period=period)).value == 1 / 4
    assert _total(metric_series("no_show_rate", period=period)).value == 0


def test_gmv_and_revenue_stay_per_currency(history):
    period = _both_days(history)

    gmv = metric_series("gmv", period=period)
    # The cancelled order was never captured; yen are not added to yuan.
    assert {t.currency: t.value for t in gmv.totals} == {"CNY": 20_000, "JPY": 8_000}
    aov = metric_series("average_order_value", period=period)
    assert _total(aov, "CNY").value == 10_000
    revenue = metric_series("net_revenue", period=period)
    fees = {
        currency: -sum(
            p.amount
            for p in Posting.objects.filter(
                currency=currency,
                account__kind__in=[
                    AccountKind.COMMISSION_REVENUE,
                    AccountKind.SERVICE_FEE_REVENUE,
                    AccountKind.CANCELLATION_FEE_REVENUE,
                ],
            )
        )
        for currency in ("CNY", "JPY")
    }
    assert {t.currency: t.value for t in revenue.totals} == fees
    assert fees["CNY"] > 0
    take = metric_series("take_rate", period=period)
    assert _total(take, "CNY").value == fees["CNY"] / 20_000


def test_comparison_with_the_previous_period(history):
    day2 = rollups.day_of(history.day2)

    series = metric_series("orders", period=Period(day2, day2))

    assert series.previous_period == Period(
        rollups.day_of(history.day1), rollups.day_of(history.day1)
    )
    total = _total(series)
    assert (total.value, total.previous) == (1, 3)
    assert total.change == pytest.approx(-2 / 3)


def test_slices_by_city_category_and_cell(history):
    period = _both_days(history)

    in_shanghai = metric_series("orders", period=period, slice=Slice(city="shanghai"))
    assert _total(in_shanghai).value == 3
    plumbing = metric_series("orders", period=period, slice=Slice(category="plumbing"))
    assert _total(plumbing).value == 1
    cell = rollups.analytics_cell(*HONG_KONG)
    in_cell = metric_series("orders", period=period, slice=Slice(cell=cell))
    assert _total(in_cell).value == 1


def test_weeks_and_months_are_sums_of_days(history):
    period = _both_days(history)

    for grain in (Grain.WEEK, Grain.MONTH):
        series = metric_series("orders", period=period, grain=grain)
        assert sum(p.value for p in series.points) == 4


def test_a_bucket_across_both_periods_counts_each_periods_own_days(history):
    # The second day alone, against the day before it: their week (and
    # month, most days of the year) is one bucket, summed in the database
    # apart for each period.
    day2 = rollups.day_of(history.day2)
    by_day = metric_series("orders", period=Period(day2, day2))

    for grain in (Grain.WEEK, Grain.MONTH):
        series = metric_series("orders", period=Period(day2, day2), grain=grain)

        assert [p.value for p in series.points] == [p.value for p in by_day.points]
        assert [p.value for p in series.previous_points] == [
            p.value for p in by_day.previous_points
        ]
        assert series.totals == by_day.totals


def test_rating_counts_late_reviews_on_the_day_they_were_written(history):
    day1, day2 = rollups.day_of(history.day1), rollups.day_of(history.day2)

    rating = metric_series("average_rating", period=Period(day1, day2))

    assert [p.value for p in rating.points] == [None, 3.0]


def test_response_time_is_the_bucket_of_the_answer(history):
    period = _both_days(history)

    median = metric_series("response_time_median", period=period)
    p90 = metric_series("response_time_p90", period=period)

    # Answers after 30 min, 2 h and 30 min (the cancelled order was never answered).
    assert _total(median).value == 1800
    assert _total(p90).value == 7200


def test_customer_retention_cohort(history):
    period = _both_days(history)

    rows = retention_cohorts("customer_retention", period=period)

    assert [(row.size, row.retained[0]) for row in rows] == [(2, 1.0)]


def test_unknown_metric_and_bad_periods_are_refused():
    day = rollups.today()
    with pytest.raises(NotFound):
        metric_series("happiness", period=Period(day, day))
    with pytest.raises(DomainError) as refused:
        metric_series("orders", period=Period(day, day.replace(year=day.year - 1)))
    assert refused.value.code == "invalid_period"
    with pytest.raises(DomainError) as refused:
        metric_series("orders", period=Period(date.min, date.min))
    assert refused.value.code == "invalid_period"
    with pytest.raises(DomainError) as refused:
        metric_series(
            "new_providers", period=Period(day, day), slice=Slice(category="x")
        )
    assert refused.value.code == "metric_not_sliceable"


def test_every_metric_has_a_definition_and_answers_on_no_data():
    day = rollups.today()
    for metric in METRICS:
        assert str(metric.definition)
        assert str(metric.label)
        if metric.shape == Shape.SERIES:
            series = metric_series(metric.name, period=Period(day, day))
            assert all(p.value in (0, None) for p in series.points)


def test_quantiles_of_a_histogram():
    sums = Sums(histograms={"response": {2: (9, 2000), 6: (1, 3000)}})

    assert sums.quantile("response", 0.5) == 300
    assert sums.quantile("response", 0.95) == 3600
    assert Sums().quantile("response", 0.5) is None
