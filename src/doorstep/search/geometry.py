"""Exact "within R km" in SQL without trigonometry.

A document stores its base point as a unit vector (x, y, z). For a query point q,
the squared chord ``(x-qx)² + (y-qy)² + (z-qz)²`` is plain arithmetic on both
databases (SQLite may be built without math functions) and grows strictly with
the great-circle distance d: ``chord = 2·sin(d / 2R)``. So "d ≤ R km" is
``chord² ≤ chord2_for_km(R)`` and "nearest first" is "smallest chord² first".
Python evaluates the same expression in the same order (``chord2``), so the
database and ``brute_force`` agree to the last bit.

Bounds are inclusive with a millimetre of slack, so a listing exactly on the
circle is in, whichever way rounding falls.
"""

import math

from doorstep.core.geo import EARTH_RADIUS_KM, MAX_RADIUS_KM

EDGE_TOLERANCE_KM = 1e-6
# Upper bounds of the service-radius buckets (see reach_bucket).
REACH_BUCKETS_KM = (5.0, 10.0, 25.0, 50.0, 100.0, MAX_RADIUS_KM)
UnitVector = tuple[float, float, float]


def unit_vector(latitude: float, longitude: float) -> UnitVector:
    phi, lam = math.radians(latitude), math.radians(longitude)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def chord2(a: UnitVector, b: UnitVector) -> float:
    """Squared chord between two unit vectors; SQL spells it the same way."""
    return (
        (a[0] - b[0]) * (a[0] - b[0])
        + (a[1] - b[1]) * (a[1] - b[1])
        + (a[2] - b[2]) * (a[2] - b[2])
    )


def chord2_for_km(distance_km: float) -> float:
    """The squared chord of a great-circle distance, plus the edge tolerance."""
    angle = min(math.pi, (distance_km + EDGE_TOLERANCE_KM) / EARTH_RADIUS_KM)
    return (2 * math.sin(angle / 2)) ** 2


def km_for_chord2(value: float) -> float:
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(max(0.0, value)) / 2))


def sql_chord2(alias: str) -> str:
    """The SQL for ``chord2`` against three parameters (qx, qy, qz)."""
    return (
        f"(({alias}.unit_x - %s) * ({alias}.unit_x - %s)"
        f" + ({alias}.unit_y - %s) * ({alias}.unit_y - %s)"
        f" + ({alias}.unit_z - %s) * ({alias}.unit_z - %s))"
    )


def sql_chord2_params(point: UnitVector) -> list[float]:
    return [point[0], point[0], point[1], point[1], point[2], point[2]]


def reach_bucket(service_radius_km: float) -> int:
    """The smallest bucket whose bound is at least the radius. "Who serves this
    point" then looks, for each bucket, only at bases within that bucket's bound
    of the point: a short list of cell ranges per bucket instead of everything
    within the largest radius anyone has."""
    for index, bound in enumerate(REACH_BUCKETS_KM):
        if service_radius_km <= bound:
            return index
    return len(REACH_BUCKETS_KM) - 1
