from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

# --- standards enforcement (trust.standards)
PENALTY_RULE_CHANGED = define("standards.rule_changed", _("Changed a penalty rule"))
STRIKE_GIVEN = define("standards.strike", _("Gave a strike (and a fine)"))
COMPLAINT_UPHELD = define(
    "standards.complaint_upheld", _("Upheld a quality complaint on an order")
)
STANDING_CHANGED = define(
    "standards.standing_changed", _("Changed a provider's standing")
)
STANDING_SET = define(
    "standards.standing_set", _("Warned, restricted or suspended a provider")
)
STANDING_LIFTED = define("standards.standing_lifted", _("Lifted a provider's penalty"))
APPEAL_UPHELD = define("standards.appeal_upheld", _("Upheld a strike on appeal"))
APPEAL_OVERTURNED = define(
    "standards.appeal_overturned", _("Overturned a strike on appeal")
)
