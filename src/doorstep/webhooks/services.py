"""Every write of outgoing webhooks: endpoints, the deliveries the outbox makes
for them, sending (with retries), replays, rotation and disabling.

Sending follows the Standard Webhooks retry schedule: at once, then 5 s, 5 min,
30 min, 2 h, 5 h, 10 h and 10 h more four times — eleven attempts over about
2.4 days (57 h 35 min). A 2xx is delivered; 410 Gone turns the endpoint off
(the receiver said so) and is not retried; anything else (another 4xx, a 5xx,
a timeout, a refused address) is retried. An endpoint with no 2xx for
``DISABLE_AFTER`` is turned off and its owner told. Timers are tasks with
``run_after``; the periodic sweep (``retry_due_deliveries``) sends what a lost
or undeferrable task left due.
"""

import json
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.audit import services as audit
from doorstep.backoffice.access import (
    OpsPermission,
    has_ops_permission,
    require_ops_permission,
)
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.models import Event
from doorstep.events.services import record_event
from doorstep.webhooks import catalogue, guard, signing, transport
from doorstep.webhooks.audit_actions import DISABLE_ENDPOINT
from doorstep.webhooks.models import (
    Attempt,
    Delivery,
    DisabledReason,
    Endpoint,
    Scope,
)
from doorstep.webhooks.payloads import describe
from doorstep.webhooks.queries import access_delivery, access_endpoint

logger = logging.getLogger(__name__)

PENDING, DELIVERED, FAILED, CANCELLED = (
    Delivery.Status.PENDING,
    Delivery.Status.DELIVERED,
    Delivery.Status.FAILED,
    Delivery.Status.CANCELLED,
)

# RETRY_DELAYS[n]: the wait after the n-th failed attempt (the first is at once).
RETRY_DELAYS = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS)
DISABLE_AFTER = timedelta(days=5)
SECRET_OVERLAP = timedelta(hours=24)
# A sender holds a delivery this long (more than both timeouts together).
CLAIM_FOR = timedelta(seconds=60)
# The sweep leaves a due delivery this long to its own task.
SWEEP_GRACE = timedelta(minutes=1)
SWEEP_BUDGET_SECONDS = 45.0
OPS_PERMISSION = OpsPermission.MANAGE_SETTINGS


# --- Endpoints -----------------------------------------------------------------------


def _checked_url(url: str) -> str:
    url = url.strip()
    try:
        guard.vet_url(url)
    except guard.RefusedTarget as refused:
        raise DomainError(
            "webhook_url_refused", str(refused), fields={"url": [str(refused)]}
        ) from refused
    return url


def _checked_types(event_types: list[str]) -> list[str]:
    unknown = [value for value in event_types if not catalogue.is_known_filter(value)]
    if unknown:
        message = _("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)}
        raise DomainError(
            "unknown_event_type", message, fields={"event_types": [message]}
        )
    return sorted(set(event_types))


@transaction.atomic
def create_endpoint(
    *,
    owner,
    url: str,
    description: str = "",
    event_types: list[str] | None = None,
    scope: str = Scope.OWN,
) -> tuple[Endpoint, str]:
    """Register an endpoint; returns it and its secret (shown once).

    ``scope="marketplace"`` (every event of the chosen types) is for ops whose
    role may change the operator's settings; others get 403."""
    if scope == Scope.MARKETPLACE:
        require_ops_permission(owner, OPS_PERMISSION)
    secret = signing.new_secret()
    endpoint = Endpoint.objects.create(
        owner=owner,
        scope=scope,
        url=_checked_url(url),
        description=description.strip(),
        event_types=_checked_types(event_types or []),
        secret=secret,
    )
    return endpoint, secret


@transaction.atomic
def update_endpoint(
    *,
    user,
    endpoint_id: str,
    url: str | None = None,
    description: str | None = None,
    event_types: list[str] | None = None,
    enabled: bool | None = None,
) -> Endpoint:
    """Change what was given. Turning an endpoint back on forgets its failures;
    turning it off cancels what it had waiting."""
    endpoint = access_endpoint(user, endpoint_id)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    if url is not None:
        endpoint.url = _checked_url(url)
    if description is not None:
        endpoint.description = description.strip()
    if event_types is not None:
        endpoint.event_types = _checked_types(event_types)
    now = timezone.now()
    if enabled is True and not endpoint.enabled:
        endpoint.enabled = True
        endpoint.disabled_reason = ""
        endpoint.disabled_at = None
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
    elif enabled is False and endpoint.enabled:
        _turn_off(endpoint, DisabledReason.OWNER, now)
    endpoint.updated_at = now
    endpoint.save()
    return endpoint


@transaction.atomic
def delete_endpoint(*, user, endpoint_id: str) -> None:
    access_endpoint(user, endpoint_id).delete()


@transaction.atomic
def rotate_secret(*, user, endpoint_id: str) -> tuple[Endpoint, str]:
    """A new secret; the old one goes on signing beside it for 24 hours."""
    endpoint = access_endpoint(user, endpoint_id)
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    now = timezone.now()
    secret = signing.new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + SECRET_OVERLAP
    endpoint.secret = secret
    endpoint.updated_at = now
    endpoint.save(
        update_fields=[
            "previous_secret",
            "previous_secret_expires_at",
            "secret",
            "updated_at",
        ]
    )
    return endpoint, secret


@transaction.atomic
def disable_endpoint_as_ops(*, actor, endpoint_id: str, reason: str) -> Endpoint:
    """Ops turn someone's endpoint off (it misbehaves, or its owner asked);
    audited, and the owner is told."""
    require_ops_permission(actor, OPS_PERMISSION)
    endpoint = (
        Endpoint.objects.select_for_update().filter(public_id=endpoint_id).first()
    )
    if endpoint is None:
        raise NotFound("not_found", _("No such webhook endpoint."))
    if not endpoint.enabled:
        return endpoint
    _turn_off(endpoint, DisabledReason.OPS, timezone.now())
    endpoint.save()
    audit.record(
        actor=actor,
        action=DISABLE_ENDPOINT,
        target=endpoint,
        reason=reason,
        before={"enabled": True},
        after={"enabled": False},
    )
    return endpoint


def _turn_off(endpoint: Endpoint, reason: str, now: datetime) -> None:
    """Mark ``endpoint`` off (the caller saves it), cancel what it had waiting
    and, unless its owner did it, tell them."""
    endpoint.enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    endpoint.updated_at = now
    endpoint.deliveries.filter(status=PENDING).update(
        status=CANCELLED, next_attempt_at=None
    )
    if reason != DisabledReason.OWNER:
        record_event(
            topic="webhook.endpoint_disabled",
            subject=endpoint.public_id,
            payload={"reason": reason},
        )


# --- Making deliveries ---------------------------------------------------------------


def message_body(event_type: str, moment: datetime, data: dict) -> str:
    return json.dumps(
        {"type": event_type, "timestamp": moment.isoformat(), "data": data},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def fan_out_event(*, event: Event) -> list[Delivery]:
    """Make one delivery per endpoint that takes ``event`` (the outbox
    consumer). Idempotent: each delivery is made on its unique key
    ``(endpoint, event)``; a repeat makes nothing and queues nothing again that
    is not due."""
    if event.topic not in catalogue.event_types():
        return []
    facts = describe(event)
    if facts is None:
        return []
    now = timezone.now()
    candidates = Endpoint.objects.filter(enabled=True).filter(
        Q(scope=Scope.OWN, owner_id__in=facts.concerns) | Q(scope=Scope.MARKETPLACE)
    )
    made: list[Delivery] = []
    due: list[int] = []
    with transaction.atomic():
        for endpoint in candidates.select_related("owner"):
            if not catalogue.matches(endpoint.event_types, event.topic):
                continue
            if endpoint.scope == Scope.MARKETPLACE and not has_ops_permission(
                endpoint.owner, OPS_PERMISSION
            ):
                continue
            delivery, created = Delivery.objects.get_or_create(
                endpoint=endpoint,
                event=event,
                defaults={
                    "event_type": event.topic,
                    "body": message_body(event.topic, event.occurred_at, facts.data),
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
            made.append(delivery)
            if created:
                due.append(delivery.pk)
        transaction.on_commit(lambda: [_queue(pk) for pk in due])
    return made


@transaction.atomic
def send_test_message(*, user, endpoint_id: str) -> Delivery:
    """Queue a ``webhook.test`` message to one's endpoint (409 if it is off)."""
    endpoint = access_endpoint(user, endpoint_id)
    if not endpoint.enabled:
        raise Conflict(
            "webhook_endpoint_disabled", _("Turn the endpoint on before testing it.")
        )
    now = timezone.now()
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        event_type=catalogue.TEST_EVENT_TYPE,
        body=message_body(
            catalogue.TEST_EVENT_TYPE,
            now,
            {"object": "endpoint", "id": endpoint.public_id},
        ),
        next_attempt_at=now,
        created_at=now,
    )
    transaction.on_commit(lambda: _queue(delivery.pk))
    return delivery


@transaction.atomic
def replay_delivery(*, user, endpoint_id: str, delivery_id: str) -> Delivery:
    """Send a delivery again now, with the same id and body (receivers drop
    duplicates by ``webhook-id``). If it fails it is retried on the schedule
    from where it stood; one whose schedule had run out is tried this once."""
    delivery = access_delivery(user, endpoint_id, delivery_id)
    if not delivery.endpoint.enabled:
        raise Conflict(
            "webhook_endpoint_disabled",
            _("Turn the endpoint on before sending to it again."),
        )
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=PENDING, next_attempt_at=now, claimed_until=None
    )
    transaction.on_commit(lambda: _queue(delivery.pk, manual=True))
    delivery.refresh_from_db()
    return delivery


def _queue(delivery_id: int, run_after: datetime | None = None, manual=False) -> None:
    from doorstep.webhooks.tasks import send_webhook

    if run_after is None:
        send_webhook.enqueue(delivery_id, manual)
    elif send_webhook.get_backend().supports_defer:
        send_webhook.using(run_after=run_after).enqueue(delivery_id, manual)
    # Otherwise (a backend without delayed tasks) the sweep sends it when due.


# --- Sending -------------------------------------------------------------------------


def _claim(delivery_id: int, now: datetime, *, manual: bool) -> bool:
    """The conditional UPDATE that makes this caller the one sender."""
    claimable = Delivery.objects.filter(pk=delivery_id, status=PENDING).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )
    if not manual:
        claimable = claimable.filter(next_attempt_at__lte=now)
    return claimable.update(claimed_until=now + CLAIM_FOR) == 1


def send_delivery(*, delivery_id: int, manual: bool = False) -> str | None:
    """Make one attempt at a due delivery and record it; the new status, or
    ``None`` when another sender holds it or it is not due (a duplicate task).

    The HTTP request happens outside any transaction (it takes up to the
    timeouts); the claim keeps a second sender away meanwhile."""
    now = timezone.now()
    if not _claim(delivery_id, now, manual=manual):
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.enabled:
        Delivery.objects.filter(pk=delivery_id).update(
            status=CANCELLED, next_attempt_at=None, claimed_until=None
        )
        return CANCELLED
    body = delivery.body.encode()
    try:
        target = guard.vet_url(endpoint.url)
    except guard.RefusedTarget as refused:
        outcome = transport.Outcome(status_code=None, duration_ms=0, error=str(refused))
    else:
        headers = signing.signed_headers(
            secrets_=endpoint.secrets_at(now),
            message_id=delivery.public_id,
            timestamp=now,
            body=body,
        )
        outcome = transport.post(target=target, headers=headers, body=body)
    return _record_attempt(delivery_id, outcome, started_at=now, manual=manual)


@transaction.atomic
def _record_attempt(
    delivery_id: int, outcome: transport.Outcome, *, started_at: datetime, manual: bool
) -> str:
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    endpoint = Endpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
    now = timezone.now()
    delivery.attempts += 1
    Attempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started_at,
        duration_ms=outcome.duration_ms,
        status_code=outcome.status_code,
        error=outcome.error[:300],
        response_body=outcome.body[: transport.RESPONSE_BODY_LIMIT],
        manual=manual,
    )
    delivery.last_status_code = outcome.status_code
    delivery.claimed_until = None
    code = outcome.status_code
    retry_at = None
    if code is not None and 200 <= code < 300:
        delivery.status = DELIVERED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
    elif code == 410:
        delivery.status = FAILED
        delivery.next_attempt_at = None
        if endpoint.enabled:
            _turn_off(endpoint, DisabledReason.GONE, now)
    else:
        endpoint.consecutive_failures += 1
        endpoint.failing_since = endpoint.failing_since or started_at
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = FAILED
            delivery.next_attempt_at = None
        else:
            retry_at = now + RETRY_DELAYS[delivery.attempts]
            delivery.status = PENDING
            delivery.next_attempt_at = retry_at
        if endpoint.enabled and endpoint.failing_since <= now - DISABLE_AFTER:
            _turn_off(endpoint, DisabledReason.FAILING, now)
            if delivery.status == PENDING:
                delivery.status = CANCELLED
                delivery.next_attempt_at = None
                retry_at = None
    delivery.save()
    endpoint.save()
    if retry_at is not None:
        transaction.on_commit(lambda: _queue(delivery_id, run_after=retry_at))
    return delivery.status


def retry_due_deliveries(*, limit: int = 200) -> dict[str, int]:
    """The sweep (a periodic job): send every pending delivery due for
    ``SWEEP_GRACE`` (its task was lost, or the backend cannot delay tasks), and
    turn off endpoints with no 2xx for ``DISABLE_AFTER`` even when nothing new
    is sent to them. Stops after ``SWEEP_BUDGET_SECONDS``; the next run goes on."""
    import time

    started = time.monotonic()
    now = timezone.now()
    disabled = 0
    with transaction.atomic():
        for endpoint in Endpoint.objects.select_for_update().filter(
            enabled=True, failing_since__lte=now - DISABLE_AFTER
        ):
            _turn_off(endpoint, DisabledReason.FAILING, now)
            endpoint.save()
            disabled += 1
    due = list(
        Delivery.objects.filter(status=PENDING, next_attempt_at__lte=now - SWEEP_GRACE)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = delivered = 0
    for delivery_id in due:
        if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break
        try:
            status = send_delivery(delivery_id=delivery_id)
        except Exception:  # one bad row must not stop the sweep
            logger.exception("webhook delivery %s failed to send", delivery_id)
            continue
        sent += status is not None
        delivered += status == DELIVERED
    return {"sent": sent, "delivered": delivered, "disabled": disabled}
