"""Bookable start times: weekly rules, exceptions, holidays, buffers, notice,
horizon, jobs per day, existing bookings and holds, durations, query count."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing, PricingModel
from doorstep.core.errors import DomainError
from doorstep.scheduling.models import AvailabilityException, SchedulingPolicy
from doorstep.scheduling.slots import bookable_slots
from doorstep.scheduling.tests.helpers import (
    bookable_listing,
    claim,
    exception,
    local,
    order_at,
    wall_times,
)
from tests.factories import make_listing, make_provider

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 1, 4)
TUESDAY = MONDAY + timedelta(days=1)
NOW = datetime(2027, 1, 1, tzinfo=UTC)
MORNINGS = {0: [("09:00", "12:00")]}


def slots(listing: Listing, first: date = MONDAY, last: date | None = None, **kw):
    kw.setdefault("now", NOW)
    return bookable_slots(
        listing=listing, start_date=first, end_date=last or first, **kw
    )


# --- Weekly rules ---------------------------------------------------------------------


def test_weekly_hours_give_start_times_on_the_step_grid_that_fit_the_job():
    listing = bookable_listing(hours=MORNINGS, duration=60)

    assert wall_times(slots(listing)) == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    assert slots(listing, TUESDAY) == []


def test_each_range_starts_its_own_grid():
    listing = bookable_listing(
        hours={0: [("09:15", "10:30"), ("13:00", "14:00")]}, duration=30
    )

    assert wall_times(slots(listing)) == ["09:15", "09:45", "13:00", "13:30"]


def test_a_range_until_midnight_runs_into_the_next_morning():
    listing = bookable_listing(
        hours={0: [("22:00", "24:00")], 1: [("00:00", "02:00")]}, duration=120
    )

    found = slots(listing, MONDAY, TUESDAY)

    assert wall_times(found) == ["22:00", "22:30", "23:00", "23:30", "00:00"]


def test_slots_are_utc_instants_shown_in_the_providers_zone():
    listing = bookable_listing(hours=MORNINGS, duration=90)

    first = slots(listing)[0]

    assert first.starts_at == datetime(2027, 1, 4, 1, 0, tzinfo=UTC)
    assert first.ends_at - first.starts_at == timedelta(minutes=90)
    assert first.local_starts_at.isoformat() == "2027-01-04T09:00:00+08:00"
    assert first.time_zone == "Asia/Shanghai"


def test_dates_and_display_follow_the_viewers_zone():
    # Monday 09:00–12:00 in Shanghai is Sunday 17:00–20:00 in Los Angeles.
    listing = bookable_listing(hours=MORNINGS, duration=60)

    found = slots(listing, date(2027, 1, 3), viewer_tz="America/Los_Angeles")

    assert wall_times(found) == ["17:00", "17:30", "18:00", "18:30", "19:00"]
    assert found[0].local_starts_at.isoformat() == "2027-01-03T17:00:00-08:00"
    assert slots(listing, MONDAY, viewer_tz="America/Los_Angeles") == []


def test_a_provider_without_weekly_hours_cannot_be_booked():
    listing = make_listing(provider=make_provider(time_zone="Asia/Shanghai"))

    assert slots(listing, MONDAY, MONDAY + timedelta(days=6)) == []


def test_a_provider_without_a_policy_gets_the_defaults():
    listing = bookable_listing(hours=MORNINGS, duration=60)
    SchedulingPolicy.objects.filter(provider=listing.provider).delete()
    now = local(listing, MONDAY, "08:00")
    taken = local(listing, MONDAY, "10:00")
    claim(listing, taken, 30)

    # Default notice is 2 hours and 30 minutes are kept free after each job.
    found = slots(listing, now=now)

    assert wall_times(found) == ["10:30", "11:00"]
    assert not SchedulingPolicy.objects.filter(provider=listing.provider).exists()


# --- Exceptions and holidays ----------------------------------------------------------


def test_a_whole_day_off_removes_the_day():
    listing = bookable_listing(hours=MORNINGS)
    exception(listing, MONDAY)

    assert slots(listing) == []


def test_hours_off_remove_only_those_hours():
    listing = bookable_listing(hours=MORNINGS, duration=60)
    exception(listing, MONDAY, start="10:00", end="11:00")

    assert wall_times(slots(listing)) == ["09:00", "11:00"]


def test_extra_hours_add_a_window_and_time_off_still_wins():
    listing = bookable_listing(hours=MORNINGS, duration=60)
    exception(listing, TUESDAY, AvailabilityException.Kind.EXTRA, "18:00", "20:00")

    assert wall_times(slots(listing, TUESDAY)) == ["18:00", "18:30", "19:00"]

    exception(listing, TUESDAY, AvailabilityException.Kind.OFF, "18:00", "19:00")
    assert wall_times(slots(listing, TUESDAY)) == ["19:00"]


def test_public_holidays_are_off_only_when_asked():
    national_day = date(2027, 10, 1)  # a Friday
    listing = bookable_listing(holidays_off=True, holiday_country="CN")
    other = bookable_listing(holidays_off=False, holiday_country="CN")

    assert slots(listing, national_day) == []
    assert slots(listing, national_day + timedelta(days=7)) != []
    assert slots(other, national_day) != []


def test_extra_hours_on_a_public_holiday_are_kept():
    new_year = date(2027, 1, 1)
    listing = bookable_listing(holidays_off=True, holiday_country="US")
    exception(listing, new_year, AvailabilityException.Kind.EXTRA, "10:00", "11:00")

    found = slots(listing, new_year, now=NOW - timedelta(days=1))

    assert wall_times(found) == ["10:00"]


# --- Time already taken ---------------------------------------------------------------


def test_a_job_needs_its_own_buffers_clear_of_every_claim():
    listing = bookable_listing(
        hours={0: [("09:00", "13:00")]},
        duration=60,
        buffer_before_minutes=15,
        buffer_after_minutes=30,
    )
    claim(listing, local(listing, MONDAY, "10:00"), 60)

    # 09:00 would need until 10:30 and 11:00 would need from 10:45.
    assert wall_times(slots(listing)) == ["11:30", "12:00"]


def test_orders_and_live_holds_take_time_but_lapsed_and_released_claims_do_not():
    listing = bookable_listing(hours=MORNINGS, duration=60, slot_step_minutes=60)
    order_at(listing, local(listing, MONDAY, "09:00"), 60)
    claim(listing, local(listing, MONDAY, "10:00"), 60, hold_until=NOW + timedelta(1))
    claim(listing, local(listing, MONDAY, "11:00"), 60, hold_until=NOW)  # lapsed
    released = order_at(listing, local(listing, TUESDAY, "09:00"), 60)
    released.time_claims.update(released_at=NOW)

    assert wall_times(slots(listing)) == ["11:00"]
    assert wall_times(slots(listing, TUESDAY)) == []  # no hours on Tuesday
    listing.provider.availability_rules.create(
        weekday=1, start_time="09:00", end_time="10:00"
    )
    assert wall_times(slots(listing, TUESDAY)) == ["09:00"]


def test_jobs_per_day_count_orders_and_holds_on_the_providers_local_day():
    listing = bookable_listing(duration=60, max_jobs_per_day=2)
    order_at(listing, local(listing, MONDAY, "09:00"), 60)
    # 07:30 on Tuesday in Shanghai is still Monday in UTC: it counts for Tuesday.
    order_at(listing, local(listing, TUESDAY, "07:30"), 30)

    assert wall_times(slots(listing))[0] == "10:00"
    assert wall_times(slots(listing, TUESDAY))[0] == "09:00"

    claim(listing, local(listing, MONDAY, "15:00"), 60, hold_until=NOW + timedelta(1))

    assert slots(listing) == []
    assert wall_times(slots(listing, TUESDAY))[0] == "09:00"


# --- Notice and horizon ---------------------------------------------------------------


def test_minimum_notice_and_the_past_are_left_out():
    listing = bookable_listing(duration=60, min_lead_minutes=120)
    now = local(listing, MONDAY, "09:40")

    assert wall_times(slots(listing, now=now))[0] == "12:00"


def test_nothing_is_offered_beyond_the_days_ahead():
    listing = bookable_listing(duration=60, max_days_ahead=3)
    now = local(listing, date(2027, 1, 1), "08:00")

    found = slots(listing, date(2027, 1, 1), date(2027, 1, 10), now=now)

    assert {slot.local_starts_at.date() for slot in found} == {
        date(2027, 1, day) for day in (1, 2, 3, 4)
    }


# --- Durations ------------------------------------------------------------------------


def test_hourly_listings_take_the_chosen_hours_and_their_minimum_by_default():
    listing = bookable_listing(
        hours=MORNINGS, pricing_model=PricingModel.HOURLY, min_hours=2
    )

    assert wall_times(slots(listing)) == ["09:00", "09:30", "10:00"]
    assert wall_times(slots(listing, hours=3)) == ["09:00"]
    assert slots(listing, hours=3)[0].ends_at - slots(listing, hours=3)[
        0
    ].starts_at == (timedelta(hours=3))


@pytest.mark.parametrize("hours", [1, 13])
def test_hours_outside_the_minimum_and_twelve_are_refused(hours):
    listing = bookable_listing(pricing_model=PricingModel.HOURLY, min_hours=2)

    with pytest.raises(DomainError) as error:
        slots(listing, hours=hours)
    assert error.value.code == "wrong_duration"


def test_hours_on_a_fixed_duration_listing_are_refused():
    listing = bookable_listing()

    with pytest.raises(DomainError) as error:
        slots(listing, hours=2)
    assert error.value.code == "wrong_duration"


def test_paused_listings_and_suspended_providers_offer_nothing():
    listing = bookable_listing()
    listing.status = Listing.Status.PAUSED
    with pytest.raises(DomainError) as error:
        slots(listing)
    assert error.value.code == "listing_unavailable"

    listing.status = Listing.Status.PUBLISHED
    listing.provider.status = ProviderProfile.Status.SUSPENDED
    with pytest.raises(DomainError) as error:
        slots(listing)
    assert error.value.code == "listing_unavailable"


# --- Queries --------------------------------------------------------------------------


@pytest.mark.parametrize("days", [1, 60])
def test_the_number_of_queries_does_not_depend_on_the_range(
    days, django_assert_num_queries
):
    listing = bookable_listing(
        duration=60,
        max_jobs_per_day=3,
        holidays_off=True,
        holiday_country="CN",
        buffer_after_minutes=30,
    )
    for offset in range(0, 40, 3):
        day = MONDAY + timedelta(days=offset)
        order_at(listing, local(listing, day, "10:00"), 60)
        exception(listing, day + timedelta(days=1), start="12:00", end="13:00")
    listing = Listing.objects.select_related("provider").get(pk=listing.pk)

    # Policy, weekly rules, exceptions, claims.
    with django_assert_num_queries(4):
        found = slots(listing, MONDAY, MONDAY + timedelta(days=days - 1))

    assert found
    assert timezone.is_aware(found[0].starts_at)
