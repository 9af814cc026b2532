from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

APPROVE_APPLICATION = define(
    "verification.approve", _("Approved a provider application")
)
REJECT_APPLICATION = define("verification.reject", _("Rejected a provider application"))
REQUEST_CHANGES = define(
    "verification.request_changes", _("Asked a provider for changes to an application")
)
APPROVE_DOCUMENT = define("documents.approve", _("Approved a provider document"))
REJECT_DOCUMENT = define("documents.reject", _("Rejected a provider document"))
VIEW_DOCUMENT = define("documents.view", _("Opened a provider document"))
LAPSE_DOCUMENT = define("documents.lapse", _("A provider document expired"))
# Onboarding requirements (trust.requirements), shown with the other settings.
ADD_REQUIREMENT = define(
    "settings.onboarding.add_requirement", _("Added a document requirement")
)
CHANGE_REQUIREMENT = define(
    "settings.onboarding.change_requirement",
    _("Made a document requirement mandatory or optional"),
)
REMOVE_REQUIREMENT = define(
    "settings.onboarding.remove_requirement", _("Removed a document requirement")
)
ADD_DOCUMENT_TYPE = define(
    "settings.onboarding.add_document_type", _("Added a document type")
)
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
