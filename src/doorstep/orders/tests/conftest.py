"""Fixtures for the orders tests: a listing whose provider works 09:00–17:00
every day in Shanghai with nothing in the way, a customer, and a private media
folder for delivery photos."""

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from doorstep.accounts.models import User
from doorstep.catalog.models import Listing, ListingAddOn
from doorstep.orders.models import Order
from doorstep.orders.services import place_order
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.scheduling.tests.helpers import bookable_listing, clock
from tests.factories import make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def deferred_tasks(settings):
    """Timers are tasks with ``run_after``; the immediate test backend refuses
    those once a transaction really commits (transactional tests)."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }


def day_ahead(days: int = 2) -> date:
    return timezone.now().astimezone(SHANGHAI).date() + timedelta(days=days)


def at(text: str, *, days: int = 2) -> datetime:
    """An instant at Shanghai wall-clock ``text``, ``days`` from today."""
    return datetime.combine(day_ahead(days), clock(text)).replace(tzinfo=SHANGHAI)


@pytest.fixture
def listing() -> Listing:
    return bookable_listing(duration=120)


@pytest.fixture
def customer() -> User:
    return make_user(name="Cora Customer")


def add_on(listing: Listing, name: str, price: int, minutes: int = 0) -> ListingAddOn:
    return ListingAddOn.objects.create(
        listing=listing, name=name, price_amount=price, extra_minutes=minutes
    )


def book_and_pay(**arguments) -> Order:
    """``place_order``, then the customer pays on the sandbox's hosted page
    with a good card: a booking the provider is asked about (or, instant, has)."""
    order = place_order(**arguments)
    replayed = order.replayed
    if order.state == "awaiting_payment":
        order = pay_with_sandbox_card(order, "4242 4242 4242 4242")
    order.replayed = replayed
    return order


def booking(listing: Listing, customer: User, **overrides) -> dict:
    arguments = {
        "customer": customer,
        "listing_id": listing.public_id,
        "starts_at": at("10:00"),
        "address": "88 Huaihai Road",
        "latitude": listing.latitude,
        "longitude": listing.longitude,
    }
    arguments.update(overrides)
    return arguments


def photo_upload(name: str = "after.jpg", size=(800, 600)) -> SimpleUploadedFile:
    buffer = BytesIO()
    image = Image.new("RGB", size, "#0f766e")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make: metadata that must not survive
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def early_start_allowed(settings):
    """The orders here start days ahead; tests about what happens once a job has
    started (not about when it may start) open the start window that far."""
    settings.DOORSTEP_START_WINDOW_MINUTES = 7 * 24 * 60
