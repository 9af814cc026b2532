"""How long a worker takes to reach a job: the one estimate dispatch uses for
offers, promised arrival times, the assignment's cost and the simulated day.

A straight-line distance stretched by a road factor, at a city speed, plus the
minutes to set off. Real road times (a routing engine) would plug in here; the
platform fetches nothing at run time, so the estimate is made from the map alone.
"""

import math

from doorstep.core.geo import distance_km

ROAD_FACTOR = 1.35  # roads are longer than the crow flies (typical for cities)
CITY_SPEED_KMH = 22.0  # door to door across a city, traffic included
SETTING_OFF_MINUTES = 8  # finish up, pack the kit, find the way out


def travel_minutes(
    origin: tuple[float, float], destination: tuple[float, float]
) -> int:
    """Whole minutes from ``origin`` to ``destination`` (latitude, longitude)."""
    kilometres = distance_km(*origin, *destination) * ROAD_FACTOR
    return SETTING_OFF_MINUTES + math.ceil(kilometres / CITY_SPEED_KMH * 60)
