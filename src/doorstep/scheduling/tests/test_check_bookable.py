"""``check_bookable``: the span to claim for a good start, a clear code for every
bad one."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from doorstep.catalog.models import Listing, PricingModel
from doorstep.core.errors import Conflict, DomainError
from doorstep.scheduling.models import AvailabilityException, TimeClaim
from doorstep.scheduling.slots import check_bookable
from doorstep.scheduling.tests.helpers import (
    bookable_listing,
    claim,
    exception,
    local,
    order_at,
)

pytestmark = pytest.mark.django_db

MONDAY = date(2027, 1, 4)
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def _refusal(listing: Listing, starts_at: datetime, **kw) -> DomainError:
    kw.setdefault("now", NOW)
    with pytest.raises(DomainError) as error:
        check_bookable(listing=listing, starts_at=starts_at, **kw)
    return error.value


def test_a_good_start_gives_the_span_to_claim_with_buffers():
    listing = bookable_listing(
        duration=90, buffer_before_minutes=15, buffer_after_minutes=30
    )
    start = local(listing, MONDAY, "10:00")

    claim_start, claim_end = check_bookable(listing=listing, starts_at=start, now=NOW)

    assert claim_start == start - timedelta(minutes=15)
    assert claim_end == start + timedelta(minutes=120)
    assert claim_start.tzinfo == UTC
    assert not TimeClaim.objects.exists()


def test_the_start_may_be_given_in_any_zone():
    listing = bookable_listing()
    start = local(listing, MONDAY, "10:00").astimezone(ZoneInfo("Europe/Paris"))

    assert check_bookable(listing=listing, starts_at=start, now=NOW)


def test_in_the_past():
    listing = bookable_listing()

    assert _refusal(listing, NOW - timedelta(hours=1)).code == "in_past"


def test_too_soon():
    listing = bookable_listing(min_lead_minutes=240)
    now = local(listing, MONDAY, "09:00")

    error = _refusal(listing, local(listing, MONDAY, "11:00"), now=now)

    assert error.code == "too_soon"
    assert "4 hours" in error.message
    assert error.fields == {"starts_at": [error.message]}


def test_too_far_ahead():
    listing = bookable_listing(max_days_ahead=7)

    start = local(listing, date(2027, 1, 8), "10:00")
    assert check_bookable(listing=listing, starts_at=start, now=NOW)
    error = _refusal(listing, local(listing, date(2027, 1, 9), "10:00"))
    assert error.code == "too_far_ahead"


@pytest.mark.parametrize(
    "text",
    ["08:00", "16:30", "09:10", "17:00"],
    ids=["before", "ends-after-the-range", "off-the-grid", "at-the-end"],
)
def test_outside_availability(text):
    listing = bookable_listing(duration=60)

    assert (
        _refusal(listing, local(listing, MONDAY, text)).code == "outside_availability"
    )


def test_a_start_with_seconds_is_not_an_offered_time():
    listing = bookable_listing()
    start = local(listing, MONDAY, "10:00") + timedelta(seconds=1)

    assert _refusal(listing, start).code == "outside_availability"


def test_day_off_by_exception_by_hours_off_and_by_public_holiday():
    listing = bookable_listing(holidays_off=True, holiday_country="CN")
    exception(listing, MONDAY)
    tuesday = MONDAY + timedelta(days=1)
    exception(listing, tuesday, AvailabilityException.Kind.OFF, "12:00", "14:00")

    assert _refusal(listing, local(listing, MONDAY, "10:00")).code == "day_off"
    assert _refusal(listing, local(listing, tuesday, "12:30")).code == "day_off"
    national_day = local(listing, date(2027, 10, 1), "10:00")
    assert _refusal(listing, national_day).code == "day_off"


def test_fully_booked_day():
    listing = bookable_listing(max_jobs_per_day=1)
    order_at(listing, local(listing, MONDAY, "09:00"), 60)

    assert _refusal(listing, local(listing, MONDAY, "14:00")).code == "fully_booked_day"


def test_slot_taken_is_a_conflict():
    listing = bookable_listing(buffer_after_minutes=30)
    claim(listing, local(listing, MONDAY, "11:00"), 60)

    error = _refusal(listing, local(listing, MONDAY, "10:00"))

    assert isinstance(error, Conflict)
    assert error.code == "slot_taken"
    assert error.status == 409


def test_wrong_duration():
    listing = bookable_listing(pricing_model=PricingModel.HOURLY, min_hours=2)
    start = local(listing, MONDAY, "10:00")

    assert _refusal(listing, start, hours=1).code == "wrong_duration"
    assert _refusal(listing, start, hours=13).code == "wrong_duration"
    claim_start, claim_end = check_bookable(
        listing=listing, starts_at=start, hours=4, now=NOW
    )
    assert claim_end - claim_start == timedelta(hours=4)


def test_listing_unavailable():
    listing = bookable_listing()
    listing.status = Listing.Status.DRAFT

    error = _refusal(listing, local(listing, MONDAY, "10:00"))

    assert error.code == "listing_unavailable"


def test_a_start_without_a_time_zone_is_refused():
    listing = bookable_listing()
    naive = local(listing, MONDAY, "10:00").replace(tzinfo=None)

    assert _refusal(listing, naive).code == "invalid_time"


def test_add_ons_lengthen_the_job():
    listing = bookable_listing(duration=60, hours={0: [("09:00", "11:00")]})

    start = local(listing, MONDAY, "09:30")
    assert check_bookable(listing=listing, starts_at=start, now=NOW, extra_minutes=30)
    error = _refusal(listing, start, extra_minutes=60)
    assert error.code == "outside_availability"
