"""How long a worker takes to reach a job: the one estimate dispatch uses for
offers, promised arrival times, the assignment's cost and the simulated day.

A straight-line distance stretched by a road factor, at a city speed, plus the
minutes to set off. Real road times (a routing engine) would plug in here; the
platform fetches nothing at run time, so the estimate is made from the map alone.

``travel_minutes`` answers for one pair; ``distance_km_matrix`` and
``minutes_for_km`` answer for every pair of many origins and destinations at
once (numpy, for the batch assignment), by the same formula and constants.
"""

import math

import numpy as np

from doorstep.core.geo import EARTH_RADIUS_KM, distance_km

ROAD_FACTOR = 1.35  # roads are longer than the crow flies (typical for cities)
CITY_SPEED_KMH = 22.0  # door to door across a city, traffic included
SETTING_OFF_MINUTES = 8  # finish up, pack the kit, find the way out


def travel_minutes(
    origin: tuple[float, float], destination: tuple[float, float]
) -> int:
    """Whole minutes from ``origin`` to ``destination`` (latitude, longitude)."""
    kilometres = distance_km(*origin, *destination) * ROAD_FACTOR
    return SETTING_OFF_MINUTES + math.ceil(kilometres / CITY_SPEED_KMH * 60)


def minutes_for_km(distances_km: np.ndarray) -> np.ndarray:
    """``travel_minutes`` for straight-line distances, element-wise (floats
    holding whole minutes)."""
    minutes = np.asarray(distances_km, dtype=float) * ROAD_FACTOR
    minutes /= CITY_SPEED_KMH
    minutes *= 60
    np.ceil(minutes, out=minutes)
    minutes += SETTING_OFF_MINUTES
    return minutes


def distance_km_matrix(
    from_latitudes: np.ndarray,
    from_longitudes: np.ndarray,
    to_latitudes: np.ndarray,
    to_longitudes: np.ndarray,
) -> np.ndarray:
    """Great-circle distances (haversine, as ``core.geo.distance_km``) from each
    of n points to each of m points: an n x m array.

    The half-angle sines of the differences come from the angle-difference
    identity over per-point sines and cosines (outer products), so the only
    per-pair transcendental is the final arcsine; the result matches
    ``distance_km`` to within float rounding (about 1e-12 km).
    """
    phi1 = np.radians(np.asarray(from_latitudes, dtype=float)) / 2
    lambda1 = np.radians(np.asarray(from_longitudes, dtype=float)) / 2
    phi2 = np.radians(np.asarray(to_latitudes, dtype=float)) / 2
    lambda2 = np.radians(np.asarray(to_longitudes, dtype=float)) / 2
    # sin((b - a) / 2) = sin(b/2) cos(a/2) - cos(b/2) sin(a/2)
    sin_d_phi = np.outer(np.cos(phi1), np.sin(phi2)) - np.outer(
        np.sin(phi1), np.cos(phi2)
    )
    sin_d_lambda = np.outer(np.cos(lambda1), np.sin(lambda2)) - np.outer(
        np.sin(lambda1), np.cos(lambda2)
    )
    cos1 = np.cos(2 * phi1)  # the cosines of the latitudes themselves
    cos2 = np.cos(2 * phi2)
    a = sin_d_phi * sin_d_phi
    a += np.outer(cos1, cos2) * (sin_d_lambda * sin_d_lambda)
    np.sqrt(a, out=a)
    np.minimum(a, 1.0, out=a)
    np.arcsin(a, out=a)
    a *= 2 * EARTH_RADIUS_KM
    return a
