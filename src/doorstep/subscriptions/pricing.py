"""Periods and proration, as pure functions of integers and times."""

import calendar
from dataclasses import dataclass
from datetime import datetime

from doorstep.subscriptions.models import Interval


def add_interval(moment: datetime, interval: str, count: int = 1) -> datetime:
    """``moment`` plus ``count`` months or years, on the same day of the month
    (the last day when the month is shorter: 31 January + 1 month = 28/29
    February), keeping the time and zone."""
    months = count * (12 if interval == Interval.YEAR else 1)
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Proration:
    """A plan change at ``at`` inside the period [start, end).

    * ``credit``: the unused part of what was paid for the old plan,
      ``old_amount × remaining / period``, **rounded down** to the minor unit
      (never more than was paid);
    * ``charge``: the new plan for the same remaining time,
      ``new_amount × remaining / period``, **rounded down** too (the provider
      never pays a fraction of a unit more than the exact figure). When the
      interval changes, a new period starts now and ``charge`` is the new
      plan's full price.

    ``net`` > 0 is charged now; ``net`` < 0 is refunded to the card.
    """

    credit: int
    charge: int
    period_start: datetime
    period_end: datetime

    @property
    def net(self) -> int:
        return self.charge - self.credit


def prorate(
    *,
    old_amount: int,
    new_amount: int,
    period_start: datetime,
    period_end: datetime,
    at: datetime,
    new_interval_end: datetime | None = None,
) -> Proration:
    """The figures of a change at ``at`` (``new_interval_end``: the end of a
    new period starting at ``at``, when the interval changes)."""
    total = int((period_end - period_start).total_seconds())
    remaining = int((period_end - at).total_seconds())
    remaining = max(0, min(remaining, total))
    credit = old_amount * remaining // total if total > 0 else 0
    if new_interval_end is not None:
        return Proration(credit, new_amount, at, new_interval_end)
    charge = new_amount * remaining // total if total > 0 else 0
    return Proration(credit, charge, period_start, period_end)
