"""Where H3 cells and circles meet: the prefilter must never lose a listing."""

import h3
import pytest

from doorstep.core.geo import CELL_RESOLUTION, cell_of, distance_km
from doorstep.search.tests.helpers import all_pages, search
from tests.factories import SHANGHAI, make_listing

pytestmark = pytest.mark.django_db


def _offset_north(point: tuple[float, float], km: float) -> tuple[float, float]:
    return (point[0] + km / 111.195, point[1])


def test_points_on_either_side_of_a_cell_border_are_both_found():
    # Walk east from the centre until the cell changes: one step either side.
    lat, lng = SHANGHAI
    start = cell_of(lat, lng)
    step = 0.00001
    east = lng
    while cell_of(lat, east) == start:
        east += step
    inside = make_listing(title="Inside", at=(lat, east - step))
    outside = make_listing(title="Outside", at=(lat, east))
    assert cell_of(lat, east - step) != cell_of(lat, east)

    found = set(all_pages(lat=lat, lng=east - step / 2, radius_km=0.1))

    assert found == {inside.pk, outside.pk}


def test_a_radius_smaller_than_a_cell_finds_only_what_is_inside_it():
    edge_km = h3.average_hexagon_edge_length(CELL_RESOLUTION, "km")
    near = make_listing(title="Near", at=_offset_north(SHANGHAI, 0.05))
    same_cell_but_out = make_listing(title="Beyond", at=_offset_north(SHANGHAI, 0.15))

    found = all_pages(lat=SHANGHAI[0], lng=SHANGHAI[1], radius_km=0.1)

    assert edge_km > 0.1  # the circle is smaller than one cell
    assert found == [near.pk]
    assert same_cell_but_out.pk not in found


def test_a_listing_exactly_on_the_circle_is_inside():
    at = _offset_north(SHANGHAI, 2.0)
    on_edge = make_listing(title="On the edge", at=at)
    radius = distance_km(SHANGHAI[0], SHANGHAI[1], *at)

    results = search(lat=SHANGHAI[0], lng=SHANGHAI[1], radius_km=f"{radius!r}")
    just_short = search(
        lat=SHANGHAI[0], lng=SHANGHAI[1], radius_km=f"{radius - 0.001!r}"
    )

    assert [hit.listing_id for hit in results.hits] == [on_edge.pk]
    assert results.hits[0].distance_km == pytest.approx(radius)
    assert just_short.hits == []


def test_large_radii_cross_many_cells_and_keep_every_listing_inside():
    ring = [
        make_listing(title=f"At {km} km", at=_offset_north(SHANGHAI, km))
        for km in (0.3, 4.9, 19.9, 49.5)
    ]

    for radius, inside in ((5, 2), (20, 3), (50, 4)):
        found = set(all_pages(lat=SHANGHAI[0], lng=SHANGHAI[1], radius_km=radius))
        assert found == {listing.pk for listing in ring[:inside]}


def test_serving_exactly_to_the_point_counts():
    at = _offset_north(SHANGHAI, 5.0)
    reach = distance_km(SHANGHAI[0], SHANGHAI[1], *at)
    listing = make_listing(title="Reaches", at=at, radius_km=5)

    served = all_pages(lat=SHANGHAI[0], lng=SHANGHAI[1], serves="1")

    assert reach == pytest.approx(5.0, abs=0.01)
    assert (listing.pk in served) == (reach <= 5.0 + 1e-6)
