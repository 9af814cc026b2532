"""The contract between the two halves of scheduling, for any rules: every slot
offered passes ``check_bookable``, and none overlaps a live claim with its
buffers."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from doorstep.core.errors import Conflict
from doorstep.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    SchedulingPolicy,
    TimeClaim,
)
from doorstep.scheduling.services import claim_time
from doorstep.scheduling.slots import bookable_slots, check_bookable
from doorstep.scheduling.tests.helpers import clock, order_at
from tests.factories import make_listing, make_provider

pytestmark = pytest.mark.django_db

ZONES = [
    "Asia/Shanghai",
    "America/Los_Angeles",
    "Australia/Lord_Howe",  # a half-hour daylight-saving change
    "Asia/Kolkata",
    "UTC",
]
# Weeks around daylight-saving changes (Los Angeles in March and November, Lord
# Howe in April and October) and an ordinary one.
FIRST_DAYS = [
    date(2027, 3, 10),
    date(2027, 11, 4),
    date(2027, 4, 1),
    date(2027, 9, 30),
    date(2027, 6, 14),
]
DAYS = 8


def _hhmm(minutes: int) -> str:
    return "24:00" if minutes >= 24 * 60 else f"{minutes // 60:02d}:{minutes % 60:02d}"


rules = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.integers(0, 47).map(lambda half: half * 30),
        st.integers(1, 24).map(lambda half: half * 30),
    ),
    max_size=10,
)
exceptions = st.lists(
    st.tuples(
        st.integers(0, DAYS),
        st.sampled_from(["off", "extra"]),
        st.none() | st.tuples(st.integers(0, 47), st.integers(1, 12)),
    ),
    max_size=4,
)
claims = st.lists(
    st.tuples(
        st.integers(-1, DAYS),  # day
        st.integers(0, 95).map(lambda quarter: quarter * 15),  # start (UTC minutes)
        st.integers(1, 16).map(lambda quarter: quarter * 15),  # length
        st.sampled_from(["order", "hold", "lapsed", "released", "block"]),
    ),
    max_size=12,
)
policies = st.fixed_dictionaries(
    {
        "buffer_before_minutes": st.sampled_from([0, 15, 30, 60]),
        "buffer_after_minutes": st.sampled_from([0, 15, 30, 60]),
        "min_lead_minutes": st.sampled_from([0, 60, 240, 1440]),
        "max_days_ahead": st.sampled_from([2, 5, 60]),
        "max_jobs_per_day": st.sampled_from([None, 1, 2, 4]),
        "slot_step_minutes": st.sampled_from([15, 30, 45, 60, 50]),
    }
)


def _build(zone, first_day, rule_list, exception_list, claim_list, policy, duration):
    provider = make_provider(time_zone=zone)
    SchedulingPolicy.objects.create(provider=provider, **policy)
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            provider=provider,
            weekday=weekday,
            start_time=clock(_hhmm(start)),
            end_time=clock(_hhmm(min(start + length, 24 * 60))),
        )
        for weekday, start, length in rule_list
    )
    for offset, kind, times in exception_list:
        if kind == "extra" and times is None:
            continue
        start = end = None
        if times is not None:
            start = clock(_hhmm(times[0] * 30))
            end = clock(_hhmm(min(times[0] * 30 + times[1] * 30, 24 * 60)))
        AvailabilityException.objects.create(
            provider=provider,
            date=first_day + timedelta(days=offset),
            kind=kind,
            start_time=start,
            end_time=end,
        )
    listing = make_listing(provider=provider, duration_minutes=duration)
    midnight = datetime.combine(first_day, time.min, tzinfo=UTC)
    for offset, start, length, kind in claim_list:
        starts_at = midnight + timedelta(days=offset, minutes=start)
        try:
            if kind == "order":
                order_at(listing, starts_at, length)
                continue
            taken = claim_time(
                provider=provider,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=length),
            )
        except Conflict:
            continue
        if kind in {"hold", "lapsed"}:
            taken.hold_token = f"hold-{taken.pk}"
            taken.hold_expires_at = midnight + timedelta(
                days=-1 if kind == "lapsed" else 30
            )
            taken.save()
        elif kind == "released":
            taken.released_at = midnight
            taken.save()
    return listing


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(ZONES),
    first_day=st.sampled_from(FIRST_DAYS),
    rule_list=rules,
    exception_list=exceptions,
    claim_list=claims,
    policy=policies,
    duration=st.sampled_from([30, 60, 90, 150, 600]),
    now_hours=st.integers(-24, 72),
)
def test_every_slot_passes_check_bookable_and_clears_every_claim(
    zone, first_day, rule_list, exception_list, claim_list, policy, duration, now_hours
):
    with transaction.atomic():
        listing = _build(
            zone, first_day, rule_list, exception_list, claim_list, policy, duration
        )
        now = datetime.combine(first_day, time.min, tzinfo=UTC) + timedelta(
            hours=now_hours
        )
        found = bookable_slots(
            listing=listing,
            start_date=first_day,
            end_date=first_day + timedelta(days=DAYS - 1),
            now=now,
        )
        event("offers slots" if found else "offers none")
        live = list(
            TimeClaim.objects.filter(
                provider=listing.provider, released_at__isnull=True
            )
            .filter(Q(hold_expires_at__isnull=True) | Q(hold_expires_at__gt=now))
            .values_list("starts_at", "ends_at")
        )
        before = timedelta(minutes=policy["buffer_before_minutes"])
        after = timedelta(minutes=policy["buffer_after_minutes"])
        for slot in found:
            span = check_bookable(listing=listing, starts_at=slot.starts_at, now=now)
            assert span == (slot.starts_at - before, slot.ends_at + after)
            assert slot.ends_at - slot.starts_at == timedelta(minutes=duration)
            assert slot.starts_at >= now
            for claim_start, claim_end in live:
                assert not (span[0] < claim_end and claim_start < span[1]), slot
        assert [slot.starts_at for slot in found] == sorted(
            {slot.starts_at for slot in found}
        )
        transaction.set_rollback(True)
