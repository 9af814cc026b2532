"""The ops analytics dashboard (``/ops/analytics/``), its CSV downloads, the
supply and demand map page, and a provider's insights page.

Every figure comes from ``analytics.queries`` (the same as the API and its CSV):
a chart per metric with its definition beside it, a table of the same numbers
under it, the previous period beside each total. Money is per currency, never
added. Chart data reaches the page through ``json_script`` (the policy allows
no inline script); ``analytics/dashboard.js`` draws it with the vendored
Chart.js.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from doorstep.analytics import queries
from doorstep.analytics.api import series_csv
from doorstep.analytics.metrics import Metric, Shape, Unit
from doorstep.analytics.queries import Grain, Period, Slice
from doorstep.analytics.rollups import today
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.backoffice.views import ops_page
from doorstep.core.errors import DomainError
from doorstep.core.money import Money, minor_units
from doorstep.web.templatetags.doorstep_ui import money

# How many days a grain shows by default (ending today).
DEFAULT_DAYS = {Grain.DAY: 30, Grain.WEEK: 12 * 7, Grain.MONTH: 365}


def _require_finance(request: HttpRequest) -> None:
    require_ops_permission(request.user, OpsPermission.VIEW_FINANCE)


# --- Reading the controls -----------------------------------------------------------


@dataclass
class Controls:
    grain: Grain
    period: Period
    slice: Slice
    errors: dict[str, str] = field(default_factory=dict)

    def query(self) -> str:
        from urllib.parse import urlencode

        params = {
            "grain": self.grain.value,
            "start": self.period.start.isoformat(),
            "end": self.period.end.isoformat(),
        }
        if self.slice.category:
            params["category"] = self.slice.category
        if self.slice.city:
            params["city"] = self.slice.city
        return urlencode(params)


def read_controls(request: HttpRequest) -> Controls:
    """Grain, period and slice from the query string; bad values fall back to
    the defaults with an error shown beside the field."""
    errors: dict[str, str] = {}
    try:
        grain = Grain(request.GET.get("grain") or Grain.DAY)
    except ValueError:
        grain = Grain.DAY
        errors["grain"] = _("Choose day, week or month.")
    end = today()
    start = end - timedelta(days=DEFAULT_DAYS[grain] - 1)
    for name in ("start", "end"):
        text = request.GET.get(name, "").strip()
        if not text:
            continue
        try:
            value = parse_date(text)
        except ValueError:
            value = None
        if value is None:
            errors[name] = _("Enter a date as YYYY-MM-DD.")
        elif name == "start":
            start = value
        else:
            end = value
    period = Period(start, end)
    try:
        queries.check_period(period, grain)
    except DomainError as error:
        errors.update({key: str(messages[0]) for key, messages in error.fields.items()})
        end = today()
        period = Period(end - timedelta(days=DEFAULT_DAYS[grain] - 1), end)
    slice = Slice(
        category=request.GET.get("category", "")[:80],
        city=request.GET.get("city", "")[:60],
    )
    return Controls(grain, period, slice, errors)


# --- Formatting ----------------------------------------------------------------


def display(value, unit: Unit, currency: str | None = None) -> str:
    """A value as people read it: money in its currency, shares in per cent,
    durations in minutes or hours."""
    if value is None:
        return "—"
    if unit == Unit.MONEY and currency:
        return money(Money(round(value), currency))
    if unit == Unit.RATIO:
        return f"{value * 100:.1f} %"
    if unit == Unit.DURATION:
        if value < 3600:
            return _("%(minutes)s min") % {"minutes": round(value / 60)}
        return _("%(hours)s h") % {"hours": f"{value / 3600:.1f}"}
    if unit == Unit.SCORE:
        return f"{value:.2f}"
    return f"{round(value):,}"


def chart_value(value, unit: Unit, currency: str | None = None):
    """A value as the chart's axis shows it (money in major units, shares in
    per cent, durations in minutes)."""
    if value is None:
        return None
    if unit == Unit.MONEY and currency:
        return value / 10 ** minor_units(currency)
    if unit == Unit.RATIO:
        return round(value * 100, 2)
    if unit == Unit.DURATION:
        return round(value / 60, 2)
    return value


def axis_label(unit: Unit) -> str:
    return {
        Unit.MONEY: _("amount"),
        Unit.RATIO: _("per cent"),
        Unit.DURATION: _("minutes"),
        Unit.SCORE: _("score"),
        Unit.COUNT: _("count"),
    }[unit]


def change_text(change: float | None) -> str:
    if change is None:
        return "—"
    return f"{change * 100:+.1f} %"


# --- The dashboard ----------------------------------------------------------------


def chart_of(series: queries.MetricSeries) -> dict:
    """Everything one chart section shows: rows for the table, totals with
    the change, and the data the script draws."""
    metric = series.metric
    currencies: list[str | None] = (
        list(series.currencies) if metric.per_currency else [None]
    )
    previous_by_index: dict[str | None, list] = {c: [] for c in currencies}
    for point in series.previous_points:
        previous_by_index.setdefault(point.currency, []).append(point)
    rows = []
    datasets = []
    labels: list[str] = []
    for currency in currencies:
        current = [p for p in series.points if p.currency == currency]
        before = previous_by_index.get(currency, [])
        if not labels:
            labels = [p.start.isoformat() for p in current]
        suffix = f" ({currency})" if currency else ""
        datasets.append(
            {
                "label": _("This period") + suffix,
                "data": [chart_value(p.value, metric.unit, currency) for p in current],
                "previous": False,
            }
        )
        datasets.append(
            {
                "label": _("Previous period") + suffix,
                "data": [chart_value(p.value, metric.unit, currency) for p in before],
                "previous": True,
            }
        )
        for index, point in enumerate(current):
            earlier = before[index] if index < len(before) else None
            rows.append(
                {
                    "start": point.start,
                    "currency": currency,
                    "value": display(point.value, metric.unit, currency),
                    "previous_start": earlier.start if earlier else None,
                    "previous": display(
                        earlier.value if earlier else None, metric.unit, currency
                    ),
                }
            )
    totals = [
        {
            "currency": total.currency,
            "value": display(total.value, metric.unit, total.currency),
            "previous": display(total.previous, metric.unit, total.currency),
            "change": change_text(total.change),
        }
        for total in series.totals
    ]
    return {
        "metric": metric,
        "script_id": f"chart-{metric.name}",
        "rows": rows,
        "totals": totals,
        "no_currency": metric.per_currency and not series.currencies,
        "data": {
            "labels": labels,
            "datasets": datasets,
            "axis": axis_label(metric.unit),
        },
    }


def heat_level(share: float) -> int:
    """0 to 10: the class a cohort cell is shaded with."""
    return max(0, min(10, round(share * 10)))


def cohort_grid(name: str, period: Period) -> dict:
    rows = queries.retention_cohorts(name, period=period)
    width = max((len(row.retained) for row in rows), default=0)
    return {
        "metric": queries.get_metric(name),
        "months": list(range(width)),
        "rows": [
            {
                "cohort": row.cohort,
                "size": row.size,
                "cells": [
                    {"share": f"{share * 100:.0f} %", "level": heat_level(share)}
                    for share in row.retained
                ],
                "blank": range(width - len(row.retained)),
            }
            for row in rows
        ],
    }


def series_metrics(controls: Controls) -> list[Metric]:
    return [
        metric
        for metric in queries.list_metrics()
        if metric.shape == Shape.SERIES and controls.slice.names() <= metric.slices
    ]


@require_GET
@ops_page
def dashboard(request: HttpRequest) -> HttpResponse:
    _require_finance(request)
    controls = read_controls(request)
    charts = [
        chart_of(
            queries.metric_series(
                metric.name,
                period=controls.period,
                grain=controls.grain,
                slice=controls.slice,
            )
        )
        for metric in series_metrics(controls)
    ]
    cohort_period = Period(
        (controls.period.end - timedelta(days=365)).replace(day=1), controls.period.end
    )
    from doorstep.catalog.models import Category
    from doorstep.marketplace.models import City

    return render(
        request,
        "analytics/dashboard.html",
        {
            "controls": controls,
            "grains": [
                (Grain.DAY, _("Day")),
                (Grain.WEEK, _("Week")),
                (Grain.MONTH, _("Month")),
            ],
            "charts": charts,
            "cohorts": [
                cohort_grid("customer_retention", cohort_period),
                cohort_grid("provider_retention", cohort_period),
            ],
            "categories": Category.objects.order_by("slug"),
            "cities": City.objects.order_by("slug"),
            "query": controls.query(),
        },
    )


@require_GET
@ops_page
def series_download(request: HttpRequest, name: str) -> HttpResponse:
    """One chart's numbers as CSV: the same export as the API's
    ``/analytics/metrics/{name}/series.csv``."""
    _require_finance(request)
    controls = read_controls(request)
    if controls.errors:
        raise Http404
    try:
        series = queries.metric_series(
            name, period=controls.period, grain=controls.grain, slice=controls.slice
        )
    except DomainError as error:
        raise Http404(error.message) from error
    return series_csv(series)


# --- Supply and demand map --------------------------------------------------


def hour_label(hour: int) -> str:
    from doorstep.scheduling.models import Weekday

    return f"{Weekday(hour // 24).label} {hour % 24:02d}:00"


@require_GET
@ops_page
def supply_demand_map(request: HttpRequest) -> HttpResponse:
    """Cells coloured by unfilled demand at an hour of the week (or the whole
    week), with the cells most short of providers in a table."""
    from django.conf import settings

    from doorstep.analytics import supply_demand

    _require_finance(request)
    error = ""
    hour: int | None = None
    text = request.GET.get("hour", "")
    if text:
        try:
            hour = int(text)
        except ValueError:
            hour = -1
        if not 0 <= hour < supply_demand.HOURS_OF_WEEK:
            error = _("Choose an hour of the week.")
            hour = None
    cells = supply_demand.cells_at(hour)
    peak = max((item.unfilled for item in cells), default=0) or 1
    features = [
        {
            "cell": item.hex,
            "boundary": item.boundary(),
            "level": heat_level(item.unfilled / peak),
            "label": _(
                "%(cell)s: demand %(demand).1f, bookings %(bookings).1f, unfilled "
                "%(unfilled).1f, free provider hours %(free).1f per week"
            )
            % {
                "cell": item.hex,
                "demand": item.demand,
                "bookings": item.filled,
                "unfilled": item.unfilled,
                "free": item.free_hours,
            },
        }
        for item in cells[:2000]
    ]
    return render(
        request,
        "analytics/supply_demand.html",
        {
            "hour": hour,
            "hours": [(h, hour_label(h)) for h in range(supply_demand.HOURS_OF_WEEK)],
            "hour_error": error,
            "top": [item for item in cells if item.unfilled > 0][:20],
            "cells_count": len(cells),
            "features": {"cells": features},
            "window_weeks": supply_demand.WINDOW_WEEKS,
            "map_tile_url": settings.DOORSTEP_MAP_TILE_URL,
            "map_attribution": settings.DOORSTEP_MAP_ATTRIBUTION,
        },
    )


# --- A provider's insights ----------------------------------------------------


def _provider_required(view):
    from doorstep.catalog.dashboard import provider_required

    return provider_required(view)


@_provider_required
@require_GET
def provider_insights(request: HttpRequest) -> HttpResponse:
    """The signed-in provider's own figures per month over the last year (or
    the chosen months): views → bookings, earnings per currency, rating, and
    their response time beside the marketplace's median."""
    provider = request.provider  # type: ignore[attr-defined]
    end = today()
    errors: dict[str, str] = {}
    months = 12
    text = request.GET.get("months", "")
    if text:
        try:
            months = int(text)
        except ValueError:
            months = 0
        if not 1 <= months <= 24:
            errors["months"] = _("Choose between 1 and 24 months.")
            months = 12
    back = end.year * 12 + end.month - 1 - (months - 1)
    start = end.replace(year=back // 12, month=back % 12 + 1, day=1)
    insights = queries.provider_insights(provider, period=Period(start, end))
    currencies = sorted(
        {amount.currency for month in insights.months for amount in month.earnings}
    )
    labels = [month.month.isoformat()[:7] for month in insights.months]
    funnel = {
        "labels": labels,
        "axis": _("count"),
        "datasets": [
            {
                "label": _("Views of your listings"),
                "data": [m.views for m in insights.months],
            },
            {"label": _("Bookings"), "data": [m.bookings for m in insights.months]},
        ],
    }
    earnings = {
        "labels": labels,
        "axis": _("amount"),
        "datasets": [
            {
                "label": currency,
                "data": [
                    sum(a.amount for a in month.earnings if a.currency == currency)
                    / 10 ** minor_units(currency)
                    for month in insights.months
                ],
            }
            for currency in currencies
        ],
    }
    rating = {
        "labels": labels,
        "axis": _("stars"),
        "datasets": [
            {
                "label": _("Average rating"),
                "data": [
                    round(m.average_rating, 2) if m.average_rating else None
                    for m in insights.months
                ],
            }
        ],
    }
    rows = [
        {
            "month": month.month,
            "views": month.views,
            "bookings": month.bookings,
            "conversion": (
                f"{month.bookings / month.views * 100:.1f} %" if month.views else "—"
            ),
            "completed": month.completed,
            "earnings": [
                money(Money(amount.amount, amount.currency))
                for amount in month.earnings
            ],
            "reviews": month.reviews,
            "rating": (f"{month.average_rating:.2f}" if month.average_rating else "—"),
        }
        for month in insights.months
    ]
    return render(
        request,
        "analytics/provider_insights.html",
        {
            "insights": insights,
            "rows": rows,
            "months": months,
            "errors": errors,
            "funnel": funnel,
            "earnings": earnings,
            "rating": rating,
            "response_time": display(insights.response_time_median, Unit.DURATION),
            "marketplace_response_time": display(
                insights.marketplace_response_time_median, Unit.DURATION
            ),
            "faster": (
                insights.response_time_median is not None
                and insights.marketplace_response_time_median is not None
                and insights.response_time_median
                <= insights.marketplace_response_time_median
            ),
        },
    )
