"""The analytics API: every metric, cut by time, category, city and H3 cell,
with the previous period beside it; CSV of any series; retention cohorts; and a
provider's own figures.

Ops endpoints (``/analytics/…``) need the back office (a session or token that
passed the second factor: 403 ``ops_mfa_required`` for staff without, 404 for
everyone else) and a role that sees finance (403 ``ops_permission_required``).
``/me/insights`` is the calling provider's own figures only.
"""

import csv
import io
from datetime import date

import h3
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from doorstep.analytics import queries
from doorstep.analytics.metrics import Metric
from doorstep.analytics.queries import Grain, Period, Slice
from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import (
    OpsPermission,
    require_back_office,
    require_ops_permission,
)
from doorstep.catalog.services import provider_of
from doorstep.core.errors import DomainError

router = Router(tags=["analytics"])


# --- Schemas ---------------------------------------------------------------------


class MetricOut(Schema):
    name: str
    label: str
    definition: str = Field(description="What the figure means; shown beside it.")
    unit: str = Field(description="count, money (minor units), ratio, duration, score")
    per_currency: bool = Field(description="One value per currency, never summed.")
    shape: str = Field(description="series, or cohort (GET /analytics/cohorts/…)")
    higher_is_better: bool
    slices: list[str] = Field(description="Which of category, city, cell apply.")


class MetricsOut(Schema):
    items: list[MetricOut]


class PeriodOut(Schema):
    start: date
    end: date


class SliceOut(Schema):
    category: str
    city: str
    cell: str | None = Field(description="H3 cell (hex), null: everywhere.")


class PointOut(Schema):
    start: date = Field(description="First day of the bucket.")
    value: float | None = Field(description="Null: no data (e.g. no orders).")
    currency: str | None


class TotalOut(Schema):
    currency: str | None
    value: float | None
    previous: float | None = Field(description="The previous period's value.")
    change: float | None = Field(description="Relative change; 0.1 is +10 %.")


class SeriesOut(Schema):
    metric: MetricOut
    grain: str
    period: PeriodOut
    previous_period: PeriodOut
    slice: SliceOut
    points: list[PointOut]
    previous_points: list[PointOut]
    totals: list[TotalOut]


class SeriesIn(InputSchema):
    start: date = Field(description="First day (operator's time zone).")
    end: date = Field(description="Last day, included.")
    grain: Grain = Grain.DAY
    category: str = Field("", max_length=80, description="Category slug.")
    city: str = Field("", max_length=60, description="City slug.")
    cell: str = Field(
        "", max_length=20, description="H3 cell (hex) at the analytics resolution."
    )


class CohortOut(Schema):
    cohort: date
    size: int
    retained: list[float] = Field(
        description="Share of the cohort active 0, 1, 2… months after its first."
    )


class CohortsOut(Schema):
    metric: MetricOut
    items: list[CohortOut]


class PeriodIn(InputSchema):
    start: date
    end: date


class AmountOut(Schema):
    amount: int
    currency: str


class ProviderMonthOut(Schema):
    month: date
    views: int
    bookings: int
    completed: int
    earnings: list[AmountOut]
    reviews: int
    average_rating: float | None


class ProviderInsightsOut(Schema):
    period: PeriodOut
    months: list[ProviderMonthOut]
    views: int
    bookings: int
    response_time_median: float | None = Field(description="Seconds.")
    marketplace_response_time_median: float | None = Field(
        description="Seconds, all providers (to the histogram's bucket)."
    )


# --- Helpers -------------------------------------------------------------------------


def _ops(request: HttpRequest) -> None:
    user = require_back_office(request)
    require_ops_permission(user, OpsPermission.VIEW_FINANCE)


def _metric_out(metric: Metric) -> dict:
    return {
        "name": metric.name,
        "label": str(metric.label),
        "definition": str(metric.definition),
        "unit": metric.unit.value,
        "per_currency": metric.per_currency,
        "shape": metric.shape.value,
        "higher_is_better": metric.higher_is_better,
        "slices": sorted(metric.slices),
    }


def _cell(text: str) -> int:
    if not text:
        return 0
    try:
        valid = h3.is_valid_cell(text)
    except (TypeError, ValueError):
        valid = False
    if not valid:
        raise DomainError(
            "invalid_input",
            _("Some fields are not valid."),
            fields={"cell": [_("Not an H3 cell.")]},
        )
    return h3.str_to_int(text)


def _series(name: str, params: SeriesIn) -> queries.MetricSeries:
    return queries.metric_series(
        name,
        period=Period(params.start, params.end),
        grain=params.grain,
        slice=Slice(params.category, params.city, _cell(params.cell)),
    )


def _series_out(series: queries.MetricSeries) -> dict:
    def period(of: Period) -> dict:
        return {"start": of.start, "end": of.end}

    def points(items) -> list[dict]:
        return [point.__dict__ for point in items]

    return {
        "metric": _metric_out(series.metric),
        "grain": series.grain.value,
        "period": period(series.period),
        "previous_period": period(series.previous_period),
        "slice": {
            "category": series.slice.category,
            "city": series.slice.city,
            "cell": h3.int_to_str(series.slice.cell) if series.slice.cell else None,
        },
        "points": points(series.points),
        "previous_points": points(series.previous_points),
        "totals": [
            {
                "currency": total.currency,
                "value": total.value,
                "previous": total.previous,
                "change": total.change,
            }
            for total in series.totals
        ],
    }


def series_csv(series: queries.MetricSeries) -> HttpResponse:
    """One row per bucket (and currency): the period's value and the previous
    period's value of the same position."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["metric", "start", "currency", "value", "previous_start", "previous_value"]
    )
    previous = series.previous_points
    for index, point in enumerate(series.points):
        before = previous[index] if index < len(previous) else None
        writer.writerow(
            [
                series.metric.name,
                point.start.isoformat(),
                point.currency or "",
                "" if point.value is None else point.value,
                before.start.isoformat() if before else "",
                "" if before is None or before.value is None else before.value,
            ]
        )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"{series.metric.name}-{series.period.start}-{series.period.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Endpoints -----------------------------------------------------------------------


@router.get(
    "/analytics/metrics",
    response=MetricsOut,
    summary="Every metric, with its definition (ops)",
)
def list_metrics(request: HttpRequest) -> dict:
    _ops(request)
    return {"items": [_metric_out(metric) for metric in queries.list_metrics()]}


@router.get(
    "/analytics/metrics/{name}/series",
    response=SeriesOut,
    summary="A metric over a period, by day, week or month (ops)",
    description="Cut by category, city or H3 cell; with the previous period of "
    "the same length and the change between them. Money metrics give one point "
    "per bucket and currency.",
)
def get_series(request: HttpRequest, name: str, params: Query[SeriesIn]) -> dict:
    _ops(request)
    return _series_out(_series(name, params))


@router.get(
    "/analytics/metrics/{name}/series.csv",
    response={200: None},
    summary="A metric's series as CSV (ops)",
    openapi_extra={
        "responses": {
            200: {
                "description": "One row per bucket (and currency).",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_series_csv(
    request: HttpRequest, name: str, params: Query[SeriesIn]
) -> HttpResponse:
    _ops(request)
    return series_csv(_series(name, params))


@router.get(
    "/analytics/cohorts/{name}",
    response=CohortsOut,
    summary="Monthly retention cohorts (ops)",
    description="For customer_retention or provider_retention: the cohorts whose "
    "first month is in the period, and the share active in each month after.",
)
def get_cohorts(request: HttpRequest, name: str, params: Query[PeriodIn]) -> dict:
    _ops(request)
    rows = queries.retention_cohorts(name, period=Period(params.start, params.end))
    return {
        "metric": _metric_out(queries.get_metric(name)),
        "items": [row.__dict__ for row in rows],
    }


@router.get(
    "/me/insights",
    response=ProviderInsightsOut,
    summary="Your figures as a provider",
    description="Per month: views of your listings, bookings, completed orders, "
    "earnings per currency, reviews and rating; your median response time beside "
    "the marketplace's. Only your own.",
)
def get_my_insights(request: HttpRequest, params: Query[PeriodIn]) -> dict:
    provider = provider_of(request.auth)  # type: ignore[attr-defined]
    insights = queries.provider_insights(
        provider, period=Period(params.start, params.end)
    )
    return {
        "period": {"start": insights.period.start, "end": insights.period.end},
        "months": [
            {
                **month.__dict__,
                "earnings": [amount.__dict__ for amount in month.earnings],
            }
            for month in insights.months
        ],
        "views": insights.views,
        "bookings": insights.bookings,
        "response_time_median": insights.response_time_median,
        "marketplace_response_time_median": insights.marketplace_response_time_median,
    }


# --- Supply and demand map ---------------------------------------------------------


class SupplyDemandIn(Schema):
    hour: int | None = Field(
        None,
        ge=0,
        le=167,
        description="Hour of the week, 0 (Monday 00:00) to 167; none: the week.",
    )
    limit: int = Field(500, ge=1, le=5000, description="At most this many cells.")


class SupplyDemandCellOut(Schema):
    cell: str = Field(description="H3 cell (hex) at the analytics resolution.")
    boundary: list[list[float]] = Field(description="The cell's [lat, lng] corners.")
    searches: float = Field(description="Per week of the window.")
    quote_requests: float
    dispatch_orders: float
    demand: float = Field(description="Searches + quote requests + dispatch orders.")
    bookings: float
    unfilled: float = Field(description="Demand − bookings, at least 0.")
    fill_rate: float | None = Field(description="Bookings ÷ demand, at most 1.")
    free_hours: float = Field(description="Free provider hours per week.")


class SupplyDemandOut(Schema):
    window_weeks: int
    hour: int | None
    items: list[SupplyDemandCellOut] = Field(
        description="The most unfilled demand first."
    )


@router.get(
    "/analytics/supply-demand",
    response=SupplyDemandOut,
    summary="Supply and demand per H3 cell and hour of the week (ops)",
    description="Over the last weeks (window_weeks): demand (searches, quote "
    "requests, dispatch orders), bookings, fill rate, unfilled demand and free "
    "provider hours, per week, per cell; at one hour of the week or the whole week.",
)
def get_supply_demand(request: HttpRequest, params: Query[SupplyDemandIn]) -> dict:
    from doorstep.analytics import supply_demand

    _ops(request)
    cells = supply_demand.cells_at(params.hour)[: params.limit]
    return {
        "window_weeks": supply_demand.WINDOW_WEEKS,
        "hour": params.hour,
        "items": [
            {
                "cell": item.hex,
                "boundary": item.boundary(),
                "searches": item.weekly_searches,
                "quote_requests": item.weekly_quote_requests,
                "dispatch_orders": item.weekly_dispatch_orders,
                "demand": item.demand,
                "bookings": item.filled,
                "unfilled": item.unfilled,
                "fill_rate": item.fill_rate,
                "free_hours": item.free_hours,
            }
            for item in cells
        ],
    }
