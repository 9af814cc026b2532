"""Fixtures for the notifications tests: a provider (English, verified phone) with
a listing, a customer who reads Traditional Chinese (verified phone too), a
requested order between them, and ``deliver`` — an event recorded and handed to
its consumers as the worker would, with the after-commit tasks run."""

from collections.abc import Callable

import pytest

from doorstep.accounts.models import User
from doorstep.catalog.models import Listing
from doorstep.events.models import Event
from doorstep.events.tasks import deliver_event
from doorstep.notifications.tests.senders import FlakySmsSender
from doorstep.orders.models import Order
from tests.factories import make_listing, make_order, make_provider, make_user


@pytest.fixture
def listing() -> Listing:
    user = make_user(
        name="Mei Chen", phone="+8613800000001", phone_verified=True, language="en"
    )
    provider = make_provider(user=user, display_name="Mei Chen")
    return make_listing(provider=provider, title="Deep clean")


@pytest.fixture
def provider_user(listing: Listing) -> User:
    return listing.provider.user


@pytest.fixture
def customer() -> User:
    return make_user(
        name="Cora Lin",
        phone="+886912000001",
        phone_verified=True,
        language="zh-hant",
    )


@pytest.fixture
def stranger() -> User:
    return make_user(name="Sam Stranger")


@pytest.fixture
def order(listing: Listing, customer: User) -> Order:
    return make_order(listing=listing, customer=customer)


@pytest.fixture
def deliver(django_capture_on_commit_callbacks) -> Callable[..., Event]:
    """Record an event and deliver it (consumers, then the delivery tasks)."""

    def deliver(topic: str, subject: str, **payload) -> Event:
        event = Event.objects.create(topic=topic, subject=subject, payload=payload)
        redeliver(event)
        return event

    def redeliver(event: Event) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            deliver_event.call(event.pk)

    deliver.again = redeliver  # type: ignore[attr-defined]
    return deliver


@pytest.fixture
def flaky_sms(settings) -> type[FlakySmsSender]:
    """An SMS carrier that fails ``FlakySmsSender.failures`` times, then works."""
    settings.SMS_SENDER = "doorstep.notifications.tests.senders.FlakySmsSender"
    FlakySmsSender.failures = 0
    FlakySmsSender.calls = 0
    yield FlakySmsSender
    FlakySmsSender.failures = 0
