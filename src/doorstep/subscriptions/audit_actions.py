"""The ops actions on plans the audit trail records."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

CREATE_PLAN = define("subscriptions.create_plan", _("Created a provider plan"))
UPDATE_PLAN = define("subscriptions.update_plan", _("Changed a provider plan"))
ARCHIVE_PLAN = define(
    "subscriptions.archive_plan", _("Archived or offered again a provider plan")
)
