"""An agency's listing has a calendar per serving staff member: slots for one
chosen member or for "any", the check before a booking, who is picked."""

from datetime import UTC, date, datetime, timedelta

import pytest

from doorstep.accounts.models import StaffMember
from doorstep.catalog.models import Listing
from doorstep.core.errors import Conflict, DomainError
from doorstep.scheduling.models import AvailabilityException, TimeClaim
from doorstep.scheduling.slots import (
    bookable_slots,
    check_bookable,
    chosen_staff,
    find_claimable,
    serving_staff,
)
from doorstep.scheduling.tests.helpers import (
    agency_listing,
    bookable_listing,
    claim,
    exception,
    local,
    staff_claim,
    staff_hours,
    wall_times,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 1, 4)
NOW = datetime(2027, 1, 1, tzinfo=UTC)
MORNINGS = {0: [("09:00", "12:00")]}


def slots(listing: Listing, **kw):
    kw.setdefault("now", NOW)
    return bookable_slots(listing=listing, start_date=MONDAY, end_date=MONDAY, **kw)


def test_serving_staff_are_the_active_skilled_workers_and_managers_with_a_user():
    # given an agency listing with two skilled workers, and others who do not serve
    listing, (first, second) = agency_listing(hours=MORNINGS, duration=60)
    agency = first.agency
    StaffMember.objects.create(agency=agency, display_name="No account yet")
    StaffMember.objects.create(
        agency=agency, user=make_user(), display_name="Left", is_active=False
    )
    StaffMember.objects.create(
        agency=agency, user=make_user(), display_name="Unskilled"
    )

    # then only the skilled, active members with an account serve it
    assert serving_staff(listing) == [first, second]


def test_an_individual_providers_listing_has_no_staff_and_costs_no_query(
    django_assert_num_queries,
):
    listing = bookable_listing(hours=MORNINGS)
    listing = Listing.objects.select_related("provider").get(pk=listing.pk)

    with django_assert_num_queries(0):
        assert serving_staff(listing) == []


def test_a_staff_member_without_hours_of_their_own_works_the_agencys():
    listing, (first, _second) = agency_listing(hours=MORNINGS, duration=60)

    assert wall_times(slots(listing, staff=first)) == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
        "11:00",
    ]


def test_a_staff_member_with_hours_of_their_own_works_only_those():
    # given the first member works 14:00-16:00 on Mondays, outside the agency's hours
    listing, (first, second) = agency_listing(hours=MORNINGS, duration=60)
    staff_hours(listing, first, 0, "14:00", "16:00")

    # then their slots are theirs, the second's the agency's, "any" the union
    assert wall_times(slots(listing, staff=first)) == ["14:00", "14:30", "15:00"]
    assert wall_times(slots(listing, staff=second))[0] == "09:00"
    assert len(slots(listing)) == 5 + 3


def test_a_staff_members_claims_take_only_their_time():
    # given the first member is booked 09:00-11:00
    listing, (first, second) = agency_listing(hours=MORNINGS, duration=60)
    staff_claim(listing, first, local(listing, MONDAY, "09:00"), 120)

    # then they are free from 11:00, the second all morning, and "any" all morning
    assert wall_times(slots(listing, staff=first)) == ["11:00"]
    assert len(slots(listing, staff=second)) == 5
    assert len(slots(listing)) == 5


def test_any_is_free_while_at_least_one_member_is():
    listing, members = agency_listing(hours=MORNINGS, duration=60)
    for member in members:
        staff_claim(listing, member, local(listing, MONDAY, "09:00"), 120)

    assert wall_times(slots(listing)) == ["11:00"]


def test_agency_time_off_applies_to_members_on_its_hours_and_their_own_too():
    # given the agency is off 09:00-10:00 and the second member off all day
    listing, (first, second) = agency_listing(hours=MORNINGS, duration=60)
    exception(listing, MONDAY, start="09:00", end="10:00")
    AvailabilityException.objects.create(
        provider=listing.provider,
        staff=second,
        date=MONDAY,
        kind=AvailabilityException.Kind.OFF,
    )

    # then the first starts at 10:00 and the second not at all
    assert wall_times(slots(listing, staff=first))[0] == "10:00"
    assert slots(listing, staff=second) == []


def test_the_providers_own_claims_do_not_block_staff():
    listing, (first, _second) = agency_listing(hours=MORNINGS, duration=60)
    claim(listing, local(listing, MONDAY, "09:00"), 180)

    assert len(slots(listing, staff=first)) == 5


def test_an_agency_listing_nobody_serves_yet_uses_the_providers_calendar():
    listing, _none = agency_listing(staff=0, hours=MORNINGS, duration=60)
    claim(listing, local(listing, MONDAY, "09:00"), 120)

    assert wall_times(slots(listing)) == ["11:00"]
    assert find_claimable(
        listing=listing, starts_at=local(listing, MONDAY, "11:00"), now=NOW
    ).staff_keys == (0,)


def test_slots_for_any_number_of_staff_take_a_fixed_number_of_queries(
    django_assert_num_queries,
):
    listing, members = agency_listing(staff=6, hours=MORNINGS, duration=60)
    for member in members:
        staff_claim(listing, member, local(listing, MONDAY, "09:00"), 60)
    listing = Listing.objects.select_related("provider").get(pk=listing.pk)

    # Serving staff, policy, weekly rules, exceptions, claims.
    with django_assert_num_queries(5):
        slots(listing)


def test_any_picks_the_least_busy_member_that_day_then_the_lowest_id():
    # given the first member already has a job that day, the others none
    listing, (first, second, third) = agency_listing(
        staff=3, hours=MORNINGS, duration=60
    )
    staff_claim(listing, first, local(listing, MONDAY, "11:00"), 60)
    # (a claim without an order is no job; a hold is one in the making)
    TimeClaim.objects.filter(staff_key=first.pk).update(hold_token="h")

    found = find_claimable(
        listing=listing, starts_at=local(listing, MONDAY, "09:00"), now=NOW
    )

    assert found.staff_keys == (second.pk, third.pk, first.pk)


def test_the_check_for_a_chosen_member_refuses_their_taken_time():
    listing, (first, second) = agency_listing(hours=MORNINGS, duration=60)
    staff_claim(listing, first, local(listing, MONDAY, "09:00"), 60)
    start = local(listing, MONDAY, "09:00")

    with pytest.raises(Conflict) as taken:
        check_bookable(listing=listing, starts_at=start, now=NOW, staff=first)
    assert taken.value.code == "slot_taken"
    assert check_bookable(listing=listing, starts_at=start, now=NOW, staff=second)


def test_when_nobody_is_free_the_closest_refusal_is_given():
    listing, members = agency_listing(hours=MORNINGS, duration=60)
    staff_hours(listing, members[0], 1, "09:00", "10:00")  # not on Mondays
    staff_claim(listing, members[1], local(listing, MONDAY, "09:00"), 60)

    with pytest.raises(Conflict) as taken:
        find_claimable(
            listing=listing, starts_at=local(listing, MONDAY, "09:00"), now=NOW
        )

    assert taken.value.code == "slot_taken"


def test_a_member_who_does_not_serve_the_listing_is_refused():
    listing, (first, _second) = agency_listing(hours=MORNINGS, duration=60)
    _other, (stranger,) = agency_listing(staff=1, hours=MORNINGS)
    owner = StaffMember.objects.get(agency=first.agency, role="owner")

    for staff in (stranger, owner):
        with pytest.raises(DomainError) as refused:
            slots(listing, staff=staff)
        assert refused.value.code == "staff_not_serving"
    with pytest.raises(DomainError) as refused:
        chosen_staff(listing, stranger.public_id)
    assert refused.value.code == "staff_not_serving"
    with pytest.raises(DomainError):
        chosen_staff(bookable_listing(), first.public_id)
    assert chosen_staff(listing, "") is None
    assert chosen_staff(listing, first.public_id) == first


def test_every_slot_for_any_passes_the_check():
    listing, members = agency_listing(staff=3, hours=MORNINGS, duration=60)
    staff_claim(listing, members[0], local(listing, MONDAY, "09:00"), 90)
    staff_claim(listing, members[1], local(listing, MONDAY, "10:00"), 60)
    staff_claim(listing, members[2], local(listing, MONDAY, "09:30"), 120)

    for slot in slots(listing):
        free = find_claimable(listing=listing, starts_at=slot.starts_at, now=NOW)
        assert free.staff_keys
    assert wall_times(slots(listing)) == ["09:00", "10:30", "11:00"]
    assert timedelta(0) < slots(listing)[0].ends_at - slots(listing)[0].starts_at
