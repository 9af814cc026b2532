from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    default = True
    name = "doorstep.backoffice"
    verbose_name = _("Back office")

    def ready(self) -> None:
        # Each app declares the queues ops work through in its ``ops_queues``.
        autodiscover_modules("ops_queues")


class OpsAdminConfig(admin_apps.AdminConfig):
    """Django's admin app, with the MFA-gated site as ``admin.site``."""

    default = False
    default_site = "doorstep.backoffice.sites.OpsAdminSite"
