"""Web forms of the availability editor. They turn what a person picked into the
arguments of a service; the rules (no overlaps, end after start, valid policy) live
in ``services.py``, whose errors the forms show beside the fields."""

from dataclasses import dataclass
from datetime import time
from functools import cache

import holidays
from babel import Locale, UnknownLocaleError
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from doorstep.core.errors import DomainError
from doorstep.scheduling.models import AvailabilityException, SchedulingPolicy, Weekday
from doorstep.scheduling.services import WeeklyHours
from doorstep.scheduling.slots import END_OF_DAY

# Each day shows this many time ranges (more if the provider already has more);
# a script hides the empty ones behind "Add another range".
RANGES_PER_DAY = 3
STEP_MINUTES = 30


def _clock(value: time) -> str:
    return "24:00" if value == END_OF_DAY else value.strftime("%H:%M")


def _parse_clock(value: str) -> time:
    return END_OF_DAY if value == "24:00" else time.fromisoformat(value)


def _clock_choices(
    *, ends: bool, keep: set[str] = frozenset()
) -> list[tuple[str, str]]:
    """Half-hour times for a select: starts 00:00–23:30, ends 00:30–24:00, plus
    any stored value off that grid (set through the API) so it is kept."""
    first, last = (STEP_MINUTES, 24 * 60) if ends else (0, 24 * 60 - STEP_MINUTES)
    values = {
        f"{minute // 60:02d}:{minute % 60:02d}"
        for minute in range(first, last + 1, STEP_MINUTES)
    }
    values |= set(keep)
    return [("", "–")] + [(value, value) for value in sorted(values)]


def _minutes_label(minutes: int) -> str:
    if minutes == 0:
        return str(_("None"))
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {
        "count": minutes
    }


def _minute_choices(values: list[int], current: int | None) -> list[tuple[int, str]]:
    if current is not None and current not in values:
        values = sorted([*values, current])
    return [(value, _minutes_label(value)) for value in values]


def _days_label(days: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


BUFFER_MINUTES = [0, 10, 15, 20, 30, 45, 60, 90, 120]
NOTICE_MINUTES = [0, 30, 60, 120, 180, 240, 360, 720, 1440, 2880, 4320, 10080]
STEP_CHOICES = [15, 30, 60]
DAYS_AHEAD = [7, 14, 21, 30, 60, 90, 180, 365]


@cache
def _country_codes() -> tuple[str, ...]:
    return tuple(sorted(holidays.list_supported_countries()))


def country_choices() -> list[tuple[str, str]]:
    """Countries whose public holidays we know, named in the active language."""
    language = (get_language() or "en").replace("-hans", "_Hans")
    language = language.replace("-hant", "_Hant")
    try:
        names = Locale.parse(language).territories
    except (UnknownLocaleError, ValueError):
        names = Locale.parse("en").territories
    choices = [(code, names.get(code, code)) for code in _country_codes()]
    return [("", "–"), *sorted(choices, key=lambda choice: choice[1])]


class QuickSelect(forms.Select):
    """A select rendered in Python rather than one template per option: the week
    has 42 time selects of 49 options each, which the template engine would take
    most of a second to render."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = {str(item) for item in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, " selected" if str(option) in chosen else "", label)
                for option, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


@dataclass
class RangeRow:
    start: forms.BoundField
    end: forms.BoundField


@dataclass
class DayRow:
    weekday: int
    label: str
    open: forms.BoundField
    ranges: list[RangeRow]


class AvailabilityForm(forms.Form):
    """The weekly hours (a switch and time ranges per day) and the booking
    policy. After ``is_valid()``, ``rules`` and ``policy`` are the arguments of
    ``services.replace_availability``."""

    buffer_before_minutes = forms.TypedChoiceField(
        label=_("Free time before each job"),
        coerce=int,
        help_text=_("To get there and set up."),
    )
    buffer_after_minutes = forms.TypedChoiceField(
        label=_("Free time after each job"),
        coerce=int,
        help_text=_("To tidy up and travel to the next job."),
    )
    min_lead_minutes = forms.TypedChoiceField(
        label=_("Minimum notice"),
        coerce=int,
        help_text=_("How long before the start a customer can still book."),
    )
    max_days_ahead = forms.TypedChoiceField(
        label=_("Bookable up to"), coerce=int, help_text=_("Days ahead.")
    )
    max_jobs_per_day = forms.IntegerField(
        label=_("Maximum jobs per day"),
        required=False,
        min_value=1,
        max_value=50,
        help_text=_("Leave empty for no limit."),
    )
    slot_step_minutes = forms.TypedChoiceField(
        label=_("Offer start times every"), coerce=int
    )
    holidays_off = forms.BooleanField(
        label=_("Take public holidays off"), required=False
    )
    holiday_country = forms.ChoiceField(label=_("Public holidays of"), required=False)

    def __init__(
        self,
        data=None,
        *,
        rules: list[WeeklyHours],
        policy: SchedulingPolicy,
        **kwargs,
    ) -> None:
        initial = {
            name: getattr(policy, name)
            for name in (
                "buffer_before_minutes",
                "buffer_after_minutes",
                "min_lead_minutes",
                "max_days_ahead",
                "max_jobs_per_day",
                "slot_step_minutes",
                "holidays_off",
                "holiday_country",
            )
        }
        by_day: dict[int, list[WeeklyHours]] = {day: [] for day in Weekday.values}
        for rule in sorted(rules):
            by_day[rule.weekday].append(rule)
        kept_starts = {_clock(rule.start_time) for rule in rules}
        kept_ends = {_clock(rule.end_time) for rule in rules}
        self._rows: dict[int, int] = {}
        for day, day_rules in by_day.items():
            self._rows[day] = max(RANGES_PER_DAY, len(day_rules))
            initial[f"d{day}_open"] = bool(day_rules)
            for index, rule in enumerate(day_rules):
                initial[f"d{day}_{index}_start"] = _clock(rule.start_time)
                initial[f"d{day}_{index}_end"] = _clock(rule.end_time)
        super().__init__(data, initial=initial, **kwargs)
        self.rules: list[WeeklyHours] = []
        self._rule_fields: list[tuple[str, str]] = []
        for day, label in Weekday.choices:
            self.fields[f"d{day}_open"] = forms.BooleanField(
                label=_("Open on %(day)s") % {"day": label}, required=False
            )
            for index in range(self._rows[day]):
                self.fields[f"d{day}_{index}_start"] = forms.ChoiceField(
                    label=_("%(day)s, range %(number)d: from")
                    % {"day": label, "number": index + 1},
                    choices=_clock_choices(ends=False, keep=kept_starts),
                    required=False,
                    widget=QuickSelect,
                )
                self.fields[f"d{day}_{index}_end"] = forms.ChoiceField(
                    label=_("%(day)s, range %(number)d: until")
                    % {"day": label, "number": index + 1},
                    choices=_clock_choices(ends=True, keep=kept_ends),
                    required=False,
                    widget=QuickSelect,
                )
        self.fields["buffer_before_minutes"].choices = _minute_choices(
            BUFFER_MINUTES, policy.buffer_before_minutes
        )
        self.fields["buffer_after_minutes"].choices = _minute_choices(
            BUFFER_MINUTES, policy.buffer_after_minutes
        )
        self.fields["min_lead_minutes"].choices = _minute_choices(
            NOTICE_MINUTES, policy.min_lead_minutes
        )
        self.fields["slot_step_minutes"].choices = _minute_choices(
            STEP_CHOICES, policy.slot_step_minutes
        )
        days_ahead = sorted({*DAYS_AHEAD, policy.max_days_ahead})
        self.fields["max_days_ahead"].choices = [
            (days, _days_label(days)) for days in days_ahead
        ]
        self.fields["holiday_country"].choices = country_choices()

    def days(self) -> list[DayRow]:
        """The grid, for the template: one row per weekday with its ranges."""
        return [
            DayRow(
                weekday=day,
                label=str(label),
                open=self[f"d{day}_open"],
                ranges=[
                    RangeRow(self[f"d{day}_{i}_start"], self[f"d{day}_{i}_end"])
                    for i in range(self._rows[day])
                ],
            )
            for day, label in Weekday.choices
        ]

    def policy_fields(self) -> list[forms.BoundField]:
        return [
            self[name]
            for name in (
                "buffer_before_minutes",
                "buffer_after_minutes",
                "min_lead_minutes",
                "max_days_ahead",
                "max_jobs_per_day",
                "slot_step_minutes",
            )
        ]

    @property
    def policy(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in (
                "buffer_before_minutes",
                "buffer_after_minutes",
                "min_lead_minutes",
                "max_days_ahead",
                "max_jobs_per_day",
                "slot_step_minutes",
                "holidays_off",
                "holiday_country",
            )
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        for day, _label in Weekday.choices:
            if not cleaned.get(f"d{day}_open"):
                continue  # a closed day's ranges are ignored, not an error
            found = False
            for index in range(self._rows[day]):
                start_field, end_field = f"d{day}_{index}_start", f"d{day}_{index}_end"
                start, end = cleaned.get(start_field), cleaned.get(end_field)
                if not start and not end:
                    continue
                found = True
                if not start or not end:
                    self.add_error(
                        end_field if start else start_field,
                        _("Choose both a start and an end."),
                    )
                    continue
                self.rules.append(
                    WeeklyHours(day, _parse_clock(start), _parse_clock(end))
                )
                self._rule_fields.append((start_field, end_field))
            if not found:
                self.add_error(
                    f"d{day}_open",
                    _("Add the hours you work, or switch this day off."),
                )
        return cleaned

    def add_service_error(self, error: DomainError) -> None:
        """Put a service's errors beside the fields they are about: a range's
        (``rules.<index>.<field>``) beside that range, a policy field's beside
        it, anything else above the form."""
        for key, messages in (
            error.fields or {NON_FIELD_ERRORS: [error.message]}
        ).items():
            parts = key.split(".")
            target: str | None = None
            if parts[0] == "rules" and len(parts) == 3 and parts[1].isdigit():
                index = int(parts[1])
                if index < len(self._rule_fields):
                    start_field, end_field = self._rule_fields[index]
                    target = start_field if parts[2] == "start_time" else end_field
            elif parts[0] == "policy" and len(parts) == 2 and parts[1] in self.fields:
                target = parts[1]
            for message in messages:
                self.add_error(target, message)


class ExceptionForm(forms.Form):
    """A date that differs from the weekly hours, in the words people use."""

    WHOLE_DAY_OFF = "day_off"
    HOURS_OFF = "hours_off"
    EXTRA_HOURS = "extra"
    KINDS = [
        (WHOLE_DAY_OFF, _("The whole day off")),
        (HOURS_OFF, _("Some hours off")),
        (EXTRA_HOURS, _("Extra working hours")),
    ]

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(
        label=_("What changes"),
        choices=KINDS,
        initial=WHOLE_DAY_OFF,
        widget=forms.RadioSelect,
    )
    start_time = forms.ChoiceField(label=_("From"), required=False, widget=QuickSelect)
    end_time = forms.ChoiceField(label=_("Until"), required=False, widget=QuickSelect)
    note = forms.CharField(
        label=_("Note"),
        max_length=120,
        required=False,
        help_text=_("Only you see it, e.g. “Dentist” or “Holiday”."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start_time"].choices = _clock_choices(ends=False)
        self.fields["end_time"].choices = _clock_choices(ends=True)

    def clean(self) -> dict:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if kind == self.WHOLE_DAY_OFF:
            cleaned["start_time"] = cleaned["end_time"] = None
        else:
            for name, value in (("start_time", start), ("end_time", end)):
                if not value:
                    self.add_error(name, _("Choose the time."))
            cleaned["start_time"] = _parse_clock(start) if start else None
            cleaned["end_time"] = _parse_clock(end) if end else None
        return cleaned

    def service_arguments(self) -> dict:
        """The keyword arguments of ``services.add_exception``."""
        cleaned = self.cleaned_data
        return {
            "day": cleaned["date"],
            "kind": AvailabilityException.Kind.EXTRA
            if cleaned["kind"] == self.EXTRA_HOURS
            else AvailabilityException.Kind.OFF,
            "start_time": cleaned["start_time"],
            "end_time": cleaned["end_time"],
            "note": cleaned["note"],
        }

    def add_service_error(self, error: DomainError) -> None:
        for field, messages in (
            error.fields or {NON_FIELD_ERRORS: [error.message]}
        ).items():
            target = field if field in self.fields else None
            for message in messages:
                self.add_error(target, message)
