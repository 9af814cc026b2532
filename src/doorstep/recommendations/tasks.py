"""Periodic work of recommendations (declared in ``periodic.jobs``)."""

from doorstep.recommendations.services import rebuild_neighbours


def rebuild_recommendations() -> dict[str, int]:
    return rebuild_neighbours()
