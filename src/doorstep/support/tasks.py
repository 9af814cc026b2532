"""Thin wrappers the periodic scheduler calls."""

from doorstep.support import disputes


def escalate_overdue_disputes() -> dict[str, int]:
    """Periodic job ``escalate_overdue_disputes``."""
    return disputes.escalate_overdue_disputes()
