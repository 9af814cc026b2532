"""The ops actions on disputes the audit trail records."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

DECIDE_DISPUTE = define("support.decide_dispute", _("Decided a dispute"))
