"""What each pytest-xdist worker keeps to itself when ``make pytest`` runs the suite
in several processes (gw0, gw1, …). pytest-django already gives each its own test
database; the settings give each its own upload folders and Redis keys."""

import os

# Set by xdist in each worker before the settings load; absent in a serial run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# One per ``pytest -n`` run.
RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8]


def per_worker(name: str) -> str:
    """``name`` in a serial run; ``name-gwN`` in an xdist worker."""
    return f"{name}-{WORKER}" if WORKER else name


def redis_key_prefix() -> str | None:
    """The worker's ``REDIS_KEY_PREFIX``, per run too, so that two runs on one
    Redis database do not meet either; None in a serial run (the default)."""
    return f"doorstep-{RUN}-{WORKER}" if WORKER else None
