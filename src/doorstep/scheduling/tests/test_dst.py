"""Daylight saving: a skipped start time is not offered, a repeated one is two
distinct instants offered once each, and a slot always lasts the job's real
length. Zones without daylight saving are unaffected."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.core.errors import DomainError
from doorstep.scheduling.slots import bookable_slots, check_bookable
from doorstep.scheduling.tests.helpers import bookable_listing, local

pytestmark = pytest.mark.django_db

LOS_ANGELES = "America/Los_Angeles"
SPRING_FORWARD = date(2027, 3, 14)  # 02:00 PST → 03:00 PDT, a Sunday
FALL_BACK = date(2027, 11, 7)  # 02:00 PDT → 01:00 PST, a Sunday
SUNDAY = 6
NOW = datetime(2027, 3, 1, tzinfo=UTC)


def _slots(listing, day, **kw):
    return bookable_slots(listing=listing, start_date=day, end_date=day, now=NOW, **kw)


def _utc(slots) -> list[str]:
    return [slot.starts_at.strftime("%H:%M") for slot in slots]


def _local(slots) -> list[str]:
    return [slot.local_starts_at.strftime("%H:%M%z") for slot in slots]


def test_spring_forward_skips_the_missing_hour_and_keeps_real_durations():
    listing = bookable_listing(
        zone=LOS_ANGELES, hours={SUNDAY: [("00:00", "06:00")]}, duration=60
    )

    found = _slots(listing, SPRING_FORWARD)

    assert _local(found) == [
        "00:00-0800",
        "00:30-0800",
        "01:00-0800",
        "01:30-0800",  # ends at 03:30 PDT: one real hour
        "03:00-0700",
        "03:30-0700",
        "04:00-0700",
        "04:30-0700",
        "05:00-0700",
    ]
    assert {slot.ends_at - slot.starts_at for slot in found} == {timedelta(hours=1)}


def test_a_range_starting_in_the_missing_hour_starts_when_the_clock_jumps():
    listing = bookable_listing(
        zone=LOS_ANGELES, hours={SUNDAY: [("02:30", "05:00")]}, duration=60
    )

    assert _local(_slots(listing, SPRING_FORWARD)) == [
        "03:00-0700",
        "03:30-0700",
        "04:00-0700",
    ]


def test_fall_back_offers_each_repeated_time_twice_as_two_instants():
    listing = bookable_listing(
        zone=LOS_ANGELES, hours={SUNDAY: [("00:00", "04:00")]}, duration=60
    )

    found = _slots(listing, FALL_BACK)

    # Five real hours of window: a steady half-hour grid in UTC.
    assert _utc(found) == [
        "07:00",
        "07:30",
        "08:00",
        "08:30",
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
    ]
    assert _local(found)[2:6] == [
        "01:00-0700",
        "01:30-0700",
        "01:00-0800",
        "01:30-0800",
    ]
    assert len({slot.starts_at for slot in found}) == len(found)
    assert {slot.ends_at - slot.starts_at for slot in found} == {timedelta(hours=1)}


def test_a_range_ending_in_the_repeated_hour_ends_the_first_time_round():
    listing = bookable_listing(
        zone=LOS_ANGELES, hours={SUNDAY: [("00:00", "01:30")]}, duration=30
    )

    # The second 01:00 comes after the first 01:30, when the range has ended.
    assert _local(_slots(listing, FALL_BACK)) == [
        "00:00-0700",
        "00:30-0700",
        "01:00-0700",
    ]


def test_check_bookable_agrees_on_both_repeated_instants():
    listing = bookable_listing(
        zone=LOS_ANGELES,
        hours={SUNDAY: [("00:00", "04:00")]},
        duration=60,
        buffer_before_minutes=10,
        buffer_after_minutes=20,
    )
    first = local(listing, FALL_BACK, "01:30", fold=0)
    second = local(listing, FALL_BACK, "01:30", fold=1)

    assert second - first == timedelta(hours=1)
    for start in (first, second):
        claim_start, claim_end = check_bookable(
            listing=listing, starts_at=start, now=NOW
        )
        assert claim_end - claim_start == timedelta(minutes=90)
    with pytest.raises(DomainError) as error:
        check_bookable(
            listing=listing, starts_at=first + timedelta(minutes=15), now=NOW
        )
    assert error.value.code == "outside_availability"


@pytest.mark.parametrize("day", [SPRING_FORWARD, FALL_BACK, date(2027, 6, 20)])
def test_shanghai_has_no_daylight_saving(day):
    listing = bookable_listing(zone="Asia/Shanghai", duration=60)

    found = _slots(listing, day)

    assert len(found) == 15  # 09:00 to 16:00 every half hour
    assert {slot.local_starts_at.utcoffset() for slot in found} == {timedelta(hours=8)}
    assert found[0].starts_at.hour == 1


def test_a_shanghai_provider_seen_from_los_angeles_across_its_change():
    listing = bookable_listing(zone="Asia/Shanghai", duration=60)

    before = _slots(listing, SPRING_FORWARD - timedelta(days=1), viewer_tz=LOS_ANGELES)
    after = _slots(listing, SPRING_FORWARD + timedelta(days=1), viewer_tz=LOS_ANGELES)

    # 09:00 in Shanghai is 17:00 PST the day before, then 18:00 PDT.
    assert "17:00-0800" in _local(before)
    assert "17:00-0700" not in _local(after)
    assert "18:00-0700" in _local(after)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    start=st.integers(0, 47).map(lambda half: half * 30),
    length=st.integers(1, 20).map(lambda half: half * 30),
    duration=st.sampled_from([30, 45, 60, 90, 120, 180]),
    step=st.sampled_from([15, 20, 30, 60]),
    day=st.sampled_from([SPRING_FORWARD, FALL_BACK]),
)
def test_every_slot_is_a_real_local_time_lasting_the_job(
    start, length, duration, step, day
):
    end = min(start + length, 24 * 60)
    text = [f"{minutes // 60:02d}:{minutes % 60:02d}" for minutes in (start, end)]
    zone = ZoneInfo(LOS_ANGELES)
    with transaction.atomic():
        listing = bookable_listing(
            zone=LOS_ANGELES,
            hours={SUNDAY: [(text[0], text[1])]},
            duration=duration,
            slot_step_minutes=step,
        )
        found = _slots(listing, day)
        transaction.set_rollback(True)

    assert len({slot.starts_at for slot in found}) == len(found)
    for slot in found:
        assert slot.ends_at - slot.starts_at == timedelta(minutes=duration)
        wall = slot.starts_at.astimezone(zone)
        # The start is a time the clock really shows, on the grid of the range.
        assert wall.replace(tzinfo=None).replace(tzinfo=zone, fold=wall.fold) == wall
        assert (wall.hour * 60 + wall.minute - start) % step == 0
        assert wall.date() == day
