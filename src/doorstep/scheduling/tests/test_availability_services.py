"""The availability writes: weekly hours, policy, exceptions, calendar feeds. Bad
input is refused with errors by field and writes nothing."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from doorstep.core.errors import DomainError, NotFound
from doorstep.events.models import Event
from doorstep.scheduling import services
from doorstep.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    CalendarFeed,
    SchedulingPolicy,
)
from doorstep.scheduling.queries import calendar_feed_by_token, policy_for
from doorstep.scheduling.services import WeeklyHours
from tests.factories import make_provider

pytestmark = pytest.mark.django_db

NINE, NOON, ONE, FIVE = time(9), time(12), time(13), time(17)


def _hours(provider) -> list[tuple[int, time, time]]:
    return list(
        AvailabilityRule.objects.filter(provider=provider).values_list(
            "weekday", "start_time", "end_time"
        )
    )


def _refused(call, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as error:
        call(**kwargs)
    assert (error.value.status, error.value.code) == (422, "invalid_schedule")
    return error.value


# --- Weekly hours and policy ----------------------------------------------------------


def test_weekly_hours_are_replaced_as_a_whole():
    provider = make_provider()
    services.replace_weekly_rules(provider=provider, rules=[WeeklyHours(0, NINE, FIVE)])

    services.replace_weekly_rules(
        provider=provider,
        rules=[WeeklyHours(2, ONE, FIVE), WeeklyHours(2, NINE, NOON)],
    )

    assert _hours(provider) == [(2, NINE, NOON), (2, ONE, FIVE)]
    assert Event.objects.filter(topic="availability.changed").count() == 2


def test_overlapping_ranges_and_ends_before_starts_are_refused_by_position():
    provider = make_provider()
    services.replace_weekly_rules(provider=provider, rules=[WeeklyHours(0, NINE, FIVE)])

    error = _refused(
        services.replace_weekly_rules,
        provider=provider,
        rules=[
            WeeklyHours(1, NINE, NOON),
            WeeklyHours(1, time(11), ONE),  # overlaps the first
            WeeklyHours(3, FIVE, NINE),  # ends before it starts
            WeeklyHours(4, NINE, NOON),
            WeeklyHours(4, NOON, FIVE),  # touching is fine
        ],
    )

    assert set(error.fields) == {"rules.1.start_time", "rules.2.end_time"}
    assert _hours(provider) == [(0, NINE, FIVE)]


def test_staff_hours_are_left_alone():
    from doorstep.accounts.models import Agency, StaffMember

    provider = make_provider()
    agency = Agency.objects.create(name="Crew", owner=provider.user)
    worker = StaffMember.objects.create(agency=agency, display_name="Wu")
    AvailabilityRule.objects.create(
        provider=provider, staff=worker, weekday=0, start_time=NINE, end_time=FIVE
    )

    services.replace_weekly_rules(provider=provider, rules=[])

    assert AvailabilityRule.objects.filter(provider=provider).count() == 1


def test_the_policy_is_created_on_first_change_and_then_updated():
    provider = make_provider()
    assert policy_for(provider).pk is None

    services.update_policy(provider=provider, buffer_after_minutes=45)
    services.update_policy(provider=provider, holidays_off=True, holiday_country="tw")

    policy = SchedulingPolicy.objects.get(provider=provider)
    assert (policy.buffer_after_minutes, policy.holiday_country) == (45, "TW")


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"holidays_off": True, "holiday_country": ""}, "holiday_country"),
        ({"holiday_country": "XX"}, "holiday_country"),
        ({"buffer_before_minutes": 999}, "buffer_before_minutes"),
        ({"max_days_ahead": 0}, "max_days_ahead"),
        ({"slot_step_minutes": 1}, "slot_step_minutes"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(fields, bad):
    provider = make_provider()

    error = _refused(services.update_policy, provider=provider, **fields)

    assert bad in error.fields
    assert not SchedulingPolicy.objects.filter(provider=provider).exists()


def test_replacing_availability_writes_nothing_when_any_part_is_bad():
    provider = make_provider()
    services.replace_availability(
        provider=provider,
        rules=[WeeklyHours(0, NINE, FIVE)],
        policy={"buffer_after_minutes": 15},
    )

    error = _refused(
        services.replace_availability,
        provider=provider,
        rules=[WeeklyHours(1, NINE, FIVE)],
        policy={"buffer_after_minutes": 60, "max_jobs_per_day": 0},
    )

    assert set(error.fields) == {"policy.max_jobs_per_day"}
    assert _hours(provider) == [(0, NINE, FIVE)]
    assert SchedulingPolicy.objects.get(provider=provider).buffer_after_minutes == 15


# --- Exceptions ---------------------------------------------------------------------


def test_exceptions_are_added_and_removed_by_their_owner_only():
    provider, other = make_provider(), make_provider()
    day = timezone.now().date() + timedelta(days=2)

    off = services.add_exception(
        provider=provider, day=day, kind="off", note=" Dentist "
    )
    extra = services.add_exception(
        provider=provider, day=day, kind="extra", start_time=ONE, end_time=FIVE
    )

    assert off.public_id.startswith("avx_")
    assert off.note == "Dentist"
    with pytest.raises(NotFound):
        services.remove_exception(provider=other, exception_id=off.public_id)
    services.remove_exception(provider=provider, exception_id=off.public_id)
    assert list(AvailabilityException.objects.all()) == [extra]


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"day": -3, "kind": "off"}, "date"),
        ({"day": 800, "kind": "off"}, "date"),
        ({"kind": "holiday"}, "kind"),
        ({"kind": "extra"}, "start_time"),
        ({"kind": "off", "start_time": NINE}, "end_time"),
        ({"kind": "off", "end_time": NINE}, "start_time"),
        ({"kind": "extra", "start_time": FIVE, "end_time": NINE}, "end_time"),
        ({"kind": "off", "note": "x" * 121}, "note"),
    ],
)
def test_a_bad_exception_is_refused_naming_the_field(fields, bad):
    provider = make_provider()
    fields.setdefault("day", 2)
    fields["day"] = timezone.now().date() + timedelta(days=fields["day"])

    error = _refused(services.add_exception, provider=provider, **fields)

    assert bad in error.fields
    assert not AvailabilityException.objects.exists()


# --- Calendar feeds -----------------------------------------------------------------


def test_a_calendar_feed_stores_only_a_digest_and_a_new_one_revokes_the_old():
    provider = make_provider()

    first, first_token = services.create_calendar_feed(provider=provider)
    second, second_token = services.create_calendar_feed(provider=provider)

    assert first_token.startswith("cal_")
    assert len(first_token) > 40
    assert first.digest == CalendarFeed.digest_of(first_token)
    assert first.prefix == first_token[:8]
    assert calendar_feed_by_token(first_token) is None
    assert calendar_feed_by_token(second_token) == second
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).get() == second


def test_a_revoked_feed_is_gone():
    provider = make_provider()
    _feed, token = services.create_calendar_feed(provider=provider)

    assert services.revoke_calendar_feed(provider=provider) is True
    assert services.revoke_calendar_feed(provider=provider) is False
    assert calendar_feed_by_token(token) is None
