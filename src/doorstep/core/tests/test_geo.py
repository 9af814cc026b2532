import itertools
import math

import h3
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.core import geo


def _destination(
    lat: float, lng: float, bearing_deg: float, km: float
) -> tuple[float, float]:
    """The point ``km`` away from (lat, lng) along a bearing (spherical earth)."""
    delta = km / geo.EARTH_RADIUS_KM
    theta = math.radians(bearing_deg)
    phi1, lambda1 = math.radians(lat), math.radians(lng)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(delta)
        + math.cos(phi1) * math.sin(delta) * math.cos(theta)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(theta) * math.sin(delta) * math.cos(phi1),
        math.cos(delta) - math.sin(phi1) * math.sin(phi2),
    )
    return math.degrees(phi2), (math.degrees(lambda2) + 540) % 360 - 180


def _inside(cell: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= cell <= high for low, high in ranges)


latitudes = st.floats(min_value=-70, max_value=70)
longitudes = st.floats(min_value=-170, max_value=170)
radii = st.floats(min_value=0.05, max_value=geo.MAX_RADIUS_KM)


@settings(max_examples=400, deadline=None)
@given(latitudes, longitudes, radii, st.floats(0, 360), st.floats(0, 1))
def test_every_point_within_the_radius_falls_in_a_covering_range(
    lat, lng, radius, bearing, fraction
):
    point = _destination(lat, lng, bearing, radius * fraction)

    ranges = geo.covering_cell_ranges(lat, lng, radius)

    assert _inside(geo.cell_of(*point), ranges)


@settings(max_examples=200, deadline=None)
@given(latitudes, longitudes, radii)
def test_the_cover_stays_small_and_sorted(lat, lng, radius):
    ranges = geo.covering_cell_ranges(lat, lng, radius)

    assert 1 <= len(ranges) <= 64
    assert all(low <= high for low, high in ranges)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(ranges))


@settings(max_examples=200, deadline=None)
@given(latitudes, longitudes, st.floats(0.5, 50))
def test_the_cover_does_not_reach_absurdly_far(lat, lng, radius):
    """Candidates are filtered exactly afterwards, but a cover much wider than the
    circle would make that filter scan too much."""
    ranges = geo.covering_cell_ranges(lat, lng, radius)
    far = _destination(lat, lng, 90, radius * 2 + 1)

    assert not _inside(geo.cell_of(*far), ranges)


def test_a_radius_smaller_than_a_cell_still_finds_the_same_cell():
    lat, lng = 31.2304, 121.4737
    ranges = geo.covering_cell_ranges(lat, lng, 0.01)

    assert _inside(geo.cell_of(lat, lng), ranges)


def test_points_on_either_side_of_a_cell_border_are_both_covered():
    cell = h3.latlng_to_cell(25.033, 121.5654, geo.CELL_RESOLUTION)
    boundary = h3.cell_to_boundary(cell)
    (lat_a, lng_a), (lat_b, lng_b) = boundary[0], boundary[1]
    mid_lat, mid_lng = (lat_a + lat_b) / 2, (lng_a + lng_b) / 2
    ranges = geo.covering_cell_ranges(mid_lat, mid_lng, 0.05)

    for bearing in range(0, 360, 30):
        assert _inside(
            geo.cell_of(*_destination(mid_lat, mid_lng, bearing, 0.04)), ranges
        )


def test_cell_ids_fit_a_signed_64_bit_column():
    assert 0 < geo.cell_of(89.9, 179.9) < 2**63
    assert 0 < geo.cell_of(-89.9, -179.9) < 2**63


def test_haversine_matches_known_distances():
    shanghai, taipei = (31.2304, 121.4737), (25.0330, 121.5654)
    assert abs(geo.distance_km(*shanghai, *taipei) - 689) < 5
    assert geo.distance_km(*shanghai, *shanghai) == 0
