"""``Idempotency-Key`` for API writes that move money.

The first request with a key claims it (a row unique per user and key) before
doing anything, so a concurrent duplicate cannot run too: it is told to retry
(409). Later repeats get the first response back; the same key with other
parameters is a 422 problem. A request that failed with a retryable error lets
its key go, so trying again really tries again.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import Conflict, DomainError
from doorstep.payments.models import IdempotencyRecord

HEADER = "HTTP_IDEMPOTENCY_KEY"


def fingerprint(method: str, path: str, payload: Any) -> str:
    raw = json.dumps([method, path, payload], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def run_once(
    *,
    user: User,
    key: str | None,
    request_fingerprint: str,
    action: Callable[[], tuple[int, Any]],
) -> tuple[int, Any]:
    """``action()`` → (status, JSON body), run at most once per ``(user, key)``."""
    if not key:
        return action()
    key = key[:120]
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                user=user, key=key, fingerprint=request_fingerprint
            )
    except IntegrityError:
        record = IdempotencyRecord.objects.get(user=user, key=key)
        if record.fingerprint != request_fingerprint:
            raise DomainError(
                "idempotency_key_reused",
                _("This Idempotency-Key was already used with other parameters."),
            ) from None
        if record.response_status is None:
            raise Conflict(
                "request_in_progress",
                _("A request with this Idempotency-Key is still running. Retry."),
            ) from None
        return record.response_status, record.response_body
    try:
        status, body = action()
    except DomainError as error:
        if error.status >= 500 or getattr(error, "retryable", False):
            IdempotencyRecord.objects.filter(pk=record.pk).delete()
        else:
            IdempotencyRecord.objects.filter(pk=record.pk).update(
                response_status=error.status,
                response_body={"__error__": [error.code, error.message, error.fields]},
            )
        raise
    except Exception:
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        raise
    # Stored and answered in its JSON form, so a replay is byte-for-byte the same.
    body = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        response_status=status, response_body=body
    )
    return status, body


def replay_error(status: int, body: Any) -> None:
    """A stored refusal is raised again as it was."""
    if isinstance(body, dict) and "__error__" in body:
        code, message, fields = body["__error__"]
        raise DomainError(code, message, status=status, fields=fields)
