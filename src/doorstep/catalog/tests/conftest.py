"""Fixtures for the catalogue tests: a small category tree, a provider and a
stranger, listings made through the real services, and a private media folder."""

from decimal import Decimal

import pytest

from doorstep.accounts.models import ProviderProfile, User
from doorstep.catalog import services
from doorstep.catalog.models import Category, Listing
from tests.factories import SHANGHAI, make_category, make_provider, make_user


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def indexed(monkeypatch) -> list[tuple[str, object]]:
    """Every call the services make to the search index, in order."""
    calls: list[tuple[str, object]] = []
    monkeypatch.setattr(
        services, "index_listing", lambda listing: calls.append(("index", listing.pk))
    )
    monkeypatch.setattr(
        services,
        "remove_listing",
        lambda listing_id: calls.append(("remove", listing_id)),
    )
    return calls


@pytest.fixture
def cleaning() -> Category:
    return make_category("home-cleaning", name_zh_hans="家庭保洁")


@pytest.fixture
def deep_cleaning(cleaning: Category) -> Category:
    return make_category("deep-cleaning", parent=cleaning, name_zh_hans="深度保洁")


@pytest.fixture
def provider() -> ProviderProfile:
    return make_provider(
        at=SHANGHAI,
        display_name="Ann's Cleaning",
        languages=["zh-hans", "en", "es"],
        service_radius_km=Decimal("7.5"),
        time_zone="Asia/Shanghai",
    )


@pytest.fixture
def owner(provider: ProviderProfile) -> User:
    return provider.user


@pytest.fixture
def stranger() -> User:
    """Another provider: signed in, entitled to listings, just not these."""
    return make_provider().user


@pytest.fixture
def customer() -> User:
    return make_user()


def new_listing(provider: ProviderProfile, category: Category, **fields) -> Listing:
    arguments = {
        "title": "Deep cleaning, 2-bedroom flat",
        "pricing_model": "fixed",
        "price_amount": 48000,
        "currency": "CNY",
        **fields,
    }
    return services.create_listing(provider=provider, category=category, **arguments)


@pytest.fixture
def draft(provider: ProviderProfile, deep_cleaning: Category) -> Listing:
    return new_listing(provider, deep_cleaning)


@pytest.fixture
def published(draft: Listing, owner: User) -> Listing:
    return services.publish_listing(actor=owner, listing_id=draft.public_id)
