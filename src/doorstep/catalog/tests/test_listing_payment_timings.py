"""A provider offers paying later on a listing; only they may."""

import pytest

from doorstep.api.testing import API
from doorstep.catalog import services
from doorstep.core.errors import NotFound
from tests.factories import make_listing, make_provider

pytestmark = pytest.mark.django_db


def test_a_provider_offers_cash_and_paying_after_the_service():
    listing = make_listing()

    services.update_listing(
        actor=listing.provider.user,
        listing_id=listing.public_id,
        offers_cash=True,
        offers_pay_after_service=True,
    )

    listing.refresh_from_db()
    assert listing.offers_cash
    assert listing.offers_pay_after_service


def test_another_provider_cannot_change_them():
    listing = make_listing()

    with pytest.raises(NotFound):
        services.update_listing(
            actor=make_provider().user, listing_id=listing.public_id, offers_cash=True
        )

    listing.refresh_from_db()
    assert not listing.offers_cash


def test_the_api_says_how_a_customer_may_pay(client):
    listing = make_listing()
    listing.offers_cash = True
    listing.save(update_fields=["offers_cash"])

    response = client.get(f"{API}/listings/{listing.public_id}")

    assert response.status_code == 200, response.content
    assert response.json()["payment_timings"] == ["pay_now", "cash"]
