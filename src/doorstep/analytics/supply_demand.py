"""Supply and demand per H3 cell and hour of the week: where and when
customers ask for help that providers are not free to give.

Over the last :data:`WINDOW_WEEKS` weeks (ending today, in the operator's
``TIME_ZONE``), per analytics cell (resolution
:data:`~doorstep.analytics.models.ANALYTICS_CELL_RESOLUTION`) and hour of the
week (0 is Monday 00:00–01:00, 167 Sunday 23:00–24:00):

- **demand**: searches run around a point in the cell (``SearchRecord`` with a
  cell), requests for quotes whose job is in the cell, and platform dispatch
  orders placed for an address in the cell — each at the hour it was asked;
- **bookings**: paid bookings (``rollups.bookings()``, any buying mode) placed
  for an address in the cell, at the hour placed;
- **fill rate**: bookings ÷ demand (at most 1; none without demand), and
  **unfilled demand**: demand − bookings (at least 0);
- **supply**: free provider time — each provider's weekly availability rules
  (per staff member when the rule names one), placed in the cell of their
  first published listing's base, times the weeks of the window, minus the
  time claimed (``TimeClaim``, unreleased, by orders or holds) in the window.
  Exceptions to the weekly rules (days off, extra hours) are not applied: the
  weekly rules are what a provider offers, which is what recruitment reads.

The table is small (cells × 168 at most) and is rebuilt whole: by
``doorstep analytics rebuild`` and by the periodic job
``refresh_supply_demand``.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from datetime import time as dtime

from django.db import transaction
from django.utils import timezone

from doorstep.analytics.models import SupplyDemandCell
from doorstep.analytics.rollups import analytics_cell, bookings, today

WINDOW_WEEKS = 4
HOURS_OF_WEEK = 7 * 24


def hour_of_week(moment: datetime) -> int:
    local = timezone.localtime(moment)
    return local.weekday() * 24 + local.hour


def window() -> tuple[datetime, datetime]:
    """The window's first and last moments: ``WINDOW_WEEKS`` whole weeks of
    days ending with today (local midnight to midnight)."""
    end_day = today() + timedelta(days=1)
    start_day = end_day - timedelta(weeks=WINDOW_WEEKS)
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start_day, dtime(0), tzinfo=zone),
        datetime.combine(end_day, dtime(0), tzinfo=zone),
    )


def _minutes_by_hour(weekday: int, start: dtime, end: dtime) -> list[tuple[int, int]]:
    """``(hour_of_week, minutes)`` a weekly rule covers."""
    out = []
    start_minute = start.hour * 60 + start.minute
    end_minute = end.hour * 60 + end.minute
    minute = start_minute
    while minute < end_minute:
        hour_end = (minute // 60 + 1) * 60
        upto = min(hour_end, end_minute)
        out.append((weekday * 24 + minute // 60, upto - minute))
        minute = upto
    return out


def _span_by_hour(starts: datetime, ends: datetime) -> list[tuple[int, int]]:
    """``(hour_of_week, minutes)`` a span of time covers, in local time."""
    out = []
    moment = timezone.localtime(starts)
    ends = timezone.localtime(ends)
    while moment < ends:
        hour_end = moment.replace(minute=0, second=0, microsecond=0) + timedelta(
            hours=1
        )
        upto = min(hour_end, ends)
        minutes = round((upto - moment).total_seconds() / 60)
        if minutes:
            out.append((hour_of_week(moment), minutes))
        moment = upto
    return out


def _provider_cells() -> dict[int, int]:
    """Each provider's cell: the base of their first published listing."""
    from doorstep.catalog.models import Listing

    cells: dict[int, int] = {}
    for provider_id, latitude, longitude in (
        Listing.objects.filter(status=Listing.Status.PUBLISHED)
        .order_by("provider_id", "pk")
        .values_list("provider_id", "latitude", "longitude")
    ):
        if provider_id not in cells:
            cells[provider_id] = analytics_cell(latitude, longitude)
    return cells


def compute() -> dict[tuple[int, int], SupplyDemandCell]:
    """Every (cell, hour of week) row of the window, unsaved."""
    from doorstep.analytics.models import SearchRecord
    from doorstep.orders.models import BuyingMode, Order
    from doorstep.quotes.models import JobRequest
    from doorstep.scheduling.models import AvailabilityRule, TimeClaim

    since, until = window()
    rows: dict[tuple[int, int], SupplyDemandCell] = {}

    def row(cell: int, hour: int) -> SupplyDemandCell:
        key = (cell, hour)
        if key not in rows:
            rows[key] = SupplyDemandCell(cell=cell, hour_of_week=hour)
        return rows[key]

    in_window = {"created_at__gte": since, "created_at__lt": until}
    for at, cell in (
        SearchRecord.objects.filter(**in_window)
        .exclude(cell=0)
        .values_list("created_at", "cell")
        .iterator(chunk_size=5000)
    ):
        row(cell, hour_of_week(at)).searches += 1
    for at, latitude, longitude in (
        JobRequest.objects.filter(**in_window)
        .values_list("created_at", "latitude", "longitude")
        .iterator(chunk_size=5000)
    ):
        row(analytics_cell(latitude, longitude), hour_of_week(at)).quote_requests += 1
    for at, latitude, longitude in (
        Order.objects.filter(mode=BuyingMode.DISPATCH, **in_window)
        .values_list("created_at", "latitude", "longitude")
        .iterator(chunk_size=5000)
    ):
        cell = analytics_cell(latitude, longitude)
        if cell:
            row(cell, hour_of_week(at)).dispatch_orders += 1
    for at, latitude, longitude in (
        bookings()
        .filter(**in_window)
        .values_list("created_at", "latitude", "longitude")
        .iterator(chunk_size=5000)
    ):
        cell = analytics_cell(latitude, longitude)
        if cell:
            row(cell, hour_of_week(at)).bookings += 1

    cells = _provider_cells()
    available: dict[tuple[int, int], int] = defaultdict(int)
    for provider_id, weekday, start, end in AvailabilityRule.objects.filter(
        provider_id__in=list(cells)
    ).values_list("provider_id", "weekday", "start_time", "end_time"):
        cell = cells[provider_id]
        if not cell:
            continue
        for hour, minutes in _minutes_by_hour(weekday, start, end):
            available[(cell, hour)] += minutes * WINDOW_WEEKS
    claimed: dict[tuple[int, int], int] = defaultdict(int)
    for provider_id, starts, ends in (
        TimeClaim.objects.filter(
            provider_id__in=list(cells),
            released_at__isnull=True,
            starts_at__lt=until,
            ends_at__gt=since,
        )
        .values_list("provider_id", "starts_at", "ends_at")
        .iterator(chunk_size=5000)
    ):
        cell = cells[provider_id]
        if not cell:
            continue
        for hour, minutes in _span_by_hour(max(starts, since), min(ends, until)):
            claimed[(cell, hour)] += minutes
    for key in set(available) | set(claimed):
        item = row(*key)
        item.available_minutes = available.get(key, 0)
        item.claimed_minutes = claimed.get(key, 0)
        item.free_minutes = max(item.available_minutes - item.claimed_minutes, 0)
    return {key: item for key, item in rows.items() if key[0]}


def rebuild() -> int:
    """Replace the table with the window's rows; the number written."""
    rows = list(compute().values())
    with transaction.atomic():
        SupplyDemandCell.objects.all().delete()
        SupplyDemandCell.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- Reading the map ------------------------------------------------------------


class CellFigures:
    """One cell's figures at one hour of the week (or over the whole week),
    per week of the window."""

    def __init__(self, cell: int) -> None:
        self.cell = cell
        self.searches = self.quote_requests = self.dispatch_orders = 0
        self.bookings = self.free_minutes = self.available_minutes = 0

    def add(self, row: SupplyDemandCell) -> None:
        self.searches += row.searches
        self.quote_requests += row.quote_requests
        self.dispatch_orders += row.dispatch_orders
        self.bookings += row.bookings
        self.free_minutes += row.free_minutes
        self.available_minutes += row.available_minutes

    @property
    def weekly_searches(self) -> float:
        return self.searches / WINDOW_WEEKS

    @property
    def weekly_quote_requests(self) -> float:
        return self.quote_requests / WINDOW_WEEKS

    @property
    def weekly_dispatch_orders(self) -> float:
        return self.dispatch_orders / WINDOW_WEEKS

    @property
    def demand(self) -> float:
        total = self.searches + self.quote_requests + self.dispatch_orders
        return total / WINDOW_WEEKS

    @property
    def filled(self) -> float:
        return self.bookings / WINDOW_WEEKS

    @property
    def unfilled(self) -> float:
        return max(self.demand - self.filled, 0.0)

    @property
    def fill_rate(self) -> float | None:
        return min(self.filled / self.demand, 1.0) if self.demand else None

    @property
    def free_hours(self) -> float:
        return self.free_minutes / 60 / WINDOW_WEEKS

    @property
    def hex(self) -> str:
        import h3

        return h3.int_to_str(self.cell)

    def boundary(self) -> list[list[float]]:
        import h3

        return [[lat, lng] for lat, lng in h3.cell_to_boundary(self.hex)]


def cells_at(hour: int | None = None) -> list[CellFigures]:
    """Every cell with demand or supply at ``hour`` of the week (``None``: the
    whole week), per week, the most unfilled demand first (then the least
    free time)."""
    rows = SupplyDemandCell.objects.all()
    if hour is not None:
        rows = rows.filter(hour_of_week=hour)
    cells: dict[int, CellFigures] = {}
    for row in rows.iterator(chunk_size=5000):
        cells.setdefault(row.cell, CellFigures(row.cell)).add(row)
    return sorted(
        cells.values(), key=lambda item: (-item.unfilled, item.free_hours, item.cell)
    )
