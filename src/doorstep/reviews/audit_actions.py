"""The ops actions on reviews the audit trail records."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

HIDE_REVIEW = define("reviews.hide", _("Hid a review"))
UNHIDE_REVIEW = define("reviews.unhide", _("Unhid a review"))
DISMISS_REPORTS = define("reviews.dismiss_reports", _("Dismissed reports on a review"))
