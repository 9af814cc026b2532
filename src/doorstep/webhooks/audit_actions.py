"""The ops actions on webhooks the audit trail records."""

from django.utils.translation import gettext_lazy as _

from doorstep.audit.actions import define

DISABLE_ENDPOINT = define(
    "webhooks.disable_endpoint", _("Turned off someone's webhook endpoint")
)
