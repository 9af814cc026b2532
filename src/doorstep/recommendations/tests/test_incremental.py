"""The hourly neighbours job recomputes only what changed since its last run,
and its table is always what a full recompute would make of the same data."""

import itertools
import random
from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.catalog.models import Listing
from doorstep.recommendations import services
from doorstep.recommendations.models import ListingNeighbour, NeighbourRun
from doorstep.recommendations.tests.helpers import open_listing
from doorstep.search.indexing import index_listing
from tests.factories import SHANGHAI, make_category, make_order, make_user

pytestmark = pytest.mark.django_db

# Places within one grid cell, across a cell's edge, and in another city.
PLACES = [
    SHANGHAI,
    (SHANGHAI[0] + 0.05, SHANGHAI[1] + 0.04),
    (SHANGHAI[0] + 0.3, SHANGHAI[1] - 0.2),
    (SHANGHAI[0] - 0.6, SHANGHAI[1] + 0.5),
    (39.9042, 116.4074),  # Beijing
]
WORDS = ["deep", "home", "window", "office", "clean", "lawn", "pet", "care"]


def _table() -> dict[tuple[int, int], tuple[float, float, float]]:
    return {
        (row.listing_id, row.neighbour_id): (
            round(row.score, 9),
            round(row.together, 9),
            round(row.alike, 9),
        )
        for row in ListingNeighbour.objects.all()
    }


def _full_recompute() -> dict[tuple[int, int], tuple[float, float, float]]:
    """What a full rebuild makes of today's data, computed aside."""
    inputs = services._read_inputs()
    return {
        (row.listing_id, row.neighbour_id): (
            round(row.score, 9),
            round(row.together, 9),
            round(row.alike, 9),
        )
        for listing_id in inputs.docs
        for row in services._neighbours_of(listing_id, inputs)
    }


class World:
    """A small marketplace and the random changes that happen to it."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        cleaning = make_category("cleaning-root")
        self.categories = [
            make_category("home-cleaning", parent=cleaning),
            make_category("office-cleaning", parent=cleaning),
            make_category("gardening-root"),
        ]
        self.listings = [
            open_listing(
                category=rng.choice(self.categories),
                title=self._title(),
                at=rng.choice(PLACES),
                price=rng.choice([5000, 9000, 20000]),
            )
            for _ in range(10)
        ]
        self.customers = [make_user() for _ in range(6)]
        self.hours = itertools.count(1)
        for _ in range(8):
            self.touch()

    def _title(self) -> str:
        return " ".join(self.rng.sample(WORDS, 3))

    def _reindex(self, listing: Listing, **fields) -> None:
        for name, value in fields.items():
            setattr(listing, name, value)
        listing.save()
        index_listing(listing)

    def touch(self) -> None:
        """A customer books, saves, unsaves or views a listing."""
        listing = self.rng.choice(self.listings)
        customer = self.rng.choice(self.customers)
        kind = self.rng.choice(["book", "save", "save_provider", "unsave", "view"])
        if kind == "book":
            make_order(
                listing=listing,
                customer=customer,
                starts_in=timedelta(days=3, hours=3 * next(self.hours)),
            )
        elif kind == "save":
            if listing.status == Listing.Status.PUBLISHED:
                services.save_favourite(customer=customer, listing_id=listing.public_id)
        elif kind == "save_provider":
            services.save_favourite(
                customer=customer, provider_id=listing.provider.public_id
            )
        elif kind == "unsave":
            services.unsave_target(customer=customer, listing_id=listing.public_id)
        else:
            services.record_visit(customer=customer, listing_id=listing.pk)

    def change(self) -> str:
        """One random change of text, place, price, category, visibility or
        customers; returns what it was (for the failure message)."""
        listing = self.rng.choice(self.listings)
        kind = self.rng.choice(
            ["retitle", "move", "price", "category", "visibility", "touch", "touch"]
        )
        if kind == "retitle":
            self._reindex(listing, title=self._title())
        elif kind == "move":
            listing.locate(*self.rng.choice(PLACES))
            self._reindex(listing)
        elif kind == "price":
            self._reindex(listing, price_amount=self.rng.choice([5000, 9000, 20000]))
        elif kind == "category":
            self._reindex(listing, category=self.rng.choice(self.categories))
        elif kind == "visibility":
            published = listing.status == Listing.Status.PUBLISHED
            self._reindex(
                listing,
                status=Listing.Status.PAUSED if published else Listing.Status.PUBLISHED,
            )
        else:
            self.touch()
        return f"{kind} {listing.pk}"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_incremental_result_equals_a_full_recompute(seed):
    # given a small marketplace whose neighbours were built in full
    world = World(random.Random(seed))
    first = services.update_neighbours()
    assert first["full"] == 1
    assert _table() == _full_recompute()

    history = []
    for _round in range(6):
        # when a few random things change and the hourly job runs
        history += [world.change() for _ in range(world.rng.randint(1, 4))]
        counts = services.update_neighbours()

        # then it ran incrementally, and its table is a full recompute's
        assert counts["full"] == 0
        assert _table() == _full_recompute(), history


def test_only_what_changed_is_recomputed():
    # given two far-apart groups of listings that share no customer
    cleaning, gardening = make_category(), make_category()
    near = [
        open_listing(category=cleaning, title=f"Home clean {n}", at=PLACES[0])
        for n in range(3)
    ]
    far = [
        open_listing(category=gardening, title=f"Lawn care {n}", at=PLACES[4])
        for n in range(3)
    ]
    services.update_neighbours()
    before = {row.pk for row in ListingNeighbour.objects.filter(listing__in=far)}

    # when nothing changed, nothing is recomputed
    assert services.update_neighbours()["recomputed"] == 0

    # when one Shanghai listing is retitled
    near[0].title = "Deep home clean"
    near[0].save()
    index_listing(near[0])
    counts = services.update_neighbours()

    # then only the Shanghai group is recomputed; Beijing's rows are untouched
    assert counts["recomputed"] == 3
    assert before == {
        row.pk for row in ListingNeighbour.objects.filter(listing__in=far)
    }


def test_a_day_after_the_last_full_rebuild_the_job_rebuilds_in_full():
    open_listing()
    services.update_neighbours()
    assert services.update_neighbours()["full"] == 0
    later = timezone.now() + services.FULL_REBUILD_EVERY + timedelta(minutes=1)
    assert services.update_neighbours(now=later)["full"] == 1
    assert NeighbourRun.objects.get().full_at == later


def test_a_change_to_the_category_tree_rebuilds_in_full():
    listing = open_listing()
    services.update_neighbours()
    listing.category.parent = make_category("new-parent")
    listing.category.save()
    assert services.update_neighbours()["full"] == 1
