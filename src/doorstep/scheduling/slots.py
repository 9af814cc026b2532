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

**Agency listings and their staff.** A listing whose provider belongs to an agency
is served by the agency's *serving staff* (``serving_staff``): active members with
a user, role worker or manager, whose skills (their ``dispatch.Worker``'s
categories) include the listing's category. Each has their own calendar, the
claims with ``staff_key`` = their id. A staff member's working hours are their own
weekly rules and exceptions if they have any weekly rule; a staff member without
weekly rules works the agency's hours (its rules and exceptions, plus their own
exceptions). The agency's policy (buffers, notice, step, jobs per day) applies to
each staff member on their own. For "any" staff a time is free when at least one
serving member is free; the booking then takes the least busy of them that day,
then the lowest id (``Claimable.staff_keys``). An agency listing nobody serves yet
is booked on the provider's own calendar, as before. An individual provider's
listing costs no query more than it did.
"""

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from doorstep.accounts.models import ProviderProfile, StaffMember
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
    # Whose calendar: 0 for the provider themself, else a staff member's id.
    staff_key: int = 0
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
    staff_key: int = 0,
) -> ProviderCalendar:
    """Read what decides ``provider``'s free time (or, with ``staff_key``, one of
    their staff members') from ``first_day`` to ``last_day`` (local dates, plus
    the days a job may run into) in four queries whatever the range: policy,
    weekly rules, exceptions, claims."""
    return load_calendars(
        provider=provider,
        staff_keys=[staff_key],
        first_day=first_day,
        last_day=last_day,
        now=now,
    )[staff_key]


def _weekly(rules: Iterable[tuple[int, time, time]]) -> dict[int, list[Minutes]]:
    weekly: dict[int, list[Minutes]] = {}
    for weekday, start, end in rules:
        weekly.setdefault(weekday, []).append(
            (_minutes(start), _minutes(end, end=True))
        )
    return {weekday: _merge(ranges) for weekday, ranges in weekly.items()}


def load_calendars(
    *,
    provider: ProviderProfile,
    staff_keys: Sequence[int],
    first_day: date,
    last_day: date,
    now: datetime,
) -> dict[int, ProviderCalendar]:
    """``load_calendar`` for several calendars of one provider at once (0 for
    the provider, else staff ids), still in four queries: see the module's
    note for which hours a staff member works."""
    zone = provider_zone(provider)
    policy = policy_for(provider)
    last_loaded = last_day + timedelta(days=DAYS_AFTER)
    staff_ids = [key for key in staff_keys if key]
    own = Q(staff__isnull=True)
    if staff_ids:
        own |= Q(staff_id__in=staff_ids)
    rules: dict[int, list[tuple[int, time, time]]] = {}
    for staff_id, *rule in AvailabilityRule.objects.filter(
        own, provider=provider
    ).values_list("staff_id", "weekday", "start_time", "end_time"):
        rules.setdefault(staff_id or 0, []).append(tuple(rule))
    exceptions: dict[int, dict[date, list[AvailabilityException]]] = {}
    for exception in AvailabilityException.objects.filter(
        own, provider=provider, date__range=(first_day, last_loaded)
    ).only("staff_id", "date", "kind", "start_time", "end_time"):
        exceptions.setdefault(exception.staff_id or 0, {}).setdefault(
            exception.date, []
        ).append(exception)
    days_off: frozenset[date] = frozenset()
    if policy.holidays_off and policy.holiday_country:
        days_off = frozenset().union(
            *(
                public_holidays(policy.holiday_country, year)
                for year in range(first_day.year, last_loaded.year + 1)
            )
        )
    calendars: dict[int, ProviderCalendar] = {}
    for key in staff_keys:
        works_own_hours = key == 0 or key in rules
        days = exceptions.get(key, {})
        if not works_own_hours:
            # The agency's hours, its exceptions too, and their own time off.
            days = {}
            for source in (exceptions.get(0, {}), exceptions.get(key, {})):
                for day, items in source.items():
                    days.setdefault(day, []).extend(items)
        calendars[key] = ProviderCalendar(
            provider=provider,
            zone=zone,
            policy=policy,
            first_day=first_day,
            last_day=last_loaded,
            weekly=_weekly(rules.get(key if works_own_hours else 0, ())),
            exceptions=days,
            holidays=days_off,
            staff_key=key,
        )
    _load_claims(calendars, now=now)
    return calendars


def _load_claims(calendars: dict[int, ProviderCalendar], *, now: datetime) -> None:
    calendar = next(iter(calendars.values()))
    zone, policy = calendar.zone, calendar.policy
    # Claims reach a day before the first day's jobs (buffers) and a day after
    # the last loaded day; a day of margin each side covers any buffer.
    since = edge_instant(_midnight(calendar.first_day), zone) - timedelta(days=1)
    until = edge_instant(
        _midnight(calendar.last_day + timedelta(days=1)), zone
    ) + timedelta(days=1)
    keys = list(calendars)
    whose = Q(staff_key=keys[0]) if len(keys) == 1 else Q(staff_key__in=keys)
    claims = (
        TimeClaim.objects.filter(
            whose,
            provider=calendar.provider,
            released_at__isnull=True,
            starts_at__gte=since - CLAIM_LOOKBEHIND,
            starts_at__lt=until,
            ends_at__gt=since,
        )
        .filter(Q(hold_expires_at__isnull=True) | Q(hold_expires_at__gt=now))
        .order_by("starts_at")
        .values_list(
            "staff_key",
            "starts_at",
            "ends_at",
            "order_id",
            "order__starts_at",
            "hold_token",
        )
    )
    before = timedelta(minutes=policy.buffer_before_minutes)
    for staff_key, starts_at, ends_at, order_id, job_starts_at, hold_token in claims:
        calendar = calendars[staff_key]
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


# --- Who serves an agency's listing ---------------------------------------------------


def serving_staff(listing: Listing) -> list[StaffMember]:
    """The staff members who serve ``listing`` (see the module's note), lowest
    id first; empty for an individual provider's listing, without a query."""
    agency_id = listing.provider.agency_id
    if agency_id is None:
        return []
    return list(
        StaffMember.objects.filter(
            agency_id=agency_id,
            is_active=True,
            user__isnull=False,
            role__in=(StaffMember.Role.WORKER, StaffMember.Role.MANAGER),
            dispatch_worker__categories=listing.category_id,
        )
        .distinct()
        .order_by("pk")
    )


def chosen_staff(listing: Listing, staff_id: str) -> StaffMember | None:
    """The staff member a customer picked for ``listing`` by public id
    (``None`` for "any"). Whether they serve it is ``_staff_keys``'s to say; one
    of another agency, or no such id, is refused alike (it reveals nothing):
    ``staff_not_serving``."""
    staff_id = (staff_id or "").strip()
    if not staff_id:
        return None
    agency_id = listing.provider.agency_id
    staff = (
        StaffMember.objects.filter(public_id=staff_id, agency_id=agency_id).first()
        if agency_id is not None
        else None
    )
    if staff is None:
        raise _not_serving()
    return staff


def _not_serving() -> DomainError:
    return _refuse(
        "staff_not_serving",
        _("This staff member does not provide this service. Pick another."),
        field="staff_id",
    )


def _staff_keys(listing: Listing, staff: StaffMember | None) -> list[int]:
    """The calendars a booking of ``listing`` may go on: the chosen staff
    member's, every serving member's for "any", or the provider's own (0).
    Raises ``staff_not_serving`` for a staff member who does not serve it."""
    if staff is None and listing.provider.agency_id is None:
        return [0]
    serving = serving_staff(listing)
    if staff is None:
        return [member.pk for member in serving] or [0]
    if staff.pk not in {member.pk for member in serving}:
        raise _not_serving()
    return [staff.pk]


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
    staff: StaffMember | None = None,
) -> list[Slot]:
    """The start times at which ``listing`` can be booked, earliest first.

    ``start_date`` to ``end_date`` (both included) are dates in ``viewer_tz`` (the
    provider's zone by default); the slots' ``local_*`` fields are in that zone
    too. For an agency's listing, the times ``staff`` is free, or (no ``staff``)
    the times at least one serving staff member is. Every slot returned passes
    ``check_bookable`` at the same ``now``. Runs a fixed number of queries
    whatever the range (one more if ``listing.provider`` is not loaded yet, one
    more for an agency's listing). Raises ``listing_unavailable``,
    ``wrong_duration`` and ``staff_not_serving``.
    """
    check_listing_bookable(listing)
    duration = timedelta(
        minutes=job_minutes(listing=listing, hours=hours, extra_minutes=extra_minutes)
    )
    now = now or timezone.now()
    provider = listing.provider
    keys = _staff_keys(listing, staff)
    zone = provider_zone(provider)
    viewer = ZoneInfo(viewer_tz) if isinstance(viewer_tz, str) else viewer_tz or zone
    range_start = edge_instant(_midnight(start_date), viewer)
    range_end = edge_instant(_midnight(end_date + timedelta(days=1)), viewer)
    first_day = range_start.astimezone(zone).date()
    last_day = (range_end - timedelta(microseconds=1)).astimezone(zone).date()
    calendars = load_calendars(
        provider=provider,
        staff_keys=keys,
        first_day=first_day,
        last_day=last_day,
        now=now,
    )
    days = [
        first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)
    ]
    chosen: set[datetime] = set()
    for calendar in calendars.values():
        rules = _Rules(calendar=calendar, duration=duration, now=now)
        windows = calendar.windows()
        earliest = max(rules.earliest, range_start, now + timedelta(microseconds=1))
        for day, starts in _starts(calendar, days):
            if day > rules.last_day:
                break
            if rules.is_full(day):
                continue
            chosen.update(
                start
                for start in starts
                if earliest <= start < range_end
                and start not in chosen
                and rules.is_free(start, windows)
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


@dataclass(frozen=True)
class Claimable:
    """A bookable job's span to claim, ``[start - buffer before, end + buffer
    after)`` in UTC, and the calendars it is free on, best first: the staff ids
    (least busy that day, then lowest id), or ``(0,)`` for the provider's own."""

    starts_at: datetime
    ends_at: datetime
    staff_keys: tuple[int, ...]


def check_bookable(
    *,
    listing: Listing,
    starts_at: datetime,
    hours: int | None = None,
    now: datetime | None = None,
    extra_minutes: int = 0,
    staff: StaffMember | None = None,
) -> tuple[datetime, datetime]:
    """Check that a job of ``listing`` can start at ``starts_at`` and return the
    span to claim, ``[start - buffer before, end + buffer after)``, in UTC.

    The booking service calls this (or ``find_claimable``, which also says on
    whose calendar), then ``claim_time`` with the span: the check gives a clear
    reason, the claim is what makes it safe under concurrency. Raises
    ``DomainError`` with code ``listing_unavailable``, ``wrong_duration``,
    ``in_past``, ``too_soon``, ``too_far_ahead``, ``day_off`` (time off or a
    public holiday), ``outside_availability`` (not one of the offered start
    times), ``fully_booked_day``, ``staff_not_serving``, or ``Conflict``
    ``slot_taken``.
    """
    claimable = find_claimable(
        listing=listing,
        starts_at=starts_at,
        hours=hours,
        now=now,
        extra_minutes=extra_minutes,
        staff=staff,
    )
    return claimable.starts_at, claimable.ends_at


# When no calendar is free, the refusal of the one that came closest is given.
_CLOSENESS = {"slot_taken": 3, "fully_booked_day": 2, "day_off": 1}


def find_claimable(
    *,
    listing: Listing,
    starts_at: datetime,
    hours: int | None = None,
    now: datetime | None = None,
    extra_minutes: int = 0,
    staff: StaffMember | None = None,
) -> Claimable:
    """``check_bookable``, saying on which calendars the span is free: for an
    agency's listing, ``staff``'s, or (no ``staff``) every serving staff
    member's who is free then. Raises what ``check_bookable`` raises."""
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
    keys = _staff_keys(listing, staff)
    day = start.astimezone(provider_zone(provider)).date()
    calendars = load_calendars(
        provider=provider, staff_keys=keys, first_day=day, last_day=day, now=now
    )
    free: list[int] = []
    refusals: list[DomainError] = []
    claim = (start, start)
    for key, calendar in calendars.items():
        try:
            claim = _check_calendar(calendar, start, day, duration=duration, now=now)
        except DomainError as refusal:
            if refusal.code in {"too_soon", "too_far_ahead"}:
                raise  # the same for every calendar: the policy is the agency's
            refusals.append(refusal)
        else:
            free.append(key)
    if not free:
        raise max(refusals, key=lambda refusal: _CLOSENESS.get(refusal.code, 0))
    free.sort(key=lambda key: (calendars[key].jobs_per_day[day], key))
    return Claimable(starts_at=claim[0], ends_at=claim[1], staff_keys=tuple(free))


def _check_calendar(
    calendar: ProviderCalendar,
    start: datetime,
    day: date,
    *,
    duration: timedelta,
    now: datetime,
) -> tuple[datetime, datetime]:
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
