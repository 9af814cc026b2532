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
