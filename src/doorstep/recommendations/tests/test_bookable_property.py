"""Recommendations never include what the customer cannot book: a property
over random catalogues (suspended and unverified providers, out-of-area
addresses, unpublished listings, providers without free time)."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.accounts.models import ProviderProfile, SavedAddress
from doorstep.catalog.models import Listing
from doorstep.core.errors import DomainError
from doorstep.core.geo import distance_km
from doorstep.recommendations import queries, services
from doorstep.recommendations.tests.helpers import open_provider
from doorstep.scheduling.slots import bookable_slots
from doorstep.search.indexing import index_listing, index_provider
from tests.factories import SHANGHAI, make_category, make_listing, make_user

pytestmark = pytest.mark.django_db

listing_plans = st.fixed_dictionaries(
    {
        "offset": st.tuples(
            st.floats(-0.3, 0.3, allow_nan=False), st.floats(-0.3, 0.3, allow_nan=False)
        ),
        "radius_km": st.integers(1, 30),
        "verified": st.booleans(),
        "hours": st.booleans(),
        "status": st.sampled_from(
            [Listing.Status.PUBLISHED] * 3 + [Listing.Status.DRAFT]
        ),
        "suspend_later": st.booleans(),
        "unpublish_later": st.booleans(),
        "category": st.integers(0, 1),
        "saved": st.booleans(),
        "viewed": st.booleans(),
    }
)


def _truly_bookable(listing: Listing, point: tuple[float, float]) -> bool:
    listing.refresh_from_db()
    provider = listing.provider
    if not (
        listing.status == Listing.Status.PUBLISHED
        and provider.status == ProviderProfile.Status.ACTIVE
        and provider.verified_at is not None
    ):
        return False
    if distance_km(*point, listing.latitude, listing.longitude) > float(
        listing.service_radius_km
    ):
        return False
    today = timezone.now().date()
    try:
        return bool(
            bookable_slots(
                listing=listing, start_date=today, end_date=today + timedelta(days=21)
            )
        )
    except DomainError:
        return False


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    plans=st.lists(listing_plans, min_size=2, max_size=6),
    customer_offset=st.tuples(
        st.floats(-0.3, 0.3, allow_nan=False), st.floats(-0.3, 0.3, allow_nan=False)
    ),
)
def test_recommendations_never_include_unbookable_listings(plans, customer_offset):
    with transaction.atomic():
        categories = [make_category(), make_category()]
        point = (SHANGHAI[0] + customer_offset[0], SHANGHAI[1] + customer_offset[1])
        customer = make_user()
        SavedAddress.objects.create(
            user=customer,
            label="Home",
            address="1 Home Road",
            latitude=point[0],
            longitude=point[1],
            is_default=True,
        )
        other = make_user()
        listings = []
        for plan in plans:
            at = (SHANGHAI[0] + plan["offset"][0], SHANGHAI[1] + plan["offset"][1])
            provider = open_provider(
                at=at, verified=plan["verified"], hours=plan["hours"]
            )
            listing = make_listing(
                provider=provider,
                at=at,
                category=categories[plan["category"]],
                status=plan["status"],
                radius_km=plan["radius_km"],
            )
            listings.append((listing, plan))
            for person in (customer, other):
                if plan["viewed"]:
                    services.record_visit(customer=person, listing_id=listing.pk)
                if plan["saved"] and plan["status"] == Listing.Status.PUBLISHED:
                    services.save_favourite(
                        customer=person, listing_id=listing.public_id
                    )
        services.rebuild_neighbours()
        # Changes after the job ran: reads must still never show them.
        for listing, plan in listings:
            if plan["suspend_later"]:
                provider = listing.provider
                provider.status = ProviderProfile.Status.SUSPENDED
                provider.save(update_fields=["status"])
                index_provider(provider)
            if plan["unpublish_later"]:
                listing.status = Listing.Status.PAUSED
                listing.save(update_fields=["status"])
                index_listing(listing)

        shown = {
            hit.listing_id
            for hit in queries.recommended_for(customer=customer, point=point, limit=24)
        }
        for listing, _plan in listings:
            shown.update(
                hit.listing_id
                for hit in queries.similar_listings(
                    listing_id=listing.pk, point=point, limit=24
                )
            )
        by_id = {listing.pk: listing for listing, _plan in listings}
        for listing_id in shown:
            assert _truly_bookable(by_id[listing_id], point), listing_id
        transaction.set_rollback(True)
