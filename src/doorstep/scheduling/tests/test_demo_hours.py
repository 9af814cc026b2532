"""The demo and the bulk seed give providers working hours, so they are
bookable out of the box."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Listing
from doorstep.catalog.queries import bookable_listings
from doorstep.demo.builders import build_demo, seed_people
from doorstep.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    SchedulingPolicy,
)
from doorstep.scheduling.slots import bookable_slots

pytestmark = pytest.mark.django_db


def test_every_demo_provider_has_hours_a_policy_and_a_couple_of_days_off():
    build_demo(providers=20, customers=2)

    providers = ProviderProfile.objects.count()
    with_hours = AvailabilityRule.objects.values("provider").distinct().count()
    assert with_hours == providers
    assert SchedulingPolicy.objects.count() == providers
    assert AvailabilityException.objects.count() == 2 * providers
    assert (
        AvailabilityException.objects.filter(date__lt=timezone.localdate()).count() == 0
    )


def test_every_published_demo_service_can_be_booked_in_the_next_two_weeks():
    build_demo(providers=40, customers=2)
    today = timezone.localdate()
    listings = bookable_listings().select_related("provider")

    unbookable = [
        listing.title
        for listing in listings
        if not bookable_slots(
            listing=listing, start_date=today, end_date=today + timedelta(days=13)
        )
    ]

    assert listings.filter(provider__user__email="provider@demo.doorstep.dev")
    assert unbookable == []


def test_seeded_providers_get_weekly_hours_and_the_default_policy():
    seed_people(providers=30, batch_size=12, listings_per_provider=1)
    today = timezone.localdate()

    assert AvailabilityRule.objects.values("provider").distinct().count() == 30
    assert not SchedulingPolicy.objects.exists()
    for listing in Listing.objects.select_related("provider"):
        assert bookable_slots(
            listing=listing, start_date=today, end_date=today + timedelta(days=13)
        ), listing.title
