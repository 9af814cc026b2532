"""Periodic work of analytics (declared in ``doorstep.periodic.jobs``)."""

from doorstep.analytics import rollups, supply_demand


def refresh_analytics() -> dict[str, int]:
    """The safety net: today and yesterday recomputed, the ledger followed."""
    return rollups.refresh_recent()


def follow_ledger_for_analytics() -> int:
    """Recompute the days new journal entries touched (captures, refunds)."""
    return rollups.follow_ledger()


def refresh_supply_demand() -> dict[str, int]:
    """The supply and demand map's table, rebuilt over its window."""
    return {"cells": supply_demand.rebuild()}
