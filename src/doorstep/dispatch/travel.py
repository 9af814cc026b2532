"""How long a worker takes to reach a job: the one estimate dispatch uses for
offers, promised arrival times, the assignment's cost and the simulated day.

A straight-line distance stretched by a road factor, at a city speed, plus the
minutes to set off. Real road times (a routing engine) would plug in here; the
platform fetches nothing at run time, so the estimate is made from the map alone.

``travel_minutes`` answers for one pair; ``distance_km_matrix`` and
``minutes_for_km`` answer for every pair of many origins and destinations at
once (numpy, for the batch assignment), by the same formula and constants.

``way_minutes`` (``way_minutes_for_km`` for many pairs) is the time to *plan*
for the way to a booked door, as people plan for an appointment: the estimate
plus ``WAY_MARGIN`` for traffic, plus ``WAY_BUFFER``. The way rule of the
candidates, the batch's way on to a booked door and the worker's "leave by"
(``candidates.leave_by``) all plan with it.
"""

import math
from datetime import timedelta

import numpy as np

from doorstep.core.geo import EARTH_RADIUS_KM, distance_km

ROAD_FACTOR = 1.35  # roads are longer than the crow flies (typical for cities)
CITY_SPEED_KMH = 22.0  # door to door across a city, traffic included
SETTING_OFF_MINUTES = 8  # finish up, pack the kit, find the way out

# The way between two doors, planned for a booked time: the estimate plus this
# share for traffic, plus ``WAY_BUFFER``.
WAY_MARGIN = 0.2
WAY_BUFFER = timedelta(minutes=5)


def travel_minutes(
    origin: tuple[float, float], destination: tuple[float, float]
) -> int:
    """Whole minutes from ``origin`` to ``destination`` (latitude, longitude)."""
    kilometres = distance_km(*origin, *destination) * ROAD_FACTOR
    return SETTING_OFF_MINUTES + math.ceil(kilometres / CITY_SPEED_KMH * 60)


def minutes_for_km(
    distances_km: np.ndarray, *, out: np.ndarray | None = None
) -> np.ndarray:
    """``travel_minutes`` for straight-line distances, element-wise (floats
    holding whole minutes); written into ``out`` when given (it may be the
    distances themselves)."""
    minutes = np.multiply(np.asarray(distances_km, dtype=float), ROAD_FACTOR, out=out)
    minutes /= CITY_SPEED_KMH
    minutes *= 60
    np.ceil(minutes, out=minutes)
    minutes += SETTING_OFF_MINUTES
    return minutes


def way_minutes(origin: tuple[float, float], destination: tuple[float, float]) -> float:
    """The minutes to plan between two doors for a booked time (see
    ``WAY_MARGIN``)."""
    return travel_minutes(origin, destination) * (1 + WAY_MARGIN) + _buffer_minutes()


def way_minutes_for_km(
    distances_km: np.ndarray, *, out: np.ndarray | None = None
) -> np.ndarray:
    """``way_minutes`` for straight-line distances, element-wise; written into
    ``out`` when given (it may be the distances themselves)."""
    minutes = minutes_for_km(distances_km, out=out)
    minutes *= 1 + WAY_MARGIN
    minutes += _buffer_minutes()
    return minutes


def _buffer_minutes() -> float:
    return WAY_BUFFER.total_seconds() / 60


def distance_km_matrix(
    from_latitudes: np.ndarray,
    from_longitudes: np.ndarray,
    to_latitudes: np.ndarray,
    to_longitudes: np.ndarray,
) -> np.ndarray:
    """Great-circle distances (as ``core.geo.distance_km``) from each of n
    points to each of m points: an n x m array.

    Each point becomes a unit vector; one matrix product gives the cosine of
    every pair's central angle, and the haversine term is ``(1 - cos) / 2``, so
    the per-pair work is a product, a square root and an arcsine (about a
    quarter of the time of the haversine's trigonometry per pair). The
    cancellation in ``1 - cos`` costs precision only at the scale of a
    millimetre, far below the metres a whole minute of travel stands for.
    """
    origins = _unit_vectors(from_latitudes, from_longitudes)
    destinations = _unit_vectors(to_latitudes, to_longitudes)
    a = origins @ destinations.T
    np.subtract(1.0, a, out=a)
    a *= 0.5
    np.clip(a, 0.0, 1.0, out=a)
    np.sqrt(a, out=a)
    np.arcsin(a, out=a)
    a *= 2 * EARTH_RADIUS_KM
    return a


def _unit_vectors(latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    phi = np.radians(np.asarray(latitudes, dtype=float).reshape(-1))
    lam = np.radians(np.asarray(longitudes, dtype=float).reshape(-1))
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))
