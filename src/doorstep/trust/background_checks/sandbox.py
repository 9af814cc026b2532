"""A background-check vendor that runs inside Doorstep and behaves like Checkr:
a check starts pending, its result arrives later as a signed webhook to our
webhook endpoint (Checkr's event shapes and signature), and the outcome comes
from the candidate's test data, as a vendor's test mode does:

- a name or e-mail containing ``consider`` → the report completes "consider";
- ``suspend`` → the report is suspended (waiting for the candidate);
- ``cancel`` → the report is cancelled (the check fails);
- ``reject`` → the vendor refuses to start the check (bad input);
- ``unavailable`` → the vendor cannot be reached (try again later);
- anything else → "clear".

The events wait in ``SandboxCheckEvent`` until ``deliver_after``; a task due
then delivers each (when the task backend can wait), and the periodic job
``deliver_sandbox_check_events`` sends whatever is due and undelivered — the
same path the worker takes, never a call from a page.
"""

import json
import logging
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from doorstep.trust.background_checks import setting
from doorstep.trust.background_checks.base import (
    BackgroundCheckError,
    Candidate,
    CheckEvent,
    StartedCheck,
    header,
    hmac_sha256_hex,
    signature_matches,
)
from doorstep.trust.background_checks.checkr import (
    SIGNATURE_HEADER,
    parse_checkr_event,
)
from doorstep.trust.check_models import SandboxCheckEvent

logger = logging.getLogger(__name__)

# Give up on an event our endpoint keeps refusing after this many deliveries.
MAX_DELIVERIES = 10


def _new_id(prefix: str) -> str:
    return f"{prefix}_sbx_{secrets.token_hex(8)}"


def planned_outcome(candidate: Candidate) -> str:
    """The magic words of the sandbox's test data (see the module docstring)."""
    words = f"{candidate.first_name} {candidate.last_name} {candidate.email}".lower()
    for magic in ("reject", "unavailable", "consider", "suspend", "cancel"):
        if magic in words:
            return magic
    return "clear"


class SandboxChecks:
    name = "sandbox"

    def start_check(self, *, candidate: Candidate) -> StartedCheck:
        outcome = planned_outcome(candidate)
        if outcome == "reject":
            raise BackgroundCheckError(
                BackgroundCheckError.REJECTED, "sandbox: the candidate was refused"
            )
        if outcome == "unavailable":
            raise BackgroundCheckError(
                BackgroundCheckError.UNAVAILABLE, "sandbox: vendor unavailable"
            )
        now = timezone.now()
        candidate_id = _new_id("cand")
        invitation_id = _new_id("inv")
        report_id = _new_id("rpt")
        report = {
            "id": report_id,
            "object": "report",
            "status": "pending",
            "result": None,
            "package": "sandbox",
            "candidate_id": candidate_id,
        }
        delay = timedelta(seconds=setting("DOORSTEP_CHECK_SANDBOX_DELAY_SECONDS"))
        with transaction.atomic():
            _emit(
                "invitation.completed",
                {
                    "id": invitation_id,
                    "object": "invitation",
                    "status": "completed",
                    "report_id": report_id,
                    "candidate_id": candidate_id,
                },
                at=now,
            )
            _emit("report.created", report, at=now)
            if outcome in {"clear", "consider"}:
                completed = {**report, "status": "complete", "result": outcome}
                _emit("report.completed", completed, at=now + delay)
            elif outcome == "suspend":
                _emit(
                    "report.suspended",
                    {**report, "status": "suspended"},
                    at=now + delay,
                )
            else:
                _emit(
                    "report.canceled", {**report, "status": "canceled"}, at=now + delay
                )
        return StartedCheck(
            candidate_id=candidate_id,
            external_id=invitation_id,
            candidate_url="",
        )

    def verify_and_parse_webhook(
        self, *, body: bytes, headers: Mapping[str, str]
    ) -> CheckEvent:
        key = setting("DOORSTEP_CHECK_SANDBOX_KEY")
        if not signature_matches(body, header(headers, SIGNATURE_HEADER), key=key):
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


def _emit(event_type: str, data: dict, *, at: datetime) -> SandboxCheckEvent:
    event_id = _new_id("evt")
    event = SandboxCheckEvent.objects.create(
        event_id=event_id,
        event_type=event_type,
        payload={
            "id": event_id,
            "object": "event",
            "type": event_type,
            "created_at": at.isoformat().replace("+00:00", "Z"),
            "data": {"object": data},
        },
        deliver_after=at,
    )
    transaction.on_commit(lambda: _schedule(event))
    return event


def _schedule(event: SandboxCheckEvent) -> None:
    """Queue the delivery for its time, when the task backend can wait; the
    periodic job sends it otherwise (never at once: the check it is about may
    not be saved yet, just as with a real vendor's webhook)."""
    from doorstep.trust.check_tasks import deliver_sandbox_check_event

    if deliver_sandbox_check_event.get_backend().supports_defer:
        deliver_sandbox_check_event.using(run_after=event.deliver_after).enqueue(
            event.event_id
        )


def signed_delivery(event: SandboxCheckEvent) -> tuple[bytes, dict[str, str]]:
    """The body and headers the sandbox sends for ``event``."""
    body = json.dumps(event.payload, sort_keys=True).encode()
    signature = hmac_sha256_hex(body, key=setting("DOORSTEP_CHECK_SANDBOX_KEY"))
    return body, {SIGNATURE_HEADER: signature}


def deliver_event(event_id: str) -> int:
    """Send one event to our webhook handler, as the vendor's HTTP call would;
    the status code it answered. Already delivered: nothing is sent again."""
    from doorstep.trust.check_services import receive_check_webhook

    event = SandboxCheckEvent.objects.get(event_id=event_id)
    if event.delivered_at is not None:
        return 200
    body, headers = signed_delivery(event)
    status = receive_check_webhook(vendor="sandbox", body=body, headers=headers)
    delivered = status == 200 or event.deliveries + 1 >= MAX_DELIVERIES
    if status != 200:
        logger.warning("sandbox check event %s: endpoint answered %s", event_id, status)
    SandboxCheckEvent.objects.filter(pk=event.pk).update(
        deliveries=event.deliveries + 1,
        delivered_at=timezone.now() if delivered else None,
    )
    return status


def deliver_due_events(*, now: datetime | None = None) -> int:
    """Deliver every event whose time has come (oldest first); how many."""
    now = now or timezone.now()
    due = list(
        SandboxCheckEvent.objects.filter(
            delivered_at__isnull=True, deliver_after__lte=now
        )
        .order_by("deliver_after", "pk")
        .values_list("event_id", flat=True)
    )
    for event_id in due:
        deliver_event(event_id)
    return len(due)
