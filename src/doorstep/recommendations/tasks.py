"""Periodic work of recommendations (declared in ``periodic.jobs``)."""

from doorstep.recommendations.services import update_neighbours


def rebuild_recommendations() -> dict[str, int]:
    """Hourly: the listings that changed since the last run (and those they
    are candidates of); in full when the last full rebuild is a day old."""
    return update_neighbours()
