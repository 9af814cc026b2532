"""The audit trail: one append-only record of what ops did, to what, and why.

Written by hand rather than with django-auditlog or django-simple-history: those
record *saves of models* (by signal, without a reason and without knowing which
business action made them), while the trail the product needs records *ops
actions* — "approved a payout", "suspended a provider" — with the reason the
person gave, called from the service that takes the action, in its transaction.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import action_for
from doorstep.core.ids import PublicIdField


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("audit entries cannot be changed")

    def delete(self):
        raise AuditTrailIsAppendOnly("audit entries cannot be deleted")


class AuditEntry(models.Model):
    public_id = PublicIdField(prefix="aud")
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # Who it was at the time, kept if the account is later renamed or erased;
    # "system" for the scheduler's own actions.
    actor_label = models.CharField(_("who"), max_length=254)
    action = models.CharField(_("what"), max_length=64, db_index=True)
    # What it was done to: a model label ("accounts.providerprofile") and the
    # object's public id (or primary key where it has none).
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(_("to what"), max_length=200)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(
                fields=["target_type", "target_id", "-at"], name="audit_target"
            ),
            models.Index(fields=["actor", "-at"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None or not self._state.adding:
            raise AuditTrailIsAppendOnly("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("audit entries cannot be deleted")

    @property
    def action_label(self) -> str:
        action = action_for(self.action)
        return str(action.label) if action else self.action
