"""Background checks behind one interface (``base.BackgroundCheckProvider``): a
sandbox that behaves like a vendor, and a Checkr adapter. The setting
``DOORSTEP_BACKGROUND_CHECKS`` ("sandbox" or "checkr") picks one."""

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from doorstep.trust.background_checks.base import BackgroundCheckProvider

PROVIDERS = {
    "sandbox": "doorstep.trust.background_checks.sandbox.SandboxChecks",
    "checkr": "doorstep.trust.background_checks.checkr.CheckrChecks",
}

DEFAULTS: dict[str, Any] = {
    "DOORSTEP_BACKGROUND_CHECKS": "sandbox",
    # Checkr: the API key signs webhooks too (HMAC-SHA256 of the body).
    "CHECKR_API_KEY": "",
    "CHECKR_BASE_URL": "https://api.checkr.com",
    "CHECKR_PACKAGE": "tasker_standard",
    "CHECKR_WORK_COUNTRY": "US",
    "CHECKR_TIMEOUT_SECONDS": 10,
    # The sandbox signs its webhooks as Checkr does, with this key.
    "DOORSTEP_CHECK_SANDBOX_KEY": "sandbox_checks_dev_only",
    # Seconds from the start of a sandbox check to its result.
    "DOORSTEP_CHECK_SANDBOX_DELAY_SECONDS": 60,
    # Events older than this (by their signed ``created_at``) are refused: a
    # recorded delivery replayed later is not a fresh event.
    "DOORSTEP_CHECK_WEBHOOK_MAX_AGE_SECONDS": 3 * 24 * 3600,
    # How long a passed check's badge lasts before a new check is needed.
    "DOORSTEP_BACKGROUND_CHECK_VALID_DAYS": 365,
}


def setting(name: str) -> Any:
    return getattr(settings, name, DEFAULTS[name])


def vendor_name() -> str:
    return setting("DOORSTEP_BACKGROUND_CHECKS")


def get_checks(name: str | None = None) -> BackgroundCheckProvider:
    """The configured vendor (or the one called ``name``, for webhooks)."""
    name = name or vendor_name()
    try:
        path = PROVIDERS[name]
    except KeyError:
        raise LookupError(f"unknown background-check vendor {name!r}") from None
    return import_string(path)()
