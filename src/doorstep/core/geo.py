"""Points, distances and H3 cells: how Doorstep finds what is near.

Every located row (a provider's base, a listing, an address) stores the integer id of
the H3 cell of resolution :data:`CELL_RESOLUTION` that contains it, in a B-tree index.
H3 ids are hierarchical: all the fine cells under one coarse cell occupy one
contiguous range of integers (same mode, resolution and leading digits; the trailing
digits vary). "Everything within R km" therefore becomes a few dozen
``cell BETWEEN lo AND hi`` index range scans — no GIS extension on either database —
followed by an exact distance check on the candidates. The cover uses cells a tenth
to a quarter of the radius across and keeps only those that can reach the circle,
so from half a kilometre up the candidates number 1.1 to 2.5 times the points inside
(measured on seeded Shanghai; below that the fixed resolution-9 cells dominate).

Written here rather than taken from a library because the range trick is specific
to how we store cells; ``h3`` does the geometry.
"""

import math

import h3
import h3.api.basic_int as h3_int

# Resolution 9 cells are ~0.1 km² (edge ~0.2 km): fine enough that a cell never
# straddles two neighbourhoods, coarse enough that ids stay cheap to compute.
CELL_RESOLUTION = 9
EARTH_RADIUS_KM = 6371.0088
MAX_RADIUS_KM = 200.0

_RESOLUTION_SHIFT = 52
_DIGIT_BITS = 3
_BASE_CELL_SHIFT = 45
_MAX_RESOLUTION = 15
# Digit 6 in every one of the 15 digit positions.
_SIXES = sum(6 << (digit * _DIGIT_BITS) for digit in range(_MAX_RESOLUTION))
# A resolution-9 cell's circumradius is at most 1.5 times its average edge
# length (about 0.3 km, for the largest cells of that resolution).
_FINE_CELL_SLACK_KM = 1.5 * h3.average_hexagon_edge_length(CELL_RESOLUTION, "km")
_CIRCUMRADIUS_MARGIN = 1.5


def cell_of(latitude: float, longitude: float) -> int:
    """The integer id of the resolution-9 H3 cell containing the point."""
    return h3.str_to_int(h3.latlng_to_cell(latitude, longitude, CELL_RESOLUTION))


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance by the haversine formula."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lng2 - lng1)
    a = (
        math.sin(d_phi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _descendant_range(coarse_cell: int) -> tuple[int, int]:
    """The smallest and largest resolution-9 ids under a coarser cell: the id at
    resolution 9 with every digit the coarse cell leaves free set to 0 (its
    centre child), then to 6 (its last child)."""
    resolution = (coarse_cell >> _RESOLUTION_SHIFT) & 0xF
    free = 0
    for digit in range(resolution + 1, CELL_RESOLUTION + 1):
        free |= 7 << ((_MAX_RESOLUTION - digit) * _DIGIT_BITS)
    first = (coarse_cell & ~(0xF << _RESOLUTION_SHIFT) & ~free) | (
        CELL_RESOLUTION << _RESOLUTION_SHIFT
    )
    return first, first | (free & _SIXES)


def _cover_resolution_for(radius_km: float) -> int:
    """The finest resolution (at most :data:`CELL_RESOLUTION`) whose cells are at
    least a quarter of the radius along an edge: the circle then spans at most
    a few dozen of them, and the cells that touch it cover little more than it."""
    for resolution in range(CELL_RESOLUTION, -1, -1):
        if h3.average_hexagon_edge_length(resolution, "km") * 10 >= radius_km:
            return resolution
    return 0


def _circumradius_km(cell: int) -> float:
    centre = h3_int.cell_to_latlng(cell)
    return max(
        h3_int.great_circle_distance(centre, vertex, unit="km")
        for vertex in h3_int.cell_to_boundary(cell)
    )


def _ordinal(cell: int, resolution: int) -> int:
    """The cell's position among all cells of its resolution in id order: its base
    cell and digits read as one base-7 number. Cells with consecutive ordinals have
    no valid id between their descendant ranges, so those ranges can be merged."""
    ordinal = (cell >> _BASE_CELL_SHIFT) & 0x7F
    for digit in range(1, resolution + 1):
        ordinal = ordinal * 7 + (
            (cell >> ((_MAX_RESOLUTION - digit) * _DIGIT_BITS)) & 7
        )
    return ordinal


def covering_cell_ranges(
    latitude: float, longitude: float, radius_km: float
) -> list[tuple[int, int]]:
    """Inclusive ranges of resolution-9 cell ids that together contain every point
    within ``radius_km`` of the centre (and some points beyond: callers filter
    exactly by :func:`distance_km`)."""
    resolution = _cover_resolution_for(radius_km)
    centre = h3_int.latlng_to_cell(latitude, longitude, resolution)
    # Grid distance k reaches every cell that can hold a point within the radius:
    # neighbouring centres are about 1.5 edges apart or more, and a point's cell
    # centre may sit one circumradius (= one edge) away from the point.
    edge = h3.average_hexagon_edge_length(resolution, "km")
    k = math.ceil((radius_km + 2 * edge) / (1.5 * edge)) + 1
    # A coarse cell must be kept if a resolution-9 descendant of it can hold a
    # point within the radius. At resolution 9 that is the cell itself; above
    # it, descendants stray beyond their ancestor's outline (H3 nests cells
    # only approximately, by less than one edge of the coarse cell) and a
    # point sits up to one fine circumradius from its own cell's centre. A
    # cell comes within that reach if its centre lies within reach plus its
    # circumradius; cell sizes change slowly across a grid, so half as much
    # again as the centre cell's bounds that of every cell of the disk.
    reach = radius_km + _CIRCUMRADIUS_MARGIN * _circumradius_km(centre)
    if resolution < CELL_RESOLUTION:
        reach += edge + _FINE_CELL_SLACK_KM
    origin = (latitude, longitude)
    cells = sorted(
        (_ordinal(cell, resolution), cell)
        for cell in h3_int.grid_disk(centre, k)
        if h3_int.great_circle_distance(origin, h3_int.cell_to_latlng(cell), unit="km")
        <= reach
    )
    ranges: list[tuple[int, int]] = []
    previous_ordinal = None
    for ordinal, cell in cells:
        low, high = _descendant_range(cell)
        if previous_ordinal is not None and ordinal == previous_ordinal + 1:
            ranges[-1] = (ranges[-1][0], high)
        else:
            ranges.append((low, high))
        previous_ordinal = ordinal
    return ranges
