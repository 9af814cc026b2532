from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "doorstep.audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # Each app names the ops actions it audits in its ``audit_actions`` module.
        autodiscover_modules("audit_actions")
