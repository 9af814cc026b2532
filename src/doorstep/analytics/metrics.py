"""Every metric ops read, defined once: its name, what it means (shown beside
its chart, translated), its unit, and how it is computed from the rollups.

A metric names the fact columns it sums (``"orders.bookings"``: the
``bookings`` column of ``DailyOrderFacts``) and a ``value`` function of those
sums for one bucket of time. ``analytics.queries`` sums the columns over the
bucket's days and the slice, then calls ``value``. So week, month and any
period are sums of days, and a metric means the same in a chart, a CSV and the
API.

Money metrics (``Unit.MONEY`` and per-currency ratios) are computed *per
currency*: the sums handed to ``value`` are of one currency's rows, and the
answer carries the currency. Amounts of two currencies are never added.

Adding a metric: add a ``Metric`` to ``METRICS`` below; the API, the CSV
export and (later) the dashboard pick it up. ``tests/test_metrics.py`` checks
each on a hand-built history.

Families (fact tables) and their columns:

- ``orders`` (``DailyOrderFacts``, by the day placed, per currency): placed,
  bookings, first_bookings, repeat_bookings, gmv_orders, gmv_amount, completed,
  cancelled, no_shows, disputed, unfilled;
- ``money`` (``DailyMoneyFacts``, by the day money moved, per currency):
  captured, refunded, commission, service_fees, cancellation_fees;
- ``satisfaction``: reviews, stars_sum, csat_answers, csat_sum, nps_answers,
  nps_promoters, nps_detractors;
- ``searches``: searches, zero_result;
- ``providers`` (by sign-up day; no category): new_providers, activated;
- ``durations``: histograms ``response`` and ``acceptance``.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from doorstep.analytics.models import DURATION_BUCKETS


class Unit(StrEnum):
    COUNT = "count"  # a number of things
    MONEY = "money"  # minor units of the point's currency
    RATIO = "ratio"  # a share from 0 to 1
    DURATION = "duration"  # seconds
    SCORE = "score"  # an average on the metric's own scale (stars, CSAT, NPS)


class Shape(StrEnum):
    SERIES = "series"  # a value per bucket of time
    COHORT = "cohort"  # a grid: cohort month × months since


class Sums:
    """The summed fact columns of one bucket (and currency, for money)."""

    def __init__(
        self,
        columns: Mapping[str, int] | None = None,
        histograms: Mapping[str, Mapping[int, tuple[int, int]]] | None = None,
    ) -> None:
        self.columns = dict(columns or {})
        # measure → {bucket: (count, seconds_sum)}
        self.histograms = {k: dict(v) for k, v in (histograms or {}).items()}

    def __getitem__(self, column: str) -> int:
        return self.columns.get(column, 0)

    def quantile(self, measure: str, q: float) -> float | None:
        """The ``q`` quantile of a duration histogram, as the upper bound of
        the bucket it falls in (the open last bucket: its mean)."""
        buckets = self.histograms.get(measure, {})
        total = sum(count for count, _seconds in buckets.values())
        if not total:
            return None
        running = 0
        for bucket in sorted(buckets):
            count, seconds = buckets[bucket]
            running += count
            if running >= q * total:
                if bucket < len(DURATION_BUCKETS):
                    return float(DURATION_BUCKETS[bucket])
                return seconds / count
        return None  # pragma: no cover - running reaches total


def ratio(numerator: str, denominator: str) -> Callable[[Sums], float | None]:
    def value(sums: Sums) -> float | None:
        below = sums[denominator]
        return sums[numerator] / below if below else None

    return value


def total(*columns: str) -> Callable[[Sums], int]:
    def value(sums: Sums) -> int:
        return sum(sums[column] for column in columns)

    return value


NET_REVENUE_COLUMNS = (
    "money.commission",
    "money.service_fees",
    "money.cancellation_fees",
)


@dataclass(frozen=True)
class Metric:
    name: str
    label: Promise
    definition: Promise
    unit: Unit
    columns: tuple[str, ...]  # "family.column", or "durations.<measure>"
    value: Callable[[Sums], float | int | None]
    per_currency: bool = False
    shape: Shape = Shape.SERIES
    higher_is_better: bool = True
    # The slices it can be cut by (providers have no category).
    slices: frozenset[str] = field(
        default_factory=lambda: frozenset({"category", "city", "cell"})
    )

    @property
    def families(self) -> frozenset[str]:
        return frozenset(column.split(".", 1)[0] for column in self.columns)


def _quantile(measure: str, q: float) -> Callable[[Sums], float | None]:
    return lambda sums: sums.quantile(measure, q)


def _nps(sums: Sums) -> float | None:
    answers = sums["satisfaction.nps_answers"]
    if not answers:
        return None
    promoters = sums["satisfaction.nps_promoters"]
    detractors = sums["satisfaction.nps_detractors"]
    return 100 * (promoters - detractors) / answers


def _take_rate(sums: Sums) -> float | None:
    gmv = sums["orders.gmv_amount"]
    return total(*NET_REVENUE_COLUMNS)(sums) / gmv if gmv else None


_PLACE_ONLY = frozenset({"city", "cell"})

METRICS: tuple[Metric, ...] = (
    Metric(
        "gmv",
        _("GMV"),
        _(
            "Gross merchandise value: the providers' prices (before the service "
            "fee and discounts) of the orders placed in the period whose payment "
            "was taken, refunded or not. Per currency."
        ),
        Unit.MONEY,
        ("orders.gmv_amount",),
        total("orders.gmv_amount"),
        per_currency=True,
    ),
    Metric(
        "net_revenue",
        _("Net revenue"),
        _(
            "The platform's fee income booked in the period: commission, "
            "customers' service fees and cancellation fees, less what was given "
            "back of them. Per currency."
        ),
        Unit.MONEY,
        NET_REVENUE_COLUMNS,
        total(*NET_REVENUE_COLUMNS),
        per_currency=True,
    ),
    Metric(
        "refunds",
        _("Refunds"),
        _("Money given back to customers in the period, per currency."),
        Unit.MONEY,
        ("money.refunded",),
        total("money.refunded"),
        per_currency=True,
        higher_is_better=False,
    ),
    Metric(
        "orders",
        _("Orders"),
        _(
            "Orders placed in the period and paid for (or to be paid after the "
            "service); unpaid and free warranty redos left out."
        ),
        Unit.COUNT,
        ("orders.bookings",),
        total("orders.bookings"),
    ),
    Metric(
        "average_order_value",
        _("Average order value"),
        _("GMV divided by the number of orders in it (per currency)."),
        Unit.MONEY,
        ("orders.gmv_amount", "orders.gmv_orders"),
        ratio("orders.gmv_amount", "orders.gmv_orders"),
        per_currency=True,
    ),
    Metric(
        "take_rate",
        _("Take rate"),
        _("Net revenue as a share of GMV, in the same currency and period."),
        Unit.RATIO,
        (*NET_REVENUE_COLUMNS, "orders.gmv_amount"),
        _take_rate,
        per_currency=True,
    ),
    Metric(
        "new_customers",
        _("New customers"),
        _("Customers whose first order ever was placed in the period."),
        Unit.COUNT,
        ("orders.first_bookings",),
        total("orders.first_bookings"),
    ),
    Metric(
        "repeat_rate",
        _("Repeat rate"),
        _(
            "The share of the period's orders placed by customers who had ordered "
            "before."
        ),
        Unit.RATIO,
        ("orders.repeat_bookings", "orders.bookings"),
        ratio("orders.repeat_bookings", "orders.bookings"),
    ),
    Metric(
        "new_providers",
        _("New providers"),
        _("Providers who signed up in the period (by where they are based)."),
        Unit.COUNT,
        ("providers.new_providers",),
        total("providers.new_providers"),
        slices=_PLACE_ONLY,
    ),
    Metric(
        "provider_activation",
        _("Provider activation"),
        _(
            "Of the providers who signed up in the period, the share whose first "
            "completed order came within 30 days of signing up."
        ),
        Unit.RATIO,
        ("providers.activated", "providers.new_providers"),
        ratio("providers.activated", "providers.new_providers"),
        slices=_PLACE_ONLY,
    ),
    Metric(
        "average_rating",
        _("Average rating"),
        _(
            "The average stars of customers' reviews of providers written in the "
            "period (hidden reviews left out)."
        ),
        Unit.SCORE,
        ("satisfaction.stars_sum", "satisfaction.reviews"),
        ratio("satisfaction.stars_sum", "satisfaction.reviews"),
    ),
    Metric(
        "csat",
        _("CSAT"),
        _(
            "The average answer (1–5) to the follow-up survey's satisfaction question,"
            " answers given in the period."
        ),
        Unit.SCORE,
        ("satisfaction.csat_sum", "satisfaction.csat_answers"),
        ratio("satisfaction.csat_sum", "satisfaction.csat_answers"),
    ),
    Metric(
        "nps",
        _("NPS"),
        _(
            "Net promoter score: the percentage of answers 9–10 minus the "
            "percentage of answers 0–6 to the recommendation question, from −100 "
            "to 100."
        ),
        Unit.SCORE,
        (
            "satisfaction.nps_answers",
            "satisfaction.nps_promoters",
            "satisfaction.nps_detractors",
        ),
        _nps,
    ),
    Metric(
        "cancellation_rate",
        _("Cancellation rate"),
        _("The share of the period's orders that ended cancelled (by anyone)."),
        Unit.RATIO,
        ("orders.cancelled", "orders.bookings"),
        ratio("orders.cancelled", "orders.bookings"),
        higher_is_better=False,
    ),
    Metric(
        "no_show_rate",
        _("No-show rate"),
        _(
            "The share of the period's orders where the customer or the provider did "
            "not show."
        ),
        Unit.RATIO,
        ("orders.no_shows", "orders.bookings"),
        ratio("orders.no_shows", "orders.bookings"),
        higher_is_better=False,
    ),
    Metric(
        "dispute_rate",
        _("Dispute rate"),
        _("The share of the period's orders that went into a dispute at some point."),
        Unit.RATIO,
        ("orders.disputed", "orders.bookings"),
        ratio("orders.disputed", "orders.bookings"),
        higher_is_better=False,
    ),
    Metric(
        "response_time_median",
        _("Provider response time (median)"),
        _(
            "From an order being paid for to the provider accepting or declining it: "
            "the median, for orders placed in the period (to the histogram's bucket)."
        ),
        Unit.DURATION,
        ("durations.response",),
        _quantile("response", 0.5),
        higher_is_better=False,
    ),
    Metric(
        "response_time_p90",
        _("Provider response time (90th percentile)"),
        _(
            "As the median response time, but the time nine orders in ten were "
            "answered within."
        ),
        Unit.DURATION,
        ("durations.response",),
        _quantile("response", 0.9),
        higher_is_better=False,
    ),
    Metric(
        "acceptance_time_median",
        _("Acceptance time (median)"),
        _(
            "From an order being paid for to someone accepting it (the provider, or a "
            "worker for dispatched orders): the median, for orders placed in the "
            "period."
        ),
        Unit.DURATION,
        ("durations.acceptance",),
        _quantile("acceptance", 0.5),
        higher_is_better=False,
    ),
    Metric(
        "acceptance_time_p90",
        _("Acceptance time (90th percentile)"),
        _(
            "As the median acceptance time, but the time nine orders in ten were "
            "accepted within."
        ),
        Unit.DURATION,
        ("durations.acceptance",),
        _quantile("acceptance", 0.9),
        higher_is_better=False,
    ),
    Metric(
        "searches",
        _("Searches"),
        _("Searches run in the period (on the web and through the API)."),
        Unit.COUNT,
        ("searches.searches",),
        total("searches.searches"),
    ),
    Metric(
        "zero_result_rate",
        _("Zero-result searches"),
        _(
            "The share of the period's searches that found nothing: demand nobody "
            "offers."
        ),
        Unit.RATIO,
        ("searches.zero_result", "searches.searches"),
        ratio("searches.zero_result", "searches.searches"),
        higher_is_better=False,
    ),
    Metric(
        "search_conversion",
        _("Search-to-booking conversion"),
        _(
            "Orders placed per search run, in the same period and slice (searches are "
            "not linked to people, so this is a ratio of counts)."
        ),
        Unit.RATIO,
        ("orders.bookings", "searches.searches"),
        ratio("orders.bookings", "searches.searches"),
    ),
    Metric(
        "customer_retention",
        _("Customer retention"),
        _(
            "Of the customers whose first order was in a month, the share who ordered "
            "again in each month after (monthly cohorts)."
        ),
        Unit.RATIO,
        (),
        lambda sums: None,
        shape=Shape.COHORT,
        slices=frozenset(),
    ),
    Metric(
        "provider_retention",
        _("Provider retention"),
        _(
            "Of the providers whose first completed order was in a month, the share "
            "who completed orders in each month after (monthly cohorts)."
        ),
        Unit.RATIO,
        (),
        lambda sums: None,
        shape=Shape.COHORT,
        slices=frozenset(),
    ),
)

BY_NAME: dict[str, Metric] = {metric.name: metric for metric in METRICS}


def metric_named(name: str) -> Metric | None:
    return BY_NAME.get(name)
