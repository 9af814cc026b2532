"""Reads of the analytics: a metric over a period, cut by a slice, compared with
the period before; retention cohorts; a provider's own figures.

The one entry point for charts, CSV exports and the API is
:func:`metric_series`::

    series = metric_series(
        "gmv",
        period=Period(date(2026, 11, 1), date(2026, 11, 30)),
        grain=Grain.WEEK,
        slice=Slice(city="shanghai"),
    )
    for point in series.points: ...        # bucket start, value, currency
    for total in series.totals: ...        # the period, the one before, change

Results are plain frozen dataclasses. A money metric gives one point per
bucket *and currency* and one total per currency: nothing is converted or
added across currencies. Ratios whose denominator is zero are ``None`` (no
data), not 0.

Cost (why this is fast at a million orders): each fact family the metric
reads is one query, on the coarsest grain that has the slice's columns
(:func:`table_for`: no cell, no cell table), over ``day BETWEEN
previous.start AND period.end`` (plus the slice's equality, served by the
``(slice, day)`` indexes), grouped by day (and currency) in the database: at
most days × currencies rows come back, however many orders there are; weeks
and months are summed from days in Python.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    F,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext_lazy as _

from doorstep.analytics.metrics import METRICS, Metric, Shape, Sums, metric_named
from doorstep.analytics.models import (
    CohortActivity,
    CohortRole,
    DailyDurationFacts,
    DailyDurationPlaceFacts,
    DailyDurationTotalFacts,
    DailyMoneyFacts,
    DailyMoneyPlaceFacts,
    DailyOrderFacts,
    DailyOrderPlaceFacts,
    DailyProviderFacts,
    DailyProviderPlaceFacts,
    DailySatisfactionFacts,
    DailySatisfactionPlaceFacts,
    DailySearchFacts,
    DailySearchPlaceFacts,
)
from doorstep.core.errors import DomainError, NotFound

# The tables of each fact family, coarsest first (``rollups.COARSER`` writes
# them), with the slice columns each has: a series reads the first one that
# has every column its slice names (``table_for``).
_CELL = frozenset({"category", "city", "cell"})
_PLACE = frozenset({"category", "city"})
GRAINS: dict[str, tuple[tuple[type, frozenset[str]], ...]] = {
    "orders": ((DailyOrderPlaceFacts, _PLACE), (DailyOrderFacts, _CELL)),
    "money": ((DailyMoneyPlaceFacts, _PLACE), (DailyMoneyFacts, _CELL)),
    "satisfaction": (
        (DailySatisfactionPlaceFacts, _PLACE),
        (DailySatisfactionFacts, _CELL),
    ),
    "searches": ((DailySearchPlaceFacts, _PLACE), (DailySearchFacts, _CELL)),
    "providers": ((DailyProviderPlaceFacts, _PLACE), (DailyProviderFacts, _CELL)),
    "durations": (
        (DailyDurationTotalFacts, frozenset()),
        (DailyDurationPlaceFacts, _PLACE),
        (DailyDurationFacts, _CELL),
    ),
}
CURRENCY_FAMILIES = frozenset({"orders", "money"})
# The longest period one series may cover (two years and a bit).
MAX_PERIOD_DAYS = 800
# Days outside these years are refused (the previous period of a period near
# ``date.min`` would not exist).
FIRST_YEAR, LAST_YEAR = 2000, 2999
# Day points are for short periods; longer ones ask for weeks or months.
MAX_DAY_POINTS = 400


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"  # Monday to Sunday
    MONTH = "month"


@dataclass(frozen=True)
class Slice:
    """Where to look: "" / 0 is everywhere."""

    category: str = ""
    city: str = ""
    cell: int = 0

    def names(self) -> set[str]:
        return {name for name in ("category", "city", "cell") if getattr(self, name)}

    def filter(self) -> Q:
        return Q(**{name: getattr(self, name) for name in self.names()})


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included, in the operator's time zone."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before."""
        return Period(
            self.start - timedelta(days=self.days), self.start - timedelta(days=1)
        )


@dataclass(frozen=True)
class Point:
    start: date  # the first day of the bucket (a Monday, the 1st of a month)
    value: float | int | None
    currency: str | None = None


@dataclass(frozen=True)
class Total:
    value: float | int | None
    previous: float | int | None
    currency: str | None = None

    @property
    def change(self) -> float | None:
        """Relative change from the previous period (0.1 is +10 %)."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / abs(self.previous)


@dataclass(frozen=True)
class MetricSeries:
    metric: Metric
    period: Period
    previous_period: Period
    grain: Grain
    slice: Slice
    points: list[Point] = field(default_factory=list)
    previous_points: list[Point] = field(default_factory=list)
    totals: list[Total] = field(default_factory=list)

    @property
    def currencies(self) -> list[str]:
        return sorted({p.currency for p in self.points if p.currency is not None})


def get_metric(name: str) -> Metric:
    metric = metric_named(name)
    if metric is None:
        raise NotFound("metric_not_found", _("No such metric."))
    return metric


def check_period(period: Period, grain: Grain) -> None:
    """Raise ``DomainError`` 422 ``invalid_period`` for an empty or too long
    period, or too many day points."""
    if period.end < period.start:
        raise DomainError(
            "invalid_period",
            _("The period ends before it starts."),
            fields={"end": [_("Must be on or after the start.")]},
        )
    if period.start.year < FIRST_YEAR or period.end.year > LAST_YEAR:
        raise DomainError(
            "invalid_period",
            _("Give days between %(first)s and %(last)s.")
            % {"first": FIRST_YEAR, "last": LAST_YEAR},
            fields={"start": [_("Out of range.")]},
        )
    if period.days > MAX_PERIOD_DAYS:
        raise DomainError(
            "invalid_period",
            _("A period is at most %(days)s days.") % {"days": MAX_PERIOD_DAYS},
            fields={"start": [_("Too long a period.")]},
        )
    if grain == Grain.DAY and period.days > MAX_DAY_POINTS:
        raise DomainError(
            "invalid_period",
            _("Ask for weeks or months over more than %(days)s days.")
            % {"days": MAX_DAY_POINTS},
            fields={"grain": [_("Too many days; use week or month.")]},
        )


def bucket_of(day: date, grain: Grain) -> date:
    if grain == Grain.WEEK:
        return day - timedelta(days=day.weekday())
    if grain == Grain.MONTH:
        return day.replace(day=1)
    return day


def buckets(period: Period, grain: Grain) -> list[date]:
    starts = []
    day = period.start
    while day <= period.end:
        start = bucket_of(day, grain)
        if not starts or starts[-1] != start:
            starts.append(start)
        day += timedelta(days=1)
    return starts


def table_for(family: str, slice: "Slice"):
    """The coarsest table of ``family`` that can answer ``slice``: the place
    grain unless the slice names a cell (and, for the duration histograms,
    the all-places one when it names nothing)."""
    names = slice.names()
    for table, columns in GRAINS[family]:
        if names <= columns:
            return table
    raise AssertionError(f"no {family} table has {names}")  # pragma: no cover


_TRUNCATE = {Grain.WEEK: TruncWeek, Grain.MONTH: TruncMonth}


def _bucket_rows(metric: Metric, span: Period, slice: "Slice", *, grain, current):
    """``(in the current period, bucket start, currency or None, column,
    value)`` rows of every family the metric reads, summed per ``grain``
    bucket (and currency) in the database: a year by month is a few hundred
    rows to read, not one per day, measure and histogram bucket (~7,000, whose
    reading took most of such a chart's time). Days from ``current`` on are
    summed apart from those before, so a bucket straddling the two periods
    counts in each for its own days."""
    by_family: dict[str, list[str]] = defaultdict(list)
    for column in metric.columns:
        family, name = column.split(".", 1)
        by_family[family].append(name)
    in_span = Q(day__gte=span.start, day__lte=span.end) & slice.filter()
    keys = {
        "is_current": Case(
            When(day__gte=current, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        "start": (
            _TRUNCATE[grain]("day", output_field=DateField())
            if grain in _TRUNCATE
            else F("day")
        ),
    }
    for family, names in by_family.items():
        table = table_for(family, slice)
        if family == "durations":
            rows = (
                table.objects.filter(in_span, measure__in=names)
                .annotate(**keys)
                .values("is_current", "start", "measure", "bucket")
                .annotate(n=Sum("count"), seconds=Sum("seconds_sum"))
                .order_by()
            )
            for row in rows:
                yield (
                    row["is_current"],
                    row["start"],
                    None,
                    ("histogram", row["measure"], row["bucket"]),
                    (row["n"], row["seconds"]),
                )
            continue
        group = ["is_current", "start"]
        if metric.per_currency and family in CURRENCY_FAMILIES:
            group.append("currency")
        sums = {name: Sum(name) for name in names}
        for row in (
            table.objects.filter(in_span)
            .annotate(**keys)
            .values(*group)
            .annotate(**sums)
            .order_by()
        ):
            for name in names:
                yield (
                    row["is_current"],
                    row["start"],
                    row.get("currency"),
                    f"{family}.{name}",
                    row[name] or 0,
                )


class _Buckets:
    """Sums of columns and histograms per (bucket start, currency)."""

    def __init__(self) -> None:
        self.columns: dict[tuple, dict[str, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        self.histograms: dict[tuple, dict] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(lambda: [0, 0]))
        )
        self.currencies: set[str] = set()

    def add(self, key: tuple, currency: str | None, column, value) -> None:
        if currency is not None:
            self.currencies.add(currency)
        if isinstance(column, tuple):
            _kind, measure, bucket = column
            cell = self.histograms[(key, None)][measure][bucket]
            cell[0] += value[0] or 0
            cell[1] += value[1] or 0
        else:
            self.columns[(key, currency)][column] += value

    def sums(self, key: tuple, currency: str | None) -> Sums:
        columns = dict(self.columns.get((key, currency), {}))
        if currency is not None:
            # Count columns of a family without currency (searches) apply to
            # every currency's point alike.
            for name, value in self.columns.get((key, None), {}).items():
                columns.setdefault(name, value)
        histograms = {
            measure: {bucket: tuple(cell) for bucket, cell in cells.items()}
            for measure, cells in self.histograms.get((key, None), {}).items()
        }
        return Sums(columns, histograms)


def metric_series(
    name: str,
    *,
    period: Period,
    grain: Grain = Grain.DAY,
    slice: Slice | None = None,
) -> MetricSeries:
    """The metric ``name`` per ``grain`` bucket over ``period`` and over the
    period of the same length before it, cut by ``slice``, with totals.

    Raises ``NotFound`` ``metric_not_found``; ``DomainError`` 422
    ``invalid_period`` (see :func:`check_period`) and ``metric_not_sliceable``
    (a slice the metric has no data for, or a cohort metric: see
    :func:`retention_cohorts`)."""
    metric = get_metric(name)
    slice = slice or Slice()
    check_period(period, grain)
    if metric.shape != Shape.SERIES or not slice.names() <= metric.slices:
        raise DomainError(
            "metric_not_sliceable",
            _("This metric cannot be shown this way."),
        )
    previous = period.previous()
    span = Period(previous.start, period.end)
    tally = _Buckets()
    totals = _Buckets()
    rows = _bucket_rows(metric, span, slice, grain=grain, current=period.start)
    for in_current, start, currency, column, value in rows:
        tally.add((in_current, start), currency, column, value)
        totals.add((in_current,), currency, column, value)
    currencies: list[str | None] = (
        sorted(tally.currencies) if metric.per_currency else [None]
    )

    def points(current: bool, of: Period) -> list[Point]:
        return [
            Point(start, metric.value(tally.sums((current, start), currency)), currency)
            for start in buckets(of, grain)
            for currency in currencies
        ]

    return MetricSeries(
        metric=metric,
        period=period,
        previous_period=previous,
        grain=grain,
        slice=slice,
        points=points(True, period),
        previous_points=points(False, previous),
        totals=[
            Total(
                metric.value(totals.sums((True,), currency)),
                metric.value(totals.sums((False,), currency)),
                currency,
            )
            for currency in currencies
        ],
    )


def list_metrics() -> tuple[Metric, ...]:
    return METRICS


# --- Cohorts --------------------------------------------------------------------


@dataclass(frozen=True)
class CohortRow:
    cohort: date  # the month (its first day)
    size: int
    # retained[k]: the share of the cohort active k months after (k=0 is 1.0).
    retained: list[float]


COHORT_METRICS = {
    "customer_retention": CohortRole.CUSTOMER,
    "provider_retention": CohortRole.PROVIDER,
}


def _months_between(first: date, later: date) -> int:
    return (later.year - first.year) * 12 + later.month - first.month


def retention_cohorts(name: str, *, period: Period) -> list[CohortRow]:
    """Monthly cohorts whose first month falls in ``period``: each cohort's
    size and the share active in each later month (up to ``period.end``)."""
    metric = get_metric(name)
    check_period(period, Grain.MONTH)
    if metric.shape != Shape.COHORT:
        raise DomainError(
            "metric_not_sliceable", _("This metric is not a retention cohort.")
        )
    role = COHORT_METRICS[metric.name]
    first, last = period.start.replace(day=1), period.end.replace(day=1)
    grid: dict[date, dict[int, int]] = defaultdict(dict)
    rows = (
        CohortActivity.objects.filter(
            role=role, cohort__gte=first, cohort__lte=last, month__lte=last
        )
        .values("cohort", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        grid[row["cohort"]][_months_between(row["cohort"], row["month"])] = row["n"]
    result = []
    for cohort in sorted(grid):
        size = grid[cohort].get(0, 0)
        span = _months_between(cohort, last)
        result.append(
            CohortRow(
                cohort,
                size,
                [
                    grid[cohort].get(k, 0) / size if size else 0.0
                    for k in range(span + 1)
                ],
            )
        )
    return result


# --- A provider's own figures ----------------------------------------------------


@dataclass(frozen=True)
class Amount:
    amount: int  # minor units
    currency: str


@dataclass(frozen=True)
class ProviderMonth:
    month: date
    views: int
    bookings: int
    completed: int
    earnings: list[Amount]  # one per currency, never added together
    reviews: int
    average_rating: float | None


@dataclass(frozen=True)
class ProviderInsights:
    period: Period
    months: list[ProviderMonth]
    views: int
    bookings: int
    # Medians over the orders placed in the period, in seconds; ``None``
    # without answered orders.
    response_time_median: float | None
    marketplace_response_time_median: float | None


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def provider_insights(provider, *, period: Period) -> ProviderInsights:
    """``provider``'s own figures per month of ``period``: listing views,
    bookings, completed orders, earnings per currency (what the ledger credited
    to their pending balance, net of refunds taken back), reviews and rating;
    and their median response time beside the marketplace's. Reads only rows
    of this provider (and the marketplace's rollups)."""
    from doorstep.analytics.models import ListingViewDay
    from doorstep.analytics.rollups import (
        DayRange,
        bookings,
        day_of,
        order_durations,
    )
    from doorstep.orders.models import OrderEvent
    from doorstep.orders.states import OrderState
    from doorstep.payments.models import AccountKind, Posting
    from doorstep.reviews.models import Direction, Review

    check_period(period, Grain.MONTH)
    span = DayRange(period.start, period.end)
    months = buckets(period, Grain.MONTH)
    views: dict[date, int] = defaultdict(int)
    for day, count in ListingViewDay.objects.filter(
        provider_id=provider.pk, day__gte=period.start, day__lte=period.end
    ).values_list("day", "views"):
        views[bucket_of(day, Grain.MONTH)] += count
    booked: dict[date, int] = defaultdict(int)
    completed: dict[date, int] = defaultdict(int)
    order_ids = []
    for pk, created_at, state in (
        bookings()
        .filter(span.moments("created_at"), provider=provider)
        .values_list("pk", "created_at", "state")
    ):
        month = bucket_of(day_of(created_at), Grain.MONTH)
        booked[month] += 1
        completed[month] += state == OrderState.COMPLETED
        order_ids.append(pk)
    earned: dict[tuple[date, str], int] = defaultdict(int)
    for at, currency, amount in (
        Posting.objects.filter(
            span.moments("entry__created_at"),
            account__provider=provider,
            account__kind=AccountKind.PROVIDER_PENDING,
        )
        .exclude(entry__kind="clearing")
        .values_list("entry__created_at", "currency", "amount")
    ):
        earned[(bucket_of(day_of(at), Grain.MONTH), currency)] -= amount
    ratings: dict[date, list[int]] = defaultdict(list)
    for at, stars in Review.objects.filter(
        span.moments("created_at"),
        provider=provider,
        direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
        hidden_at__isnull=True,
    ).values_list("created_at", "stars"):
        ratings[bucket_of(day_of(at), Grain.MONTH)].append(stars)
    histories: dict[int, list] = defaultdict(list)
    for order_id, from_state, to_state, at in (
        OrderEvent.objects.filter(order_id__in=order_ids)
        .order_by("order_id", "created_at", "pk")
        .values_list("order_id", "from_state", "to_state", "created_at")
    ):
        histories[order_id].append((from_state, to_state, at))
    responses = [
        found["response"]
        for history in histories.values()
        if "response" in (found := order_durations(history))
    ]
    marketplace = metric_series(
        "response_time_median", period=period, grain=Grain.MONTH
    ).totals[0]
    result = [
        ProviderMonth(
            month=month,
            views=views[month],
            bookings=booked[month],
            completed=completed[month],
            earnings=[
                Amount(amount, currency)
                for (at, currency), amount in sorted(earned.items())
                if at == month
            ],
            reviews=len(ratings[month]),
            average_rating=(
                sum(ratings[month]) / len(ratings[month]) if ratings[month] else None
            ),
        )
        for month in months
    ]
    return ProviderInsights(
        period=period,
        months=result,
        views=sum(views.values()),
        bookings=sum(booked.values()),
        response_time_median=_median(responses),
        marketplace_response_time_median=marketplace.value,
    )
