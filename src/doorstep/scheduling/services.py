"""Every write of scheduling: claiming and releasing a provider's time, and
changing their availability (weekly hours, policy, exceptions, calendar feed).

The database guarantees that claims never overlap; the claim functions translate
its refusal into a 409 "slot taken"."""

import itertools
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

import holidays
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, StaffMember, User
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.services import record_event
from doorstep.orders.models import Order
from doorstep.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    CalendarFeed,
    SchedulingPolicy,
    TimeClaim,
    Weekday,
)
from doorstep.scheduling.queries import policy_for, provider_zone

# PostgreSQL's SQLSTATE for "deadlock detected".
DEADLOCK_DETECTED = "40P01"


def _slot_taken() -> Conflict:
    return Conflict(
        "slot_taken",
        _("Sorry, this time was just booked by someone else. Please pick another."),
        fields={"starts_at": [_("This time is no longer available.")]},
    )


def _release_expired_holds(
    provider: ProviderProfile, staff_key: int, now: datetime
) -> None:
    TimeClaim.objects.filter(
        provider=provider,
        staff_key=staff_key,
        released_at__isnull=True,
        hold_expires_at__lte=now,
    ).update(released_at=now)


def claim_time(
    *,
    provider: ProviderProfile,
    starts_at: datetime,
    ends_at: datetime,
    staff_key: int = 0,
    order: Order | None = None,
    hold_minutes: int | None = None,
    held_by: User | None = None,
) -> TimeClaim:
    """Take ``[starts_at, ends_at)`` of the provider's time (buffers included by the
    caller). With ``hold_minutes``, the claim is a hold for customer ``held_by``
    that lapses unless turned into their order's claim in time. Raises
    ``Conflict`` ``slot_taken``.

    Safe under any concurrency: the insert is the check. On PostgreSQL an exclusion
    constraint rejects an overlapping row (a concurrent inserter waits for the first
    to commit, then fails); on SQLite a trigger does, inside a write transaction
    that SQLite serialises.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            _release_expired_holds(provider, staff_key, now)
            return TimeClaim.objects.create(
                provider=provider,
                staff_key=staff_key,
                starts_at=starts_at,
                ends_at=ends_at,
                order=order,
                hold_token=secrets.token_urlsafe(16) if hold_minutes else "",
                hold_expires_at=now + timedelta(minutes=hold_minutes)
                if hold_minutes
                else None,
                held_by=held_by if hold_minutes else None,
            )
    except IntegrityError as error:
        raise _slot_taken() from error
    except OperationalError as error:
        # Two inserters of overlapping claims each wait for the other's exclusion
        # check on PostgreSQL; it aborts one as a deadlock. The other goes on,
        # so the one aborted has lost the race like any other loser.
        if getattr(error.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
            raise
        raise _slot_taken() from error


def hold_time(
    *,
    provider: ProviderProfile,
    starts_at: datetime,
    ends_at: datetime,
    held_by: User,
    staff_key: int = 0,
) -> TimeClaim:
    """Hold a slot for customer ``held_by`` while they complete payment."""
    return claim_time(
        provider=provider,
        starts_at=starts_at,
        ends_at=ends_at,
        staff_key=staff_key,
        hold_minutes=settings.DOORSTEP_HOLD_MINUTES,
        held_by=held_by,
    )


def convert_hold(
    *, provider: ProviderProfile, hold_token: str, order: Order
) -> TimeClaim:
    """Turn a live hold into the order's claim. The hold must be the order's
    customer's: a token is not a bearer pass to someone else's time. Raises
    ``Conflict`` ``hold_expired`` if it lapsed or is not theirs (alike)."""
    now = timezone.now()
    claim = (
        TimeClaim.objects.select_for_update()
        .filter(
            provider=provider,
            held_by_id=order.customer_id,
            hold_token=hold_token,
            released_at__isnull=True,
            hold_expires_at__gt=now,
        )
        .first()
    )
    if not hold_token or claim is None:
        raise Conflict(
            "hold_expired",
            _("Your hold on this time has expired. Please pick the time again."),
        )
    claim.order = order
    claim.hold_token = ""
    claim.hold_expires_at = None
    claim.save(update_fields=["order", "hold_token", "hold_expires_at"])
    return claim


def release_order_time(*, order: Order, now: datetime | None = None) -> int:
    """Free every claim an order holds (it was cancelled, declined, expired…)."""
    return TimeClaim.objects.filter(order=order, released_at__isnull=True).update(
        released_at=now or timezone.now()
    )


# --- Availability: weekly hours, policy, exceptions -----------------------------------


class WeeklyHours(NamedTuple):
    """One range of a weekday's working hours, in the provider's local time. An
    end of ``END_OF_DAY`` (23:59) means midnight."""

    weekday: int
    start_time: time
    end_time: time


POLICY_FIELDS = (
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_lead_minutes",
    "max_days_ahead",
    "max_jobs_per_day",
    "slot_step_minutes",
    "holidays_off",
    "holiday_country",
)
# Exceptions can be planned this far ahead.
MAX_EXCEPTION_DAYS_AHEAD = 2 * 365


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    # Each field may be well formed on its own (what a request schema checks)
    # and still break a rule with the others or with today: a 422 naming them.
    return DomainError(
        "invalid_schedule",
        _("These hours or dates cannot be used; see the fields."),
        fields=errors,
    )


def _rule_errors(rules: Sequence[WeeklyHours]) -> dict[str, list[str]]:
    """Each range must end after it starts and not overlap another on its day.
    Errors are keyed ``rules.<index>.<field>`` by the position in ``rules``."""
    errors: dict[str, list[str]] = {}
    by_day: dict[int, list[tuple[time, time, int]]] = {}
    for index, rule in enumerate(rules):
        if rule.weekday not in Weekday.values:
            errors[f"rules.{index}.weekday"] = [_("Choose a day of the week.")]
        elif rule.end_time <= rule.start_time:
            errors[f"rules.{index}.end_time"] = [_("The end must be after the start.")]
        else:
            by_day.setdefault(rule.weekday, []).append(
                (rule.start_time, rule.end_time, index)
            )
    for ranges in by_day.values():
        ranges.sort()
        for (_start, previous_end, _index), (start, _end, index) in itertools.pairwise(
            ranges
        ):
            if start < previous_end:
                errors[f"rules.{index}.start_time"] = [
                    _("This overlaps another range on the same day.")
                ]
    return errors


def _policy_errors(policy: SchedulingPolicy) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    try:
        policy.full_clean(exclude=["provider"], validate_unique=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    country = policy.holiday_country
    if country and country not in holidays.list_supported_countries():
        errors.setdefault("holiday_country", []).append(
            _("We do not know the public holidays of %(country)s.")
            % {"country": country}
        )
    elif policy.holidays_off and not country:
        errors.setdefault("holiday_country", []).append(
            _("Choose the country whose public holidays you take off.")
        )
    return errors


def _policy_with(
    provider: ProviderProfile, fields: Mapping[str, Any]
) -> SchedulingPolicy:
    policy = policy_for(provider)
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"unknown policy fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.holiday_country = (policy.holiday_country or "").strip().upper()
    return policy


def _lock_provider(provider: ProviderProfile) -> None:
    # Serialises concurrent edits of one provider's availability (SQLite
    # serialises every write transaction anyway).
    ProviderProfile.objects.select_for_update().filter(pk=provider.pk).first()


def _availability_changed(provider: ProviderProfile) -> None:
    record_event(topic="availability.changed", subject=provider.public_id)


@transaction.atomic
def replace_weekly_rules(
    *,
    provider: ProviderProfile,
    rules: Sequence[WeeklyHours],
    staff: StaffMember | None = None,
) -> list[AvailabilityRule]:
    """Replace the provider's weekly hours with ``rules``, all or nothing (with
    ``staff``: that staff member's of the agency ``provider`` runs).

    Raises ``DomainError`` (422, ``invalid_schedule``) with errors keyed
    ``rules.<index>.<field>`` and changes nothing when a range is invalid.
    """
    errors = _rule_errors(rules)
    if errors:
        raise _invalid(errors)
    _lock_provider(provider)
    created = _write_rules(provider, rules, staff=staff)
    _availability_changed(provider)
    return created


def _write_rules(
    provider: ProviderProfile,
    rules: Sequence[WeeklyHours],
    staff: StaffMember | None = None,
) -> list[AvailabilityRule]:
    AvailabilityRule.objects.filter(provider=provider, staff=staff).delete()
    return AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            provider=provider,
            staff=staff,
            weekday=rule.weekday,
            start_time=rule.start_time,
            end_time=rule.end_time,
        )
        for rule in sorted(rules)
    )


@transaction.atomic
def update_policy(*, provider: ProviderProfile, **fields: Any) -> SchedulingPolicy:
    """Change the provider's scheduling policy (creating it on first use). Fields
    left out keep their value. Raises ``DomainError`` (422) naming each bad field;
    nothing is saved then."""
    _lock_provider(provider)  # before reading: two first saves make one policy
    policy = _policy_with(provider, fields)
    errors = _policy_errors(policy)
    if errors:
        raise _invalid(errors)
    policy.save()
    _availability_changed(provider)
    return policy


@transaction.atomic
def replace_availability(
    *,
    provider: ProviderProfile,
    rules: Sequence[WeeklyHours],
    policy: Mapping[str, Any],
) -> SchedulingPolicy:
    """Replace the weekly hours and set the policy together, all or nothing.

    Every problem is reported at once, keyed ``rules.<index>.<field>`` and
    ``policy.<field>``, in one ``DomainError`` (422); nothing is written then.
    """
    _lock_provider(provider)
    saved_policy = _policy_with(provider, policy)
    errors = _rule_errors(rules)
    errors.update(
        (f"policy.{name}", messages)
        for name, messages in _policy_errors(saved_policy).items()
    )
    if errors:
        raise _invalid(errors)
    saved_policy.save()
    _write_rules(provider, rules)
    _availability_changed(provider)
    return saved_policy


@transaction.atomic
def add_exception(
    *,
    provider: ProviderProfile,
    day: date,
    kind: str,
    start_time: time | None = None,
    end_time: time | None = None,
    note: str = "",
    staff: StaffMember | None = None,
) -> AvailabilityException:
    """Add a date that differs from the weekly hours: time off (the whole day when
    no times are given) or extra hours. Raises ``DomainError`` (422) naming the
    bad fields (``date``, ``kind``, ``start_time``, ``end_time``, ``note``)."""
    errors: dict[str, list[str]] = {}
    today = timezone.now().astimezone(provider_zone(provider)).date()
    if day < today:
        errors["date"] = [_("Choose today or a later date.")]
    elif day > today + timedelta(days=MAX_EXCEPTION_DAYS_AHEAD):
        errors["date"] = [_("Choose a date within the next two years.")]
    if kind not in AvailabilityException.Kind.values:
        errors["kind"] = [_("Choose time off or extra hours.")]
    if (start_time is None) != (end_time is None):
        missing = "start_time" if start_time is None else "end_time"
        errors[missing] = [_("Give both a start and an end, or neither.")]
    elif start_time is None and kind == AvailabilityException.Kind.EXTRA:
        errors["start_time"] = [_("Give the extra hours' start and end.")]
    elif start_time is not None and end_time <= start_time:
        errors["end_time"] = [_("The end must be after the start.")]
    note = (note or "").strip()
    if len(note) > AvailabilityException._meta.get_field("note").max_length:
        errors["note"] = [_("Keep the note under 120 characters.")]
    if errors:
        raise _invalid(errors)
    exception = AvailabilityException.objects.create(
        provider=provider,
        staff=staff,
        date=day,
        kind=kind,
        start_time=start_time,
        end_time=end_time,
        note=note,
    )
    _availability_changed(provider)
    return exception


@transaction.atomic
def remove_exception(
    *,
    provider: ProviderProfile,
    exception_id: str,
    staff: StaffMember | None = None,
) -> None:
    """Delete one of the provider's exceptions (with ``staff``: one of that
    staff member's). Raises ``NotFound`` for an id that is not theirs."""
    exceptions = AvailabilityException.objects.filter(
        provider=provider, public_id=exception_id
    )
    if staff is not None:
        exceptions = exceptions.filter(staff=staff)
    deleted, _kinds = exceptions.delete()
    if not deleted:
        raise NotFound("exception_not_found", _("No such exception."))
    _availability_changed(provider)


# --- Calendar feeds -------------------------------------------------------------------


@transaction.atomic
def create_calendar_feed(*, provider: ProviderProfile) -> tuple[CalendarFeed, str]:
    """Make a new private calendar feed for the provider, revoking the one they
    had. Returns the feed and its token, which is not stored and cannot be shown
    again."""
    _lock_provider(provider)
    now = timezone.now()
    CalendarFeed.objects.filter(provider=provider, revoked_at__isnull=True).update(
        revoked_at=now
    )
    raw = "cal_" + secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        provider=provider, digest=CalendarFeed.digest_of(raw), prefix=raw[:8]
    )
    record_event(topic="calendar_feed.created", subject=provider.public_id)
    return feed, raw


@transaction.atomic
def revoke_calendar_feed(*, provider: ProviderProfile) -> bool:
    """Turn the provider's feed off: its URL answers 404 from now on. Returns
    whether there was one."""
    revoked = CalendarFeed.objects.filter(
        provider=provider, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked:
        record_event(topic="calendar_feed.revoked", subject=provider.public_id)
    return bool(revoked)
