from datetime import datetime

from django.db import models
from django.db.models import Q, QuerySet

from doorstep.audit.models import AuditEntry
from doorstep.audit.services import target_key


def entries_for(target: models.Model) -> QuerySet[AuditEntry]:
    """The trail of one object, newest first (for its ops page)."""
    target_type, target_id = target_key(target)
    return AuditEntry.objects.filter(target_type=target_type, target_id=target_id)


def search_entries(
    *,
    text: str = "",
    action: str = "",
    actor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Entries matching every given filter, newest first. ``text`` matches who
    (their e-mail at the time), the object's id or name, and the reason."""
    entries = AuditEntry.objects.all()
    if text:
        entries = entries.filter(
            Q(actor_label__icontains=text)
            | Q(target_id=text)
            | Q(target_label__icontains=text)
            | Q(reason__icontains=text)
        )
    if action:
        entries = entries.filter(action=action)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries
