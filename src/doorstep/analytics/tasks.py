"""Periodic work of analytics (declared in ``doorstep.periodic.jobs``)."""

from doorstep.analytics import rollups


def refresh_analytics() -> dict[str, int]:
    """The safety net: today and yesterday recomputed, the ledger followed."""
    return rollups.refresh_recent()
