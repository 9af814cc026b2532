"""Rollups: fact tables at day grain, derived from the source tables.

Every row is *derived*: ``analytics.rollups`` recomputes whole days from the
orders, the ledger, the reviews, the surveys and the recorded searches, and
nothing else writes them. A week, a month or any period is the sum of its days,
so a rebuild is cheap and a chart reads few rows.

The slice key of every fact table (``SliceKey``) is the same: the day (in the
operator's ``TIME_ZONE``), the category slug ("" when the order has no listing,
e.g. a dispatch or quote order without one), the served city's slug ("" outside
every served city) and the H3 cell at :data:`ANALYTICS_CELL_RESOLUTION` of the
order's address. Money columns are in minor units of ``currency`` and never
added across currencies; count columns may be (the query layer does so).

Design for a million orders (see ``bench/``): two years are ~730 days; at most a
few thousand slice rows per day. A chart of one metric for a year and one slice
reads one index range ``(day)`` or ``(category|city|cell, day)`` and groups by
day and currency in the database: a few thousand rows at most, whatever the
number of orders. Quantiles (response times) come from summed fixed-bucket
histograms (``DailyDurationFacts``), which stay additive.

Two grains: the cell-grain tables (``Daily*Facts``) feed the map and the cell
slices; with orders spread over many cells they barely compress (about one
row per order), so every chart not cut by cell reads the place-grain copies
(``Daily*PlaceFacts``: the same columns summed over the cells of a day,
category and city) and the unsliced duration charts read
``DailyDurationTotalFacts``. ``rollups`` writes every grain of a day in the
same recompute, from the same rows, so they cannot disagree.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Resolution 7 cells are ~5 km² (edge ~1.2 km): a neighbourhood, coarse enough
# that a day's cell rows stay few, fine enough for a heat map of a city.
ANALYTICS_CELL_RESOLUTION = 7


class PlaceKey(models.Model):
    """The slice columns of the place-grain summary tables (abstract): a fact
    table's rows summed over every cell of a (day, category, city)."""

    day = models.DateField()
    category = models.CharField(max_length=80, blank=True, default="")
    city = models.CharField(max_length=60, blank=True, default="")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.category or '-'} {self.city or '-'}"


class SliceKey(PlaceKey):
    """The slice columns every cell-grain fact table shares (abstract)."""

    cell = models.BigIntegerField(default=0)  # 0: no location

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.day} {self.category or '-'} {self.city or '-'} {self.cell}"


def _slice_indexes(prefix: str) -> list[models.Index]:
    return [
        models.Index(fields=["category", "day"], name=f"{prefix}_category_day"),
        models.Index(fields=["city", "day"], name=f"{prefix}_city_day"),
        models.Index(fields=["cell", "day"], name=f"{prefix}_cell_day"),
    ]


def _place_indexes(prefix: str) -> list[models.Index]:
    # The unique key leads with ``day``: it serves the unsliced range.
    return [
        models.Index(fields=["category", "day"], name=f"{prefix}_category_day"),
        models.Index(fields=["city", "day"], name=f"{prefix}_city_day"),
    ]


class OrderMeasures(models.Model):
    """Orders by the day they were placed (``Order.created_at``), per currency.

    An order's later fate (paid, completed, cancelled, disputed) is counted on
    the day it was *placed*: recomputing that day after each order event keeps
    it right."""

    currency = models.CharField(max_length=3)
    placed = models.PositiveIntegerField(default=0)  # every order, paid or not
    bookings = models.PositiveIntegerField(default=0)  # paid, not a free redo
    first_bookings = models.PositiveIntegerField(default=0)  # customer's first
    repeat_bookings = models.PositiveIntegerField(default=0)
    gmv_orders = models.PositiveIntegerField(default=0)  # payment captured
    gmv_amount = models.BigIntegerField(default=0)  # their subtotals
    completed = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0)
    disputed = models.PositiveIntegerField(default=0)  # ever entered a dispute
    unfilled = models.PositiveIntegerField(default=0)  # declined or expired

    class Meta:
        abstract = True


class DailyOrderFacts(SliceKey, OrderMeasures):
    """:class:`OrderMeasures` at the cell grain (the map and cell slices)."""

    class Meta:
        verbose_name = _("daily order facts")
        verbose_name_plural = _("daily order facts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city", "cell", "currency"],
                name="analytics_order_facts_key",
            )
        ]
        indexes = _slice_indexes("aof")


class MoneyMeasures(models.Model):
    """The ledger by the day money moved (``JournalEntry.created_at``), per
    currency; the slice is the entry's order's ("" for entries without one)."""

    currency = models.CharField(max_length=3)
    captured = models.BigIntegerField(default=0)  # taken from cards
    refunded = models.BigIntegerField(default=0)  # given back to customers
    commission = models.BigIntegerField(default=0)
    service_fees = models.BigIntegerField(default=0)
    cancellation_fees = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class DailyMoneyFacts(SliceKey, MoneyMeasures):
    """:class:`MoneyMeasures` at the cell grain (the map and cell slices)."""

    class Meta:
        verbose_name = _("daily money facts")
        verbose_name_plural = _("daily money facts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city", "cell", "currency"],
                name="analytics_money_facts_key",
            )
        ]
        indexes = _slice_indexes("amf")


class SatisfactionMeasures(models.Model):
    """Reviews of providers (by the day written; hidden ones left out) and
    follow-up survey answers (by the day answered), sliced by their order."""

    reviews = models.PositiveIntegerField(default=0)
    stars_sum = models.PositiveIntegerField(default=0)
    csat_answers = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    nps_answers = models.PositiveIntegerField(default=0)
    nps_promoters = models.PositiveIntegerField(default=0)
    nps_detractors = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailySatisfactionFacts(SliceKey, SatisfactionMeasures):
    """:class:`SatisfactionMeasures` at the cell grain (the map and cell slices)."""

    class Meta:
        verbose_name = _("daily satisfaction facts")
        verbose_name_plural = _("daily satisfaction facts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city", "cell"],
                name="analytics_satisfaction_facts_key",
            )
        ]
        indexes = _slice_indexes("asf")


class SearchMeasures(models.Model):
    """Searches (``SearchRecord``) by the day they were made."""

    searches = models.PositiveIntegerField(default=0)
    zero_result = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailySearchFacts(SliceKey, SearchMeasures):
    """:class:`SearchMeasures` at the cell grain (the map and cell slices)."""

    class Meta:
        verbose_name = _("daily search facts")
        verbose_name_plural = _("daily search facts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city", "cell"],
                name="analytics_search_facts_key",
            )
        ]
        indexes = _slice_indexes("asr")


class ProviderMeasures(models.Model):
    """Providers by the day they signed up, sliced by their base (category "":
    a provider is not one category). ``activated``: of them, those with a first
    completed order within :data:`doorstep.analytics.rollups.ACTIVATION_DAYS`."""

    new_providers = models.PositiveIntegerField(default=0)
    activated = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyProviderFacts(SliceKey, ProviderMeasures):
    """:class:`ProviderMeasures` at the cell grain (the map and cell slices)."""

    class Meta:
        verbose_name = _("daily provider facts")
        verbose_name_plural = _("daily provider facts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city", "cell"],
                name="analytics_provider_facts_key",
            )
        ]
        indexes = _slice_indexes("apf")


class DurationMeasure(models.TextChoices):
    # From the booking (paid) to the provider's first answer, accept or decline.
    RESPONSE = "response", _("Provider response time")
    # From the booking (paid) to the order being accepted by someone.
    ACCEPTANCE = "acceptance", _("Acceptance time")


# Upper bounds (seconds) of the histogram buckets; the last bucket is open.
DURATION_BUCKETS: tuple[int, ...] = (
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    2 * 3600,
    4 * 3600,
    8 * 3600,
    12 * 3600,
    24 * 3600,
    48 * 3600,
    7 * 24 * 3600,
)


class DurationHistogram(models.Model):
    """A histogram of durations per order's placing day: ``count`` orders took at
    most ``DURATION_BUCKETS[bucket]`` seconds (and more than the bucket before);
    ``bucket == len(DURATION_BUCKETS)`` is the open last one. Summed across days
    and slices, it still gives a median and a p90 (to the bucket's bound)."""

    measure = models.CharField(max_length=16, choices=DurationMeasure.choices)
    bucket = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)
    seconds_sum = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class DailyDurationFacts(SliceKey, DurationHistogram):
    """:class:`DurationHistogram` at the cell grain (the map and cell slices)."""

    class Meta:
        verbose_name = _("daily duration facts")
        verbose_name_plural = _("daily duration facts")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city", "cell", "measure", "bucket"],
                name="analytics_duration_facts_key",
            )
        ]
        indexes = _slice_indexes("adf")


# --- The place grain -----------------------------------------------------------------
# The same facts summed over the cells of each (day, category, city): a chart not
# cut by cell reads these (a few rows a day, whatever the number of orders).
# ``rollups`` writes them from the cell rows in the same recompute of a day.


class DailyOrderPlaceFacts(PlaceKey, OrderMeasures):
    """:class:`OrderMeasures` at the place grain (no cell)."""

    class Meta:
        verbose_name = _("daily order facts per place")
        verbose_name_plural = _("daily order facts per place")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city", "currency"],
                name="analytics_order_place_key",
            )
        ]
        indexes = _place_indexes("aopf")


class DailyMoneyPlaceFacts(PlaceKey, MoneyMeasures):
    """:class:`MoneyMeasures` at the place grain (no cell)."""

    class Meta:
        verbose_name = _("daily money facts per place")
        verbose_name_plural = _("daily money facts per place")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city", "currency"],
                name="analytics_money_place_key",
            )
        ]
        indexes = _place_indexes("ampf")


class DailySatisfactionPlaceFacts(PlaceKey, SatisfactionMeasures):
    """:class:`SatisfactionMeasures` at the place grain (no cell)."""

    class Meta:
        verbose_name = _("daily satisfaction facts per place")
        verbose_name_plural = _("daily satisfaction facts per place")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city"],
                name="analytics_satisfaction_place_key",
            )
        ]
        indexes = _place_indexes("aspf")


class DailySearchPlaceFacts(PlaceKey, SearchMeasures):
    """:class:`SearchMeasures` at the place grain (no cell)."""

    class Meta:
        verbose_name = _("daily search facts per place")
        verbose_name_plural = _("daily search facts per place")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city"],
                name="analytics_search_place_key",
            )
        ]
        indexes = _place_indexes("asrp")


class DailyProviderPlaceFacts(PlaceKey, ProviderMeasures):
    """:class:`ProviderMeasures` at the place grain (no cell)."""

    class Meta:
        verbose_name = _("daily provider facts per place")
        verbose_name_plural = _("daily provider facts per place")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city"],
                name="analytics_provider_place_key",
            )
        ]
        indexes = _place_indexes("appf")


class DailyDurationPlaceFacts(PlaceKey, DurationHistogram):
    """:class:`DurationHistogram` at the place grain (no cell)."""

    class Meta:
        verbose_name = _("daily duration facts per place")
        verbose_name_plural = _("daily duration facts per place")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "category", "city", "measure", "bucket"],
                name="analytics_duration_place_key",
            )
        ]
        indexes = _place_indexes("adpf")


class DailyDurationTotalFacts(DurationHistogram):
    """:class:`DurationHistogram` of every place together, per day: the
    histograms have measures × buckets rows per (day, category, city), too many
    for a year of unsliced charts at the place grain; this table has at most
    measures × buckets rows a day."""

    day = models.DateField()

    class Meta:
        verbose_name = _("daily duration facts, all places")
        verbose_name_plural = _("daily duration facts, all places")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "measure", "bucket"],
                name="analytics_duration_total_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.bucket}"


class CohortRole(models.TextChoices):
    CUSTOMER = "customer", _("Customers")
    PROVIDER = "provider", _("Providers")


class CohortActivity(models.Model):
    """One party active in one month: a customer who booked, a provider who
    completed an order. ``cohort`` is the month of the party's first such
    activity; months are first days. Recomputed per party from its orders."""

    role = models.CharField(max_length=10, choices=CohortRole.choices)
    party_id = models.BigIntegerField()  # user id (customer), provider profile id
    month = models.DateField()
    cohort = models.DateField()
    orders = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("cohort activity")
        verbose_name_plural = _("cohort activity")
        constraints = [
            models.UniqueConstraint(
                fields=["role", "party_id", "month"], name="analytics_cohort_key"
            )
        ]
        indexes = [
            models.Index(fields=["role", "cohort", "month"], name="acohort_grid"),
        ]

    def __str__(self) -> str:
        return f"{self.role} {self.party_id} {self.month:%Y-%m}"


class SearchRecord(models.Model):
    """One search someone ran, kept privacy-safe: no text, no person, no exact
    place — only when, the category and city asked for, the analytics cell of
    the point searched around, and how many results came back."""

    created_at = models.DateTimeField(db_index=True)
    category = models.CharField(max_length=80, blank=True, default="")
    city = models.CharField(max_length=60, blank=True, default="")
    cell = models.BigIntegerField(default=0)
    results = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("search record")
        verbose_name_plural = _("search records")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.category} {self.results}"


class LedgerCursor(models.Model):
    """How far the ledger follower has read: the last journal entry id whose
    days were recomputed. One row (``name="ledger"``)."""

    name = models.CharField(max_length=20, unique=True)
    last_entry_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_entry_id}"


class ListingViewDay(models.Model):
    """How many times a listing's page was seen on one day: the top of a
    provider's "views → bookings" funnel. Counts only, no viewer."""

    listing_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("listing views per day")
        verbose_name_plural = _("listing views per day")
        constraints = [
            models.UniqueConstraint(
                fields=["listing_id", "day"], name="analytics_listing_view_day"
            )
        ]
        indexes = [models.Index(fields=["provider_id", "day"], name="alv_provider")]

    def __str__(self) -> str:
        return f"{self.listing_id} {self.day}: {self.views}"


class SupplyDemandCell(models.Model):
    """Supply and demand in one H3 cell (resolution
    :data:`ANALYTICS_CELL_RESOLUTION`) at one hour of the week, over the last
    :data:`doorstep.analytics.supply_demand.WINDOW_WEEKS` weeks (totals; pages
    divide by the weeks). Derived by ``analytics.supply_demand.rebuild`` and
    nothing else; see that module for the definitions."""

    cell = models.BigIntegerField()
    hour_of_week = models.PositiveSmallIntegerField()  # 0: Monday 00:00–01:00
    searches = models.PositiveIntegerField(default=0)
    quote_requests = models.PositiveIntegerField(default=0)
    dispatch_orders = models.PositiveIntegerField(default=0)
    bookings = models.PositiveIntegerField(default=0)
    available_minutes = models.PositiveIntegerField(default=0)
    claimed_minutes = models.PositiveIntegerField(default=0)
    free_minutes = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("supply and demand per cell and hour")
        verbose_name_plural = _("supply and demand per cell and hour")
        constraints = [
            models.UniqueConstraint(
                fields=["hour_of_week", "cell"], name="analytics_supply_demand_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cell} @{self.hour_of_week}"

    @property
    def demand(self) -> int:
        return self.searches + self.quote_requests + self.dispatch_orders

    @property
    def unfilled(self) -> int:
        return max(self.demand - self.bookings, 0)

    @property
    def fill_rate(self) -> float | None:
        return min(self.bookings / self.demand, 1.0) if self.demand else None
