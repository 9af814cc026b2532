"""The ops actions of growth the audit trail records."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

CREATE_CAMPAIGN = define("growth.create_campaign", _("Created a campaign"))
SET_CAMPAIGN_STATUS = define(
    "growth.set_campaign_status", _("Paused, resumed or ended a campaign")
)
CREATE_COUPON = define("growth.create_coupon", _("Created a code"))
CREATE_BATCH = define("growth.create_batch", _("Made a batch of partner codes"))
RELEASE_REFERRAL = define(
    "growth.release_referral", _("Released a held referral reward")
)
REJECT_REFERRAL = define("growth.reject_referral", _("Rejected a referral reward"))
