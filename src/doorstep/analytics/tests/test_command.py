"""``doorstep analytics rebuild|refresh``."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from doorstep.analytics.models import DailyOrderFacts, DailySearchFacts
from doorstep.analytics.tests.brute_force import recompute, stored
from tests.factories import make_listing, make_order

pytestmark = pytest.mark.django_db


def test_rebuild_from_scratch_equals_brute_force_and_drops_stale_rows():
    make_order(listing=make_listing(), starts_in=timedelta(days=3))
    DailySearchFacts.objects.create(day="2020-01-01", searches=5)  # stale
    out = io.StringIO()

    call_command("analytics", "rebuild", "--no-progress", stdout=out)

    assert "Analytics rebuild" in out.getvalue()
    assert not DailySearchFacts.objects.exists()
    assert DailyOrderFacts.objects.get().placed == 1
    assert stored() == recompute()


def test_refresh_and_bad_days():
    make_order(listing=make_listing(), starts_in=timedelta(days=3))

    call_command("analytics", "refresh", stdout=io.StringIO())

    assert DailyOrderFacts.objects.get().bookings == 1
    with pytest.raises(CommandError):
        call_command("analytics", "rebuild", "--since", "not-a-day")
    with pytest.raises(CommandError):
        call_command(
            "analytics", "rebuild", "--since", "2026-02-01", "--until", "2026-01-01"
        )
