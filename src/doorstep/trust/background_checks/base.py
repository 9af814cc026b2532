"""What every background-check vendor does, in our words.

A check has two steps at every vendor we know of: a *candidate* (the person,
with what the vendor needs to find them), then a check of that candidate (an
invitation the candidate completes on the vendor's own pages, or a report
ordered directly). The result arrives later as a signed webhook: the vendor's
``clear``/``consider`` outcome, or ``suspended`` while it waits for the
candidate. Failures raise :class:`BackgroundCheckError` with a stable code.
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable


class BackgroundCheckError(Exception):
    BAD_SIGNATURE = "bad_signature"
    STALE_EVENT = "stale_event"
    REJECTED = "rejected"  # the vendor refused the request (bad input)
    UNAVAILABLE = "vendor_unavailable"  # network trouble, 5xx: try again later
    NOT_CONFIGURED = "not_configured"

    RETRYABLE = frozenset({UNAVAILABLE})

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(message or code)
        self.code = code
        self.message = message or code

    @property
    def retryable(self) -> bool:
        return self.code in self.RETRYABLE


@dataclass(frozen=True)
class Candidate:
    """Who is checked, as we send it: ``reference`` is our check's public id."""

    reference: str
    first_name: str
    last_name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class StartedCheck:
    candidate_id: str
    external_id: str  # the invitation or report id
    candidate_url: str = ""  # the vendor's form the candidate fills, if any


# Our outcome words; vendors' events are translated into these.
OUTCOME_CLEAR = "clear"
OUTCOME_CONSIDER = "consider"
OUTCOME_SUSPENDED = "suspended"
OUTCOME_RESUMED = "resumed"  # back to pending after a suspension
OUTCOME_FAILED = "failed"  # cancelled, expired, could not be completed
OUTCOME_PROGRESS = "progress"  # created, an invitation opened: nothing to do


@dataclass(frozen=True)
class CheckEvent:
    """A verified event about one check, found by ``candidate_id``."""

    id: str
    type: str  # the vendor's own event type, for the trail
    candidate_id: str
    outcome: str  # one of the OUTCOME_* words
    external_id: str = ""  # the report id, when the event names one
    vendor_result: str = ""
    created_at: datetime | None = None


@runtime_checkable
class BackgroundCheckProvider(Protocol):
    """A background-check vendor. ``name`` is what ``BackgroundCheck.vendor``
    stores and the webhook URL carries (``/trust/checks/webhooks/<name>/``)."""

    name: str

    def start_check(self, *, candidate: Candidate) -> StartedCheck:
        """Create the candidate and start their check (an invitation to
        complete it, or the report). Raises ``BackgroundCheckError``."""

    def verify_and_parse_webhook(
        self, *, body: bytes, headers: Mapping[str, str]
    ) -> CheckEvent:
        """Check the signature (raise ``bad_signature``) and read the event."""


def hmac_sha256_hex(body: bytes, *, key: str) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, signature: str, *, key: str) -> bool:
    """Constant-time comparison of a hex HMAC-SHA256 of ``body`` with ``key``."""
    if not key or not signature:
        return False
    return hmac.compare_digest(hmac_sha256_hex(body, key=key), signature.strip())


def header(headers: Mapping[str, str], name: str) -> str:
    """A header from a plain mapping or Django's ``request.META`` spelling."""
    lowered = {key.lower(): value for key, value in headers.items()}
    return lowered.get(name.lower(), "") or lowered.get(
        "http_" + name.lower().replace("-", "_"), ""
    )
