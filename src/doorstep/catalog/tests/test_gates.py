"""Apps above the catalogue add publish rules without the catalogue importing
them."""

import pytest

from doorstep.catalog import gates
from doorstep.catalog.services import publish_listing, publish_problems
from doorstep.core.errors import DomainError
from tests.factories import make_listing

pytestmark = pytest.mark.django_db


@pytest.fixture
def refuse_listings_titled_no(monkeypatch):
    monkeypatch.setattr(gates, "_publish_checks", [])

    def check(listing):
        if listing.title == "No":
            return {"__all__": ["Not this one."]}
        return {}

    gates.add_publish_check(check)


def test_a_registered_check_stops_publication_with_its_reason(
    refuse_listings_titled_no,
):
    refused = make_listing(title="No", status="draft")
    fine = make_listing(title="Yes", status="draft")

    assert publish_problems(refused) == {"__all__": ["Not this one."]}
    with pytest.raises(DomainError) as error:
        publish_listing(actor=refused.provider.user, listing_id=refused.public_id)
    assert error.value.code == "cannot_publish"
    refused.refresh_from_db()
    assert refused.status == "draft"
    assert publish_listing(actor=fine.provider.user, listing_id=fine.public_id)
