from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from doorstep.core.errors import NotFound
from doorstep.recommendations import queries, services
from doorstep.recommendations.models import Favourite, ListingNeighbour
from doorstep.recommendations.tests.helpers import customer_at, open_listing
from tests.factories import (
    SAN_FRANCISCO,
    SHANGHAI,
    make_category,
    make_completed_order,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_a_favourite_is_unique_per_customer_and_target():
    # given a customer who saved a listing
    customer, listing = make_user(), open_listing()
    first, created = services.save_favourite(
        customer=customer, listing_id=listing.public_id
    )
    # when they save it again
    again, created_again = services.save_favourite(
        customer=customer, listing_id=listing.public_id
    )
    # then it is the same favourite, and the database refuses a second row
    assert created
    assert not created_again
    assert again.pk == first.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Favourite.objects.create(customer=customer, listing=listing)
    assert Favourite.objects.count() == 1


def test_someone_elses_favourite_is_not_found():
    owner, other = make_user(), make_user()
    favourite, _created = services.save_favourite(
        customer=owner, listing_id=open_listing().public_id
    )
    with pytest.raises(NotFound):
        services.remove_favourite(customer=other, favourite_id=favourite.public_id)
    assert Favourite.objects.filter(pk=favourite.pk).exists()


def test_co_booked_listings_become_neighbours():
    # given two cleaning services in different categories and far apart in
    # content, booked by the same three customers
    cleaning, gardening = make_category("cleaning"), make_category("gardening")
    window = open_listing(category=cleaning, title="Window washing")
    lawn = open_listing(category=gardening, title="Lawn mowing", at=SHANGHAI)
    unrelated = open_listing(category=gardening, title="Hedge trimming")
    for n in range(3):
        customer = make_user()
        make_completed_order(
            listing=window, customer=customer, starts_in=timedelta(days=-3 - n)
        )
        make_completed_order(
            listing=lawn, customer=customer, starts_in=timedelta(days=-3 - n)
        )
    # when the neighbours are rebuilt
    services.rebuild_neighbours()
    # then the co-booked listing is window washing's best neighbour
    best = ListingNeighbour.objects.filter(listing=window).order_by("-score").first()
    assert best.neighbour_id == lawn.pk
    assert best.together > 0
    similar = queries.similar_listings(listing_id=window.pk, point=SHANGHAI)
    assert [hit.listing_id for hit in similar][:1] == [lawn.pk]
    assert unrelated.pk not in [hit.listing_id for hit in similar][:1]


def test_cold_start_offers_popular_listings_that_serve_the_address():
    # given a new customer in Shanghai and listings in Shanghai and San Francisco
    near = open_listing(at=SHANGHAI)
    far = open_listing(at=SAN_FRANCISCO)
    services.rebuild_neighbours()
    customer = customer_at(SHANGHAI)
    # when they get recommendations
    hits = queries.recommended_for(customer=customer, point=SHANGHAI)
    # then they are what they can book where they live
    ids = [hit.listing_id for hit in hits]
    assert near.pk in ids
    assert far.pk not in ids


def test_reads_are_at_most_two_queries():
    category = make_category()
    listings = [open_listing(category=category, title=f"Clean {n}") for n in range(4)]
    customer = customer_at(SHANGHAI)
    make_completed_order(
        listing=listings[0], customer=customer, starts_in=timedelta(days=-2)
    )
    services.save_favourite(customer=customer, listing_id=listings[1].public_id)
    services.rebuild_neighbours()
    with CaptureQueriesContext(connection) as similar_queries:
        similar = queries.similar_listings(listing_id=listings[0].pk, point=SHANGHAI)
    with CaptureQueriesContext(connection) as for_you_queries:
        for_you = queries.recommended_for(customer=customer, point=SHANGHAI, limit=2)
    assert len(similar_queries) == 1
    assert similar
    assert len(for_you_queries) <= 2
    assert for_you
    # the listing already booked is not recommended back
    assert listings[0].pk not in [hit.listing_id for hit in for_you]
