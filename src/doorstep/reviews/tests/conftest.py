"""Fixtures for the reviews tests: a provider's listing, a customer, completed
orders that never overlap in time, PNG uploads, and a private media folder."""

import itertools
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from doorstep.accounts.models import User
from doorstep.catalog.models import Listing
from doorstep.orders.models import Order
from tests.factories import (
    make_category,
    make_completed_order,
    make_listing,
    make_provider,
    make_user,
)

_slot = itertools.count(1)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def listing() -> Listing:
    provider = make_provider(display_name="Mei Chen")
    return make_listing(
        provider=provider, category=make_category("deep-cleaning"), title="Deep clean"
    )


@pytest.fixture
def customer() -> User:
    return make_user(name="Cora Lin")


def completed(listing: Listing, customer: User | None = None) -> Order:
    """A completed order of ``listing``, at a time no other test order uses."""
    return make_completed_order(
        listing=listing,
        customer=customer or make_user(),
        starts_in=timedelta(days=2, hours=3 * next(_slot)),
    )


@pytest.fixture
def order(listing: Listing, customer: User) -> Order:
    return completed(listing, customer)


def png_upload(name: str = "after.png", size=(640, 480)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, "#0f766e").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")
