"""A small Shanghai marketplace: deep cleaning (under cleaning) with a reviewed
provider, a provider without reviews, a suspended provider and a draft."""

from dataclasses import dataclass

import pytest

from doorstep.accounts.models import ProviderProfile
from doorstep.catalog.models import Category, Listing
from doorstep.reviews import services as review_services
from doorstep.reviews.tests.conftest import completed
from doorstep.search.indexing import index_provider
from tests.factories import SHANGHAI, make_category, make_listing, make_provider


@dataclass
class Market:
    cleaning: Category
    deep_cleaning: Category
    tutoring: Category
    reviewed: Listing
    unreviewed: Listing
    suspended: Listing
    draft: Listing


def reveal_review(listing: Listing, stars: int) -> None:
    """A customer's review made public the ordinary way: both sides reviewed."""
    order = completed(listing)
    review_services.submit_review(order=order, author=order.customer, stars=stars)
    review_services.submit_review(order=order, author=order.provider.user, stars=5)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def market(db) -> Market:
    cleaning = make_category("cleaning", name_zh_hans="清洁")
    deep_cleaning = make_category(
        "deep-cleaning", parent=cleaning, name_zh_hans="深度清洁"
    )
    tutoring = make_category("tutoring")
    reviewed = make_listing(
        provider=make_provider(display_name="Mei Chen", at=SHANGHAI),
        category=deep_cleaning,
        title="Deep clean of a whole flat",
        price=30000,
    )
    unreviewed = make_listing(
        provider=make_provider(display_name="Li Wei", at=SHANGHAI),
        category=deep_cleaning,
        title="Kitchen deep clean",
        price=12050,
    )
    suspended = make_listing(
        provider=make_provider(display_name="Gone Away", at=SHANGHAI),
        category=deep_cleaning,
        title="Suspended provider's clean",
    )
    provider = suspended.provider
    provider.status = ProviderProfile.Status.SUSPENDED
    provider.save(update_fields=["status"])
    index_provider(provider)
    draft = make_listing(
        provider=reviewed.provider,
        category=deep_cleaning,
        title="Draft window cleaning",
        status=Listing.Status.DRAFT,
    )
    for stars in (5, 4):
        reveal_review(reviewed, stars)
    # A review still inside its window: not public, so not counted anywhere.
    order = completed(reviewed)
    review_services.submit_review(order=order, author=order.customer, stars=1)
    return Market(
        cleaning, deep_cleaning, tutoring, reviewed, unreviewed, suspended, draft
    )
