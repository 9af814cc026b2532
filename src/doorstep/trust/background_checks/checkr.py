"""Checkr (checkr.com), the background-check vendor: REST calls with
``requests`` (already installed with ``stripe``; Checkr has no maintained Python
SDK) and its webhooks.

A check is a *candidate* (``POST /v1/candidates``) and an *invitation*
(``POST /v1/invitations``): the candidate completes Checkr's hosted form — where
Checkr collects the identity details and its own legal disclosures, so we never
hold a social security number — and Checkr orders the report. Results arrive as
webhooks (``report.completed`` with ``result`` "clear" or "consider",
``report.suspended`` while Checkr waits for the candidate, …). Each webhook is
signed: ``X-Checkr-Signature`` is the hex HMAC-SHA256 of the raw body keyed
with our API key.
"""

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import requests

from doorstep.trust.background_checks import setting
from doorstep.trust.background_checks.base import (
    OUTCOME_CLEAR,
    OUTCOME_CONSIDER,
    OUTCOME_FAILED,
    OUTCOME_PROGRESS,
    OUTCOME_RESUMED,
    OUTCOME_SUSPENDED,
    BackgroundCheckError,
    Candidate,
    CheckEvent,
    StartedCheck,
    header,
    signature_matches,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Checkr-Signature"

# Checkr's event types, in our outcome words.
_OUTCOMES = {
    "report.suspended": OUTCOME_SUSPENDED,
    "report.resumed": OUTCOME_RESUMED,
    "report.canceled": OUTCOME_FAILED,
    "invitation.expired": OUTCOME_FAILED,
    "invitation.deleted": OUTCOME_FAILED,
}
# A completed report without a ``result`` (accounts on Checkr's assessments)
# says it with the assessment instead.
_ASSESSMENTS = {"eligible": OUTCOME_CLEAR, "review": OUTCOME_CONSIDER}


def parse_checkr_event(payload: Mapping[str, Any]) -> CheckEvent:
    """Our reading of one Checkr event (also what the sandbox sends)."""
    try:
        event_type = str(payload["type"])
        obj = payload["data"]["object"]
        candidate_id = str(obj["candidate_id"])
        event_id = str(payload["id"])
    except (KeyError, TypeError) as error:
        raise BackgroundCheckError(
            BackgroundCheckError.REJECTED, f"not a Checkr event: {error}"
        ) from None
    external_id = str(obj.get("id") or "") if obj.get("object") == "report" else ""
    if obj.get("object") == "invitation" and obj.get("report_id"):
        external_id = str(obj["report_id"])
    vendor_result = ""
    if event_type == "report.completed":
        vendor_result = str(obj.get("result") or obj.get("assessment") or "")
        outcome = (
            OUTCOME_CLEAR
            if obj.get("result") == "clear"
            else OUTCOME_CONSIDER
            if obj.get("result") == "consider"
            else _ASSESSMENTS.get(str(obj.get("assessment")), OUTCOME_CONSIDER)
        )
    else:
        outcome = _OUTCOMES.get(event_type, OUTCOME_PROGRESS)
    return CheckEvent(
        id=event_id,
        type=event_type,
        candidate_id=candidate_id,
        outcome=outcome,
        external_id=external_id,
        vendor_result=vendor_result,
        created_at=_timestamp(payload.get("created_at")),
    )


def _timestamp(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


class CheckrChecks:
    name = "checkr"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        package: str | None = None,
        session: Any = None,
    ) -> None:
        self.api_key = api_key if api_key is not None else setting("CHECKR_API_KEY")
        self.base_url = (base_url or setting("CHECKR_BASE_URL")).rstrip("/")
        self.package = package or setting("CHECKR_PACKAGE")
        self.session = session or requests.Session()

    # --- Calls ----------------------------------------------------------------

    def _post(self, path: str, data: Mapping[str, Any]) -> dict[str, Any]:
        if not self.api_key:
            raise BackgroundCheckError(
                BackgroundCheckError.NOT_CONFIGURED, "CHECKR_API_KEY is not set"
            )
        try:
            response = self.session.request(
                "POST",
                f"{self.base_url}{path}",
                json=dict(data),
                auth=(self.api_key, ""),
                timeout=setting("CHECKR_TIMEOUT_SECONDS"),
            )
        except requests.RequestException as error:
            raise BackgroundCheckError(
                BackgroundCheckError.UNAVAILABLE, f"Checkr unreachable: {error}"
            ) from error
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 500 or response.status_code == 429:
            raise BackgroundCheckError(
                BackgroundCheckError.UNAVAILABLE,
                f"Checkr answered {response.status_code}",
            )
        if response.status_code >= 400:
            raise BackgroundCheckError(
                BackgroundCheckError.REJECTED,
                str(body.get("error") or f"Checkr answered {response.status_code}"),
            )
        return body

    def start_check(self, *, candidate: Candidate) -> StartedCheck:
        created = self._post(
            "/v1/candidates",
            {
                "first_name": candidate.first_name,
                "last_name": candidate.last_name,
                "no_middle_name": True,
                "email": candidate.email,
                "phone": candidate.phone or None,
                "custom_id": candidate.reference,
            },
        )
        invitation = self._post(
            "/v1/invitations",
            {
                "candidate_id": created["id"],
                "package": self.package,
                "work_locations": [{"country": setting("CHECKR_WORK_COUNTRY")}],
            },
        )
        return StartedCheck(
            candidate_id=str(created["id"]),
            external_id=str(invitation["id"]),
            candidate_url=str(invitation.get("invitation_url") or ""),
        )

    # --- Webhooks -------------------------------------------------------------

    def verify_and_parse_webhook(
        self, *, body: bytes, headers: Mapping[str, str]
    ) -> CheckEvent:
        if not signature_matches(
            body, header(headers, SIGNATURE_HEADER), key=self.api_key
        ):
            raise BackgroundCheckError(
                BackgroundCheckError.BAD_SIGNATURE, "signature does not match"
            )
        try:
            payload = json.loads(body)
        except ValueError:
            raise BackgroundCheckError(
                BackgroundCheckError.REJECTED, "not JSON"
            ) from None
        return parse_checkr_event(payload)
