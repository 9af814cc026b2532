from django.db import models
from django.utils.translation import gettext_lazy as _


class OpsAccess(models.Model):
    """No table and no rows: it only names the ops permissions
    (``access.OpsPermission``) so that Django groups — the ops roles — can hold
    them and ``user.has_perm`` can answer."""

    class Meta:
        managed = False
        default_permissions = ()
        verbose_name = _("ops access")
        permissions = [
            ("act_on_orders", _("Act on other people's orders")),
            ("refund_orders", _("Refund orders")),
            ("approve_payouts", _("Approve payouts")),
            ("view_finance", _("See the finance report and payouts")),
            ("moderate_reviews", _("Hide and unhide reviews")),
            ("view_people", _("Look up users, providers, orders and listings")),
            ("verify_providers", _("Decide provider applications and documents")),
            ("view_documents", _("Open providers' private documents")),
            ("enforce_standards", _("Penalise and suspend providers; decide appeals")),
            ("moderate_messages", _("Decide flagged messages and review patterns")),
            ("manage_settings", _("Change the marketplace's settings")),
            ("view_audit", _("Read the audit trail")),
            (
                "dispatch_orders",
                _("Watch the dispatch board; assign platform orders"),
            ),
            ("handle_tickets", _("Answer and assign support tickets")),
            (
                "decide_disputes",
                _("Decide disputes and claims; pay from the guarantee"),
            ),
            ("edit_help", _("Write and publish help articles")),
            (
                "run_growth",
                _("Run campaigns and codes; review held referral rewards"),
            ),
        ]

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class QueueWatermark(models.Model):
    """Up to when ops were told about a queue's new items: the periodic
    ``alert_ops_of_new_queue_items`` job tells them of items that arrived since
    and moves the mark, one row per queue (``queues.OpsQueue.key``)."""

    queue = models.CharField(max_length=64, unique=True)
    seen_until = models.DateTimeField()

    class Meta:
        verbose_name = _("ops queue watermark")
        verbose_name_plural = _("ops queue watermarks")

    def __str__(self) -> str:
        return f"{self.queue} @ {self.seen_until:%Y-%m-%d %H:%M}"
