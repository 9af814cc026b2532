"""When a listing can be booked: start times from the provider's weekly rules,
exceptions, public holidays and policy, minus the time already claimed.

Windows are built in the provider's wall-clock time (their ``time_zone``), date by
date, and only then turned into instants. Daylight saving is handled like this:

* a start time the clock skips (02:30 on a spring-forward night) is not offered;
* a start time the clock shows twice (01:30 on a fall-back night) is two distinct
  instants, and each is offered at most once;
* a window's edge is the first instant at which the clock shows that time or later
  (so an edge in the skipped hour is the moment the clock jumps, and an edge in the
  repeated hour is its first occurrence);
* a slot is always ``[start, start + job length)`` in real time and must fit inside
  its window in real time, so its real duration is the job length whatever the
  clock does (its wall-clock end may look an hour off on those two nights).

Everything a computation needs is read in a fixed number of queries (the policy,
the weekly rules, the exceptions of the range and the claims around it), however
long the range: see ``load_calendar``.
"""

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing, PricingModel
from doorstep.core.errors import Conflict, DomainError
from doorstep.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    SchedulingPolicy,
    TimeClaim,
)
from doorstep.scheduling.queries import policy_for, provider_zone

# Hourly listings can be booked for up to this many hours at a time.
MAX_HOURS = 12
# A rule or exception that ends at 23:59 ends at midnight: a TimeField cannot hold
# 24:00, and nobody means to stop one minute before it.
END_OF_DAY = time(23, 59)
DAY_MINUTES = 24 * 60
# A claim is one job (at most a day) plus add-ons and buffers. Claims that start
# this long before a range are read too, so a long one reaching into it is seen;
# the bound keeps the query on the index instead of scanning the whole history.
CLAIM_LOOKBEHIND = timedelta(days=7)
# A job starting on the last day of a range may run into the next two (a 24-hour
# job across a daylight-saving night), so their windows are loaded too.
DAYS_AFTER = 2

Minutes = tuple[int, int]  # [start, end) in minutes since local midnight


@dataclass(frozen=True)
class Slot:
    """A bookable start: ``starts_at``/``ends_at`` are UTC instants of the job
    itself (buffers excluded); ``local_*`` are the same instants in the zone the
    viewer asked for (the provider's by default)."""

    starts_at: datetime
    ends_at: datetime
    local_starts_at: datetime
    local_ends_at: datetime

    @property
    def time_zone(self) -> str:
        return str(self.local_starts_at.tzinfo)


# --- Errors ---------------------------------------------------------------------------


def _refuse(code: str, message: str, *, field: str = "starts_at") -> DomainError:
    return DomainError(code, message, fields={field: [message]})


def check_listing_bookable(listing: Listing) -> None:
    """Raise ``listing_unavailable`` unless customers can book ``listing`` now."""
    if not listing.is_published or not listing.provider.is_active:
        raise DomainError(
            "listing_unavailable",
            _("This service cannot be booked at the moment."),
        )


def job_minutes(
    *, listing: Listing, hours: int | None = None, extra_minutes: int = 0
) -> int:
    """How long a job of ``listing`` takes: the listing's duration, or for an
    hourly listing the hours chosen (its minimum by default), plus add-ons.

    Raises ``wrong_duration`` for hours below the listing's minimum or above
    ``MAX_HOURS``, or for hours on a listing that is not priced by the hour.
    """
    if listing.pricing_model != PricingModel.HOURLY:
        if hours is not None:
            raise _refuse(
                "wrong_duration",
                _("This service takes a set time; do not choose a number of hours."),
                field="hours",
            )
        return listing.duration_minutes + extra_minutes
    hours = listing.min_hours if hours is None else hours
    if hours < listing.min_hours or hours > MAX_HOURS:
        raise _refuse(
            "wrong_duration",
            _("Choose between %(low)d and %(high)d hours.")
            % {"low": listing.min_hours, "high": MAX_HOURS},
            field="hours",
        )
    return hours * 60 + extra_minutes


# --- Wall-clock time and instants -----------------------------------------------------


def instants_of(wall: datetime, zone: ZoneInfo) -> list[datetime]:
    """The UTC instants at which the clock in ``zone`` shows the naive ``wall``:
    none (skipped), one, or two (repeated), earliest first."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first == second:
        return [first]
    if first.astimezone(zone).replace(tzinfo=None) != wall:
        return []  # fold=0 of a skipped time lands after the gap: not a real time
    return [first, second]


def edge_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant at which the clock in ``zone`` shows ``wall`` or later."""
    instants = instants_of(wall, zone)
    if instants:
        return instants[0]
    # In a gap: the answer is the jump, between the two readings of ``wall``.
    before = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    after = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    return after.replace(microsecond=0)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _minutes(value: time, *, end: bool = False) -> int:
    if end and value == END_OF_DAY:
        return DAY_MINUTES
    return value.hour * 60 + value.minute


def _merge(ranges: Iterable[Minutes]) -> list[Minutes]:
    merged: list[Minutes] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(ranges: list[Minutes], holes: list[Minutes]) -> list[Minutes]:
    result: list[Minutes] = []
    for start, end in ranges:
        for hole_start, hole_end in holes:
            if hole_end <= start or hole_start >= end:
                continue
            if hole_start > start:
                result.append((start, hole_start))
            start = max(start, hole_end)
            if start >= end:
                break
        if start < end:
            result.append((start, end))
    return result


@lru_cache(maxsize=256)
def public_holidays(country: str, year: int) -> frozenset[date]:
    """Dates of ``country``'s public holidays in ``year`` (empty if unknown)."""
    try:
        return frozenset(holidays.country_holidays(country, years=year))
    except NotImplementedError:
        return frozenset()


# --- What decides the free time -------------------------------------------------------


@dataclass
class ProviderCalendar:
    """Everything that decides a provider's free time over ``first_day`` to
    ``last_day`` (provider-local dates), loaded by ``load_calendar``."""

    provider: ProviderProfile
    zone: ZoneInfo
    policy: SchedulingPolicy
    first_day: date
    last_day: date
    weekly: dict[int, list[Minutes]]
    exceptions: dict[date, list[AvailabilityException]]
    holidays: frozenset[date]
    busy_starts: list[datetime] = field(default_factory=list)
    busy_ends: list[datetime] = field(default_factory=list)
    jobs_per_day: Counter[date] = field(default_factory=Counter)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def is_day_off(self, day: date) -> bool:
        """A public holiday off, or a whole day off by exception."""
        return day in self.holidays or any(
            exception.kind == AvailabilityException.Kind.OFF
            and exception.start_time is None
            for exception in self.exceptions.get(day, ())
        )

    def off_minutes(self, day: date) -> list[Minutes]:
        return _merge(
            (0, DAY_MINUTES)
            if exception.start_time is None
            else (
                _minutes(exception.start_time),
                _minutes(exception.end_time, end=True),
            )
            for exception in self.exceptions.get(day, ())
            if exception.kind == AvailabilityException.Kind.OFF
        )

    def open_minutes(self, day: date) -> list[Minutes]:
        """The day's working hours: the weekly rules (none on a public holiday
        off), plus extra hours, minus time off."""
        ranges = (
            [] if day in self.holidays else list(self.weekly.get(day.weekday(), ()))
        )
        ranges += [
            (_minutes(exception.start_time), _minutes(exception.end_time, end=True))
            for exception in self.exceptions.get(day, ())
            if exception.kind == AvailabilityException.Kind.EXTRA
        ]
        return _subtract(_merge(ranges), self.off_minutes(day))

    def windows(self) -> tuple[list[datetime], list[datetime]]:
        """The loaded days' working hours as instants, merged across midnight
        (so a job may run from one day's hours into the next day's): the starts
        and the ends, both ascending."""
        walls: list[tuple[datetime, datetime]] = []
        day = self.first_day
        while day <= self.last_day:
            midnight = _midnight(day)
            for start, end in self.open_minutes(day):
                wall = (
                    midnight + timedelta(minutes=start),
                    midnight + timedelta(minutes=end),
                )
                if walls and wall[0] <= walls[-1][1]:
                    walls[-1] = (walls[-1][0], max(walls[-1][1], wall[1]))
                else:
                    walls.append(wall)
            day += timedelta(days=1)
        starts = [edge_instant(start, self.zone) for start, _end in walls]
        ends = [edge_instant(end, self.zone) for _start, end in walls]
        return starts, ends

    def is_taken(self, claim_start: datetime, claim_end: datetime) -> bool:
        index = bisect_right(self.busy_ends, claim_start)
        return index < len(self.busy_starts) and self.busy_starts[index] < claim_end


def load_calendar(
    *,
    provider: ProviderProfile,
    first_day: date,
    last_day: date,
    now: datetime,
) -> ProviderCalendar:
    """Read what decides ``provider``'s free time from ``first_day`` to
    ``last_day`` (local dates, plus the days a job may run into) in four queries
    whatever the range: policy, weekly rules, exceptions, claims."""
    zone = provider_zone(provider)
    policy = policy_for(provider)
    last_loaded = last_day + timedelta(days=DAYS_AFTER)
    weekly: dict[int, list[Minutes]] = {}
    rules = AvailabilityRule.objects.filter(
        provider=provider, staff__isnull=True
    ).values_list("weekday", "start_time", "end_time")
    for weekday, start, end in rules:
        weekly.setdefault(weekday, []).append(
            (_minutes(start), _minutes(end, end=True))
        )
    weekly = {weekday: _merge(ranges) for weekday, ranges in weekly.items()}
    exceptions: dict[date, list[AvailabilityException]] = {}
    for exception in AvailabilityException.objects.filter(
        provider=provider, staff__isnull=True, date__range=(first_day, last_loaded)
    ).only("date", "kind", "start_time", "end_time"):
        exceptions.setdefault(exception.date, []).append(exception)
    days_off: frozenset[date] = frozenset()
    if policy.holidays_off and policy.holiday_country:
        days_off = frozenset().union(
            *(
                public_holidays(policy.holiday_country, year)
                for year in range(first_day.year, last_loaded.year + 1)
            )
        )
    calendar = ProviderCalendar(
        provider=provider,
        zone=zone,
        policy=policy,
        first_day=first_day,
        last_day=last_loaded,
        weekly=weekly,
        exceptions=exceptions,
        holidays=days_off,
    )
    _load_claims(calendar, now=now)
    return calendar


def _load_claims(calendar: ProviderCalendar, *, now: datetime) -> None:
    zone, policy = calendar.zone, calendar.policy
    # Claims reach a day before the first day's jobs (buffers) and a day after
    # the last loaded day; a day of margin each side covers any buffer.
    since = edge_instant(_midnight(calendar.first_day), zone) - timedelta(days=1)
    until = edge_instant(
        _midnight(calendar.last_day + timedelta(days=1)), zone
    ) + timedelta(days=1)
    claims = (
        TimeClaim.objects.filter(
            provider=calendar.provider,
            staff_key=0,
            released_at__isnull=True,
            starts_at__gte=since - CLAIM_LOOKBEHIND,
            starts_at__lt=until,
            ends_at__gt=since,
        )
        .filter(Q(hold_expires_at__isnull=True) | Q(hold_expires_at__gt=now))
        .order_by("starts_at")
        .values_list(
            "starts_at", "ends_at", "order_id", "order__starts_at", "hold_token"
        )
    )
    before = timedelta(minutes=policy.buffer_before_minutes)
    for starts_at, ends_at, order_id, job_starts_at, hold_token in claims:
        if calendar.busy_ends and starts_at <= calendar.busy_ends[-1]:
            calendar.busy_ends[-1] = max(calendar.busy_ends[-1], ends_at)
        else:
            calendar.busy_starts.append(starts_at)
            calendar.busy_ends.append(ends_at)
        # A job counts on the local day it starts; a hold is a job in the making.
        if order_id is not None:
            calendar.jobs_per_day[calendar.local_date(job_starts_at)] += 1
        elif hold_token:
            calendar.jobs_per_day[calendar.local_date(starts_at + before)] += 1


# --- Candidates and the rules every slot obeys ----------------------------------------


def _steady_offset(day: date, zone: ZoneInfo) -> timedelta | None:
    """The zone's UTC offset all through ``day``, or ``None`` if its clocks
    change that day (then each time is resolved one by one)."""
    midnight = _midnight(day)
    offset = midnight.replace(tzinfo=zone).utcoffset()
    next_midnight = (midnight + timedelta(days=1)).replace(tzinfo=zone)
    return offset if next_midnight.utcoffset() == offset else None


def _starts(
    calendar: ProviderCalendar, days: Iterable[date]
) -> Iterator[tuple[date, list[datetime]]]:
    """Each day with its instants on the step grid of its working hours (grid
    anchored at each window's start), skipped times left out, repeated times
    twice. An instant's local date is the day it is listed under."""
    step = calendar.policy.slot_step_minutes
    zone = calendar.zone
    for day in days:
        windows = calendar.open_minutes(day)
        if not windows:
            continue
        midnight = _midnight(day)
        offset = _steady_offset(day, zone)
        instants: list[datetime] = []
        for start, end in windows:
            for minute in range(start, end, step):
                wall = midnight + timedelta(minutes=minute)
                if offset is None:
                    instants += instants_of(wall, zone)
                else:  # the common case, without a zone lookup per time
                    instants.append((wall - offset).replace(tzinfo=UTC))
        yield day, instants


@dataclass(frozen=True)
class _Rules:
    """The policy's limits for one job length, as seen at ``now``."""

    calendar: ProviderCalendar
    duration: timedelta
    now: datetime

    @cached_property
    def earliest(self) -> datetime:
        return self.now + timedelta(minutes=self.calendar.policy.min_lead_minutes)

    @cached_property
    def last_day(self) -> date:
        today = self.calendar.local_date(self.now)
        return today + timedelta(days=self.calendar.policy.max_days_ahead)

    @cached_property
    def _before(self) -> timedelta:
        return timedelta(minutes=self.calendar.policy.buffer_before_minutes)

    @cached_property
    def _after(self) -> timedelta:
        return self.duration + timedelta(
            minutes=self.calendar.policy.buffer_after_minutes
        )

    def claim(self, start: datetime) -> tuple[datetime, datetime]:
        return start - self._before, start + self._after

    def is_full(self, day: date) -> bool:
        most = self.calendar.policy.max_jobs_per_day
        return most is not None and self.calendar.jobs_per_day[day] >= most

    def is_free(self, start: datetime, windows: tuple[list, list]) -> bool:
        """Inside working hours (the whole job) and clear of every claim
        (with the buffers)."""
        return _fits(start, self.duration, *windows) and not self.calendar.is_taken(
            *self.claim(start)
        )


def _fits(
    start: datetime, duration: timedelta, starts: list[datetime], ends: list[datetime]
) -> bool:
    index = bisect_right(starts, start) - 1
    return index >= 0 and start + duration <= ends[index]


def bookable_slots(
    *,
    listing: Listing,
    start_date: date,
    end_date: date,
    hours: int | None = None,
    viewer_tz: ZoneInfo | str | None = None,
    now: datetime | None = None,
    extra_minutes: int = 0,
) -> list[Slot]:
    """The start times at which ``listing`` can be booked, earliest first.

    ``start_date`` to ``end_date`` (both included) are dates in ``viewer_tz`` (the
    provider's zone by default); the slots' ``local_*`` fields are in that zone
    too. Every slot returned passes ``check_bookable`` at the same ``now``. Runs a
    fixed number of queries whatever the range (one more if ``listing.provider``
    is not loaded yet). Raises ``listing_unavailable`` and ``wrong_duration``.
    """
    check_listing_bookable(listing)
    duration = timedelta(
        minutes=job_minutes(listing=listing, hours=hours, extra_minutes=extra_minutes)
    )
    now = now or timezone.now()
    provider = listing.provider
    zone = provider_zone(provider)
    viewer = ZoneInfo(viewer_tz) if isinstance(viewer_tz, str) else viewer_tz or zone
    range_start = edge_instant(_midnight(start_date), viewer)
    range_end = edge_instant(_midnight(end_date + timedelta(days=1)), viewer)
    first_day = range_start.astimezone(zone).date()
    last_day = (range_end - timedelta(microseconds=1)).astimezone(zone).date()
    calendar = load_calendar(
        provider=provider, first_day=first_day, last_day=last_day, now=now
    )
    rules = _Rules(calendar=calendar, duration=duration, now=now)
    windows = calendar.windows()
    earliest = max(rules.earliest, range_start, now + timedelta(microseconds=1))
    days = [
        first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)
    ]
    chosen: set[datetime] = set()
    for day, starts in _starts(calendar, days):
        if day > rules.last_day:
            break
        if rules.is_full(day):
            continue
        chosen.update(
            start
            for start in starts
            if earliest <= start < range_end and rules.is_free(start, windows)
        )
    return [
        Slot(
            starts_at=start,
            ends_at=start + duration,
            local_starts_at=start.astimezone(viewer),
            local_ends_at=(start + duration).astimezone(viewer),
        )
        for start in sorted(chosen)
    ]


def check_bookable(
    *,
    listing: Listing,
    starts_at: datetime,
    hours: int | None = None,
    now: datetime | None = None,
    extra_minutes: int = 0,
) -> tuple[datetime, datetime]:
    """Check that a job of ``listing`` can start at ``starts_at`` and return the
    span to claim, ``[start - buffer before, end + buffer after)``, in UTC.

    The booking service calls this, then ``claim_time`` with the span: the check
    gives a clear reason, the claim is what makes it safe under concurrency.
    Raises ``DomainError`` with code ``listing_unavailable``, ``wrong_duration``,
    ``in_past``, ``too_soon``, ``too_far_ahead``, ``day_off`` (time off or a public
    holiday), ``outside_availability`` (not one of the offered start times),
    ``fully_booked_day``, or ``Conflict`` ``slot_taken``.
    """
    check_listing_bookable(listing)
    duration = timedelta(
        minutes=job_minutes(listing=listing, hours=hours, extra_minutes=extra_minutes)
    )
    now = now or timezone.now()
    if timezone.is_naive(starts_at):
        raise _refuse("invalid_time", _("Give the start time with its time zone."))
    start = starts_at.astimezone(UTC)
    if start <= now:
        raise _refuse("in_past", _("This time has already passed."))
    provider = listing.provider
    day = start.astimezone(provider_zone(provider)).date()
    calendar = load_calendar(provider=provider, first_day=day, last_day=day, now=now)
    rules = _Rules(calendar=calendar, duration=duration, now=now)
    policy = calendar.policy
    if start < rules.earliest:
        raise _refuse(
            "too_soon",
            _("Please book at least %(notice)s ahead.")
            % {"notice": _notice(policy.min_lead_minutes)},
        )
    if day > rules.last_day:
        raise _refuse(
            "too_far_ahead",
            _("This provider takes bookings up to %(days)d days ahead.")
            % {"days": policy.max_days_ahead},
        )
    offered = {
        instant for _day, starts in _starts(calendar, [day]) for instant in starts
    }
    if start not in offered or not _fits(start, duration, *calendar.windows()):
        if calendar.is_day_off(day) or _in_time_off(calendar, start):
            raise _refuse("day_off", _("The provider is not working at this time."))
        raise _refuse(
            "outside_availability",
            _("This is not one of the provider's available times. Please pick one."),
        )
    if rules.is_full(day):
        raise _refuse(
            "fully_booked_day",
            _("The provider is fully booked on this day. Please pick another day."),
        )
    claim = rules.claim(start)
    if calendar.is_taken(*claim):
        raise Conflict(
            "slot_taken",
            _("Sorry, this time was just booked by someone else. Please pick another."),
            fields={"starts_at": [_("This time is no longer available.")]},
        )
    return claim


def _in_time_off(calendar: ProviderCalendar, start: datetime) -> bool:
    local = start.astimezone(calendar.zone)
    minute = local.hour * 60 + local.minute
    return any(low <= minute < high for low, high in calendar.off_minutes(local.date()))


def _notice(minutes: int) -> str:
    if minutes % (24 * 60) == 0 and minutes:
        days = minutes // (24 * 60)
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    if minutes % 60 == 0 and minutes:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {
        "count": minutes
    }
