"""Set-up for the claims tests: a listing with a warranty, orders booked, paid,
done and completed the way customers and providers do it, with the money flows
each step schedules run after commit."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from doorstep.orders.models import Order
from doorstep.orders.services import place_order, transition_order
from doorstep.orders.tests.conftest import at, booking
from doorstep.payments.gateways import sandbox
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.scheduling.tests.helpers import bookable_listing

CARD_OK = "4242 4242 4242 4242"


@pytest.fixture(autouse=True)
def _marketplace(settings, tmp_path):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_CAPTURE_AT = "acceptance"
    settings.DOORSTEP_START_WINDOW_MINUTES = 7 * 24 * 60
    settings.DOORSTEP_WARRANTY_RESPONSE_DAYS = 3
    settings.DOORSTEP_GUARANTEE_CAP = {"CNY": 50_000}
    settings.DOORSTEP_GUARANTEE_WINDOW_HOURS = 72
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    sandbox.clear_injected_failures()
    yield
    sandbox.clear_injected_failures()


def warranty_listing(days: int = 7):
    listing = bookable_listing(duration=120)
    listing.category.warranty_days = days
    listing.category.save(update_fields=["warranty_days"])
    return listing


def fire(order: Order, name: str, user, **data) -> Order:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return transition_order(order=order, name=name, user=user, data=data)


def walk_to_completion(order: Order) -> Order:
    """From accepted: the provider goes, starts with the code, finishes; the
    customer confirms (the release runs)."""
    provider = order.provider.user
    order = fire(order, "depart", provider)
    order = fire(order, "start", provider, start_code=order.start_code)
    order = fire(order, "deliver", provider)
    return fire(order, "confirm", order.customer)


def completed_order(listing, customer, *, day: int = 2) -> Order:
    order = place_order(**booking(listing, customer, starts_at=at("10:00", days=day)))
    with TestCase.captureOnCommitCallbacks(execute=True):
        order = pay_with_sandbox_card(order, CARD_OK)
    order = fire(order, "accept", listing.provider.user)
    return walk_to_completion(order)


def later(**delta) -> timezone.datetime:
    return timezone.now() + timedelta(**delta)
