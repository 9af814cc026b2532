"""Writing the audit trail. Call ``record`` from the service that takes an ops
action, inside its transaction, so the action and its entry commit together."""

from collections.abc import Mapping
from typing import Any

from django.db import models

from doorstep.audit.actions import AuditAction, action_for
from doorstep.audit.models import AuditEntry

SYSTEM = "system"


def target_key(target: models.Model) -> tuple[str, str]:
    """How the trail names an object: its model label and its public id (or
    primary key where the model has none)."""
    public_id = getattr(target, "public_id", None)
    return target._meta.label_lower, str(public_id or target.pk)


def record(
    *,
    actor,
    action: AuditAction | str,
    target: models.Model,
    reason: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry: ``actor`` (a user, or ``None`` for the system) did
    ``action`` to ``target``. ``before``/``after`` hold the fields the action
    changed, as JSON-able values (money as minor units, times as ISO text)."""
    code = str(action)
    if action_for(code) is None:
        raise ValueError(
            f"audit action {code!r} is not declared (audit.actions.define)"
        )
    target_type, target_id = target_key(target)
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=_actor_label(actor),
        action=code,
        target_type=target_type,
        target_id=target_id,
        target_label=str(target)[:200],
        before=dict(before or {}),
        after=dict(after or {}),
        reason=reason,
    )


def _actor_label(actor) -> str:
    if actor is None or not actor.is_authenticated:
        return SYSTEM
    return actor.email or actor.phone or f"user {actor.pk}"
