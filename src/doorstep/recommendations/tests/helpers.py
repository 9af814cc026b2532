"""Builders for recommendation tests: open providers (weekly hours every
day), listings, customers with a saved address."""

from datetime import time

from doorstep.accounts.models import SavedAddress
from doorstep.scheduling.services import WeeklyHours, replace_weekly_rules
from tests.factories import SHANGHAI, make_listing, make_provider, make_user

EVERY_DAY = [WeeklyHours(day, time(8, 0), time(20, 0)) for day in range(7)]


def open_provider(*, at=SHANGHAI, verified: bool = True, hours: bool = True, **fields):
    provider = make_provider(at=at, verified=verified, **fields)
    if hours:
        replace_weekly_rules(provider=provider, rules=EVERY_DAY)
    return provider


def open_listing(*, provider=None, at=SHANGHAI, **fields):
    provider = provider or open_provider(at=at)
    return make_listing(provider=provider, at=at, **fields)


def customer_at(point=SHANGHAI, **fields):
    customer = make_user(**fields)
    SavedAddress.objects.create(
        user=customer,
        label="Home",
        address="1 Home Road",
        latitude=point[0],
        longitude=point[1],
        is_default=True,
    )
    return customer
