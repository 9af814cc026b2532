"""Periodic work of analytics (declared in ``doorstep.periodic.jobs``)."""

from doorstep.analytics import rollups


def refresh_analytics() -> dict[str, int]:
    """The safety net: today and yesterday recomputed, the ledger followed."""
    return rollups.refresh_recent()


def follow_ledger_for_analytics() -> int:
    """Recompute the days new journal entries touched (captures, refunds)."""
    return rollups.follow_ledger()
