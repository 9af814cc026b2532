"""The ops actions on money the audit trail records."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

REFUND_ORDER = define("payments.refund", _("Refunded an order"))
APPROVE_PAYOUT = define("payments.approve_payout", _("Decided a payout request"))
FUND_GUARANTEE = define("payments.fund_guarantee", _("Funded the guarantee fund"))
