"""The ops actions of platform dispatch the audit trail records. Manual assign
and reassign are order transitions, audited by the engine as ``orders.assign``
and ``orders.unassign`` (``orders.audit_actions``)."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

SAVE_SLA_POLICY = define(
    "settings.dispatch.save_sla_policy", _("Set a service promise (dispatch)")
)
DELETE_SLA_POLICY = define(
    "settings.dispatch.delete_sla_policy", _("Removed a service promise (dispatch)")
)
