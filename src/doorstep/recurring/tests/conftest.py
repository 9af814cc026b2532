"""Fixtures for recurring bookings: a provider in Shanghai free 09:00–17:00
every day whose listing may be paid after the service, a customer with a
saved sandbox card, and the scheduler run as the worker runs it."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase
from django.utils import timezone

from doorstep.catalog.models import Listing
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import SavedPaymentMethod
from doorstep.recurring import services
from doorstep.recurring.models import Series
from doorstep.scheduling.tests.helpers import bookable_listing
from tests.factories import make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
GOOD_CARD = "sbx_success_visa_4242"
REFUSED_CARD = "sbx_decline_visa_0002"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    sandbox.clear_injected_failures()
    yield
    sandbox.clear_injected_failures()


def offering_after_service(listing: Listing) -> Listing:
    listing.offers_pay_after_service = True
    listing.save(update_fields=["offers_pay_after_service"])
    return listing


@pytest.fixture
def listing() -> Listing:
    return offering_after_service(bookable_listing(duration=120))


def save_card(user, token: str = GOOD_CARD, *, default: bool = True):
    brand, last4 = token.split("_")[2:]
    if default:
        SavedPaymentMethod.objects.filter(user=user).update(is_default=False)
    return SavedPaymentMethod.objects.create(
        user=user,
        gateway="sandbox",
        token=token,
        brand=brand,
        last4=last4,
        is_default=default,
    )


@pytest.fixture
def customer():
    user = make_user(name="Rita Regular")
    save_card(user)
    return user


def today() -> date:
    return timezone.now().astimezone(SHANGHAI).date()


def after_commit():
    return TestCase.captureOnCommitCallbacks(execute=True)


def weekly(listing, customer, **overrides) -> Series:
    arguments = {
        "customer": customer,
        "listing_id": listing.public_id,
        "cadence": "weekly",
        "start_date": today() + timedelta(days=2),
        "start_time": time(10, 0),
        "address": "88 Huaihai Road",
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "visit_count": 10,
    }
    arguments.update(overrides)
    with after_commit():
        return services.create_series(**arguments)


def local(day: date, at: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(at), tzinfo=SHANGHAI)
