"""The ops actions on support the audit trail records."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

DECIDE_WARRANTY_CLAIM = define(
    "support.decide_warranty_claim", _("Decided a warranty claim")
)
DECIDE_GUARANTEE_CLAIM = define(
    "support.decide_guarantee_claim", _("Decided a guarantee claim")
)
