"""Fixtures for the messaging tests: a provider with a published listing, a
customer, a stranger, and an inquiry between the first two."""

import pytest
from django.db import transaction

from doorstep.accounts.models import User
from doorstep.catalog.models import Listing
from doorstep.messaging import services
from doorstep.messaging.models import Conversation
from tests.factories import make_listing, make_provider, make_user


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def listing() -> Listing:
    provider = make_provider(display_name="Mei Chen", user=make_user(name="Mei Chen"))
    return make_listing(provider=provider, title="Deep cleaning, one-bedroom flat")


@pytest.fixture
def provider_user(listing) -> User:
    return listing.provider.user


@pytest.fixture
def customer() -> User:
    return make_user(name="Cora Customer")


@pytest.fixture
def stranger() -> User:
    return make_user(name="Sam Stranger")


@pytest.fixture
def inquiry(customer, listing) -> Conversation:
    return services.start_inquiry(customer=customer, listing_id=listing.public_id)


def accept(order) -> None:
    """Move an order to accepted the way the engine would have."""
    with transaction.atomic():
        type(order).objects.filter(pk=order.pk).update(state="accepted")
    order.refresh_from_db()
