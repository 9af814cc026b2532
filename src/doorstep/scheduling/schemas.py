"""The shapes of the scheduling API. Wall-clock times are ``"HH:MM"`` strings in the
provider's time zone (``"24:00"`` ends a range at midnight); instants are ISO 8601
with an offset; weekdays are 0 (Monday) to 6 (Sunday)."""

import re
from datetime import date, datetime, time
from functools import cache
from typing import Annotated

import holidays
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

from doorstep.accounts.schemas import TimeZoneName
from doorstep.api.schemas import InputSchema
from doorstep.core.errors import DomainError
from doorstep.scheduling.models import AvailabilityException, SchedulingPolicy
from doorstep.scheduling.slots import END_OF_DAY

# The longest range of dates one slots request may ask for.
MAX_SLOT_RANGE_DAYS = 62
MAX_RULES = 7 * 8
_WALL_TIME = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")


def _parse_wall_time(value: str) -> time:
    if not _WALL_TIME.fullmatch(value):
        raise ValueError(_("Enter a time as HH:MM, e.g. 09:00 (24:00 for midnight)."))
    return END_OF_DAY if value == "24:00" else time.fromisoformat(value)


def wall_time_text(value: time | None) -> str | None:
    """``"HH:MM"``, with the end-of-day marker written as ``"24:00"``."""
    if value is None:
        return None
    return "24:00" if value == END_OF_DAY else value.strftime("%H:%M")


WallTime = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=5),
    AfterValidator(_parse_wall_time),
    Field(
        description='Local time "HH:MM"; "24:00" is midnight at the end of a day.',
        # Documented only: the value is checked (and parsed) by _parse_wall_time.
        json_schema_extra={"pattern": r"^\s*(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)\s*$"},
    ),
]
WeekdayNumber = Annotated[int, Field(ge=0, le=6, description="0 is Monday.")]


def _check_kind(value: str) -> str:
    if value not in AvailabilityException.Kind.values:
        raise ValueError(_("Choose “off” (time off) or “extra” (extra hours)."))
    return value


ExceptionKind = Annotated[
    str,
    AfterValidator(_check_kind),
    Field(
        description="`off`: time off (the whole day when no times are given); "
        "`extra`: extra hours (times required).",
        json_schema_extra={"enum": AvailabilityException.Kind.values},
    ),
]


@cache
def _holiday_countries() -> tuple[str, ...]:
    return tuple(sorted(holidays.list_supported_countries()))


def _check_holiday_country(value: str) -> str:
    if value and value not in _holiday_countries():
        raise ValueError(
            _("We do not know the public holidays of %(country)s.") % {"country": value}
        )
    return value


HolidayCountry = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, max_length=2),
    AfterValidator(_check_holiday_country),
    Field(
        description="ISO 3166 code of a country whose public holidays we know, "
        "e.g. CN, TW, US; empty for none (lower case is accepted too).",
        json_schema_extra=lambda schema: schema.update(
            enum=["", *_holiday_countries()]
        ),
    ),
]


# --- Slots ------------------------------------------------------------------------


class SlotsQuery(Schema):
    from_: date = Field(alias="from", description="First date (in `tz`), YYYY-MM-DD.")
    to: date = Field(
        description="Last date (in `tz`), included: on or after `from`, at most "
        f"{MAX_SLOT_RANGE_DAYS} days in all (else 422 `invalid_date_range`)."
    )
    hours: int | None = Field(
        None, ge=1, le=24, description="Hourly services: how many hours."
    )
    tz: TimeZoneName | None = Field(
        None,
        description="Show times in this zone (default: the provider's).",
    )
    staff_id: str = Field(
        "",
        max_length=40,
        description="An agency's service: only this staff member's free times "
        "(from `GET /services/{listing_id}/staff`); empty for times at least one "
        "is free (else 422 `staff_not_serving`).",
    )


def check_slot_range(query: SlotsQuery) -> None:
    """How ``from`` and ``to`` go together is a rule no query schema states:
    raise 422 ``invalid_date_range`` naming ``to``."""
    if query.to < query.from_:
        message = _("The last date must not be before the first.")
    elif (query.to - query.from_).days + 1 > MAX_SLOT_RANGE_DAYS:
        message = _("Ask for at most %(days)d days at a time.") % {
            "days": MAX_SLOT_RANGE_DAYS
        }
    else:
        return
    raise DomainError("invalid_date_range", message, fields={"to": [message]})


class SlotOut(Schema):
    starts_at: datetime = Field(description="In the requested zone, with its offset.")
    ends_at: datetime


class ServingStaffOut(Schema):
    id: str
    display_name: str
    initials: str
    photo_url: str = Field(description="Empty when there is no photo.")
    languages: list[str]
    rating: float | None = Field(description="Mean stars of public reviews.")
    review_count: int


class SlotsOut(Schema):
    time_zone: str = Field(description="The provider's time zone.")
    duration_minutes: int
    slots: list[SlotOut]


# --- Availability -----------------------------------------------------------------


class WeeklyHoursIn(InputSchema):
    weekday: WeekdayNumber
    start_time: WallTime
    end_time: WallTime


class WeeklyHoursOut(Schema):
    weekday: int
    start_time: str
    end_time: str


class PolicyIn(InputSchema):
    """Every field may be left out: it then takes its default."""

    buffer_before_minutes: int = Field(0, ge=0, le=240)
    buffer_after_minutes: int = Field(30, ge=0, le=240)
    min_lead_minutes: int = Field(120, ge=0, le=14 * 24 * 60)
    max_days_ahead: int = Field(60, ge=1, le=365)
    max_jobs_per_day: int | None = Field(None, ge=1, le=50)
    slot_step_minutes: int = Field(30, ge=5, le=240)
    holidays_off: bool = False
    holiday_country: HolidayCountry = ""


class PolicyOut(Schema):
    buffer_before_minutes: int
    buffer_after_minutes: int
    min_lead_minutes: int
    max_days_ahead: int
    max_jobs_per_day: int | None
    slot_step_minutes: int
    holidays_off: bool
    holiday_country: str


class ExceptionIn(InputSchema):
    date: date
    kind: ExceptionKind
    start_time: WallTime | None = None
    end_time: WallTime | None = None
    note: str = Field("", max_length=120)


class ExceptionOut(Schema):
    id: str = Field(description="Opaque id, e.g. avx_5Kq8GmT1xY2pQ9aB.")
    date: date
    kind: str
    start_time: str | None = Field(description="Empty for a whole day off.")
    end_time: str | None
    note: str


class AvailabilityIn(InputSchema):
    rules: list[WeeklyHoursIn] = Field(max_length=MAX_RULES)
    policy: PolicyIn = Field(default_factory=PolicyIn)


class AvailabilityOut(Schema):
    time_zone: str = Field(description="The zone the hours are in (the provider's).")
    rules: list[WeeklyHoursOut]
    policy: PolicyOut
    exceptions: list[ExceptionOut] = Field(description="From today on.")


def exception_out(exception: AvailabilityException) -> ExceptionOut:
    return ExceptionOut(
        id=exception.public_id,
        date=exception.date,
        kind=exception.kind,
        start_time=wall_time_text(exception.start_time),
        end_time=wall_time_text(exception.end_time),
        note=exception.note,
    )


def policy_out(policy: SchedulingPolicy) -> PolicyOut:
    return PolicyOut(**{name: getattr(policy, name) for name in PolicyOut.model_fields})


class CalendarFeedOut(Schema):
    live: bool = Field(description="Whether a calendar link is on.")
    prefix: str | None = Field(
        None, description="The first characters of the link's token, to tell it."
    )
    created_at: datetime | None = None


class CalendarFeedCreatedOut(Schema):
    prefix: str
    created_at: datetime
    url: str = Field(
        description="The private iCal address of your upcoming jobs. Shown once: "
        "add it to your calendar app now."
    )
