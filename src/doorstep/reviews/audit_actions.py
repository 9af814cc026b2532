"""The ops actions on reviews the audit trail records."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

HIDE = define("reviews.hide", _("Hid a review"))
UNHIDE = define("reviews.unhide", _("Showed a hidden review again"))
HIDE_FLAGGED = define("reviews.hide_flagged", _("Hid the reviews of a flagged pattern"))
DISMISS_FLAG = define("reviews.dismiss_flag", _("Dismissed a flagged review pattern"))
DISMISS_REPORT = define("reviews.dismiss_report", _("Dismissed a review report"))
DISMISS_REPORTS = define("reviews.dismiss_reports", _("Dismissed reports on a review"))
PICK_TESTIMONIAL = define(
    "reviews.pick_testimonial", _("Picked a review as a home page testimonial")
)
UNPICK_TESTIMONIAL = define(
    "reviews.unpick_testimonial", _("Took a testimonial off the home page")
)
