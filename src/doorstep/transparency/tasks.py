"""The worker's side of the log: the periodic job that extends and signs it."""

from doorstep.transparency.services import extend_log


def extend_transparency_log() -> dict[str, int]:
    """Append what settled in the outbox and the ledger; publish a checkpoint."""
    return extend_log()
