"""Every edit made through Django's admin, in the audit trail too.

Django writes its own ``LogEntry`` for each admin addition, change and deletion
(from ``ModelAdmin.log_addition`` / ``log_change`` / ``log_deletions``, inside
the admin view's transaction). ``AuditedAdmin`` hooks those three methods and
writes an ``AuditEntry`` beside each, with the changed fields' values before and
after, so ops read one trail whatever screen the change came from. The admin's
own history page keeps working as before.

The ops admin site (``sites.OpsAdminSite``) mixes it into every registered
``ModelAdmin``; the audit entry admin itself is read-only, so it writes none.
"""

import datetime
import decimal
import uuid
from typing import Any

from django.db import models
from django.forms import ModelChoiceField, ModelMultipleChoiceField
from django.http import HttpRequest

from doorstep.audit import services as audit
from doorstep.backoffice.audit_actions import ADMIN_ADD, ADMIN_CHANGE, ADMIN_DELETE

# Never copied into the trail, whatever the model.
SECRET_FIELDS = frozenset({"password", "digest", "start_code", "secret", "token"})


def json_value(value: Any) -> Any:
    """A field's value as JSON can hold it (and as a person reads it)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(getattr(value, "public_id", None) or value.pk)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set | models.QuerySet):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if hasattr(value, "name") and hasattr(value, "url"):  # a file
        return value.name or ""
    return str(value)


def _initial(form, name: str) -> Any:
    """What the form showed for ``name``: a related object rather than its
    primary key, so before and after read alike."""
    value = form.initial.get(name)
    field = form.fields.get(name)
    if isinstance(field, ModelChoiceField) and not isinstance(
        field, ModelMultipleChoiceField
    ):
        return field.queryset.filter(pk=value).first() if value else None
    return value


class AuditedAdmin:
    """A ``ModelAdmin`` mixin: admin edits also go to the audit trail."""

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if change:
            changed = [name for name in form.changed_data if name not in SECRET_FIELDS]
            # What the form showed and what it saved, kept for ``log_change``.
            request._audit_change = (
                {name: json_value(_initial(form, name)) for name in changed},
                {name: json_value(form.cleaned_data.get(name)) for name in changed},
            )
        super().save_model(request, obj, form, change)

    def log_addition(self, request: HttpRequest, obj, message):
        logged = super().log_addition(request, obj, message)
        audit.record(actor=request.user, action=ADMIN_ADD, target=obj)
        return logged

    def log_change(self, request: HttpRequest, obj, message):
        logged = super().log_change(request, obj, message)
        before, after = getattr(request, "_audit_change", ({}, {}))
        request._audit_change = ({}, {})
        if not before and not after and not message:
            return logged  # saved without a change: nothing happened
        audit.record(
            actor=request.user,
            action=ADMIN_CHANGE,
            target=obj,
            before=before,
            after=after,
        )
        return logged

    def log_deletions(self, request: HttpRequest, queryset):
        logged = super().log_deletions(request, queryset)
        for obj in queryset:
            audit.record(
                actor=request.user,
                action=ADMIN_DELETE,
                target=obj,
                before={"record": str(obj)[:200]},
            )
        return logged
