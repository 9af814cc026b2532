"""The commission-rule changes ops make, each audited."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

SET_COMMISSION_LIMIT = define(
    "settings.set_commission_limit",
    _("Set a category's minimum and maximum commission in a currency"),
)
REMOVE_COMMISSION_LIMIT = define(
    "settings.remove_commission_limit", _("Removed a category's commission limits")
)
