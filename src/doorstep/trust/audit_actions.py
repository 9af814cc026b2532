from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

# --- Badges, background checks and the top-provider rules -----------------------
START_BACKGROUND_CHECK = define(
    "trust.background_check.start", _("Started a background check")
)
APPROVE_BACKGROUND_CHECK = define(
    "trust.background_check.approve", _("Approved a background check under review")
)
REJECT_BACKGROUND_CHECK = define(
    "trust.background_check.reject", _("Rejected a background check under review")
)
UPDATE_TOP_PROVIDER_RULES = define(
    "trust.top_provider_rules.update", _("Changed the top-provider rules")
)
# --- End of badges, background checks and the top-provider rules ----------------
