"""How satisfied customers are, week by week: what ops read at
``/ops/support/satisfaction/``. Every figure is derived from the survey rows
(nothing stored), for the last ``WEEKS`` weeks, Monday to Sunday in the
operator's time zone.

* **CSAT**: the average score (1–5) and the share of answers of 4 or 5.
* **NPS**: % promoters (9–10) − % detractors (0–6), from −100 to 100, among the
  answers that were asked it.
* **Response rate**: of the invitations sent in a week, the share answered (by
  now)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from doorstep.support.models import SurveyInvitation
from doorstep.support.models.surveys import (
    CSAT_SATISFIED,
    NPS_DETRACTOR_MAX,
    NPS_PROMOTER,
)

WEEKS = 12


@dataclass
class WeekFigures:
    """One week's figures (or the whole period's: ``week`` is then ``None``)."""

    week: date | None
    invited: int = 0
    answered: int = 0
    csat_count: int = 0
    csat_sum: int = 0
    satisfied: int = 0
    nps_count: int = 0
    promoters: int = 0
    detractors: int = 0
    low_scores: int = 0

    def add(self, csat: int | None, nps: int | None, ticket: bool) -> None:
        self.invited += 1
        if csat is None:
            return
        self.answered += 1
        self.csat_count += 1
        self.csat_sum += csat
        self.satisfied += csat >= CSAT_SATISFIED
        self.low_scores += ticket
        if nps is not None:
            self.nps_count += 1
            self.promoters += nps >= NPS_PROMOTER
            self.detractors += nps <= NPS_DETRACTOR_MAX

    @property
    def csat_average(self) -> float | None:
        return round(self.csat_sum / self.csat_count, 2) if self.csat_count else None

    @property
    def satisfied_percent(self) -> int | None:
        if not self.csat_count:
            return None
        return round(100 * self.satisfied / self.csat_count)

    @property
    def nps(self) -> int | None:
        if not self.nps_count:
            return None
        return round(100 * (self.promoters - self.detractors) / self.nps_count)

    @property
    def response_rate_percent(self) -> int | None:
        return round(100 * self.answered / self.invited) if self.invited else None


@dataclass(frozen=True)
class SatisfactionTrend:
    weeks: list[WeekFigures]  # oldest first
    total: WeekFigures


def _monday(moment: datetime, zone: ZoneInfo) -> date:
    local = moment.astimezone(zone).date()
    return local - timedelta(days=local.weekday())


def satisfaction_trend(
    *, now: datetime | None = None, weeks: int = WEEKS
) -> SatisfactionTrend:
    """The figures of the invitations sent in each of the last ``weeks`` weeks
    (this one included), by the week they were sent in."""
    now = now or timezone.now()
    zone = ZoneInfo(settings.TIME_ZONE)
    this_week = _monday(now, zone)
    first_week = this_week - timedelta(weeks=weeks - 1)
    start = datetime.combine(first_week, time.min, tzinfo=zone)
    by_week = {
        first_week + timedelta(weeks=index): WeekFigures(
            week=first_week + timedelta(weeks=index)
        )
        for index in range(weeks)
    }
    total = WeekFigures(week=None)
    rows = SurveyInvitation.objects.filter(
        invited_at__gte=start, invited_at__lte=now
    ).values_list("invited_at", "response__csat", "response__nps", "response__ticket")
    for invited_at, csat, nps, ticket in rows:
        figures = by_week[_monday(invited_at, zone)]
        for target in (figures, total):
            target.add(csat, nps, ticket is not None)
    return SatisfactionTrend(weeks=list(by_week.values()), total=total)
