"""Thin wrappers the periodic scheduler calls."""


def end_finished_promotions() -> int:
    """Periodic job ``end_finished_promotions``: promotions whose last day
    passed are marked ended."""
    from doorstep.promotions import services

    return services.end_finished_promotions()
