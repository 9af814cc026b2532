from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    default = True
    name = "doorstep.backoffice"
    verbose_name = _("Back office")


class OpsAdminConfig(admin_apps.AdminConfig):
    """Django's admin app, with the MFA-gated site as ``admin.site``."""

    default = False
    default_site = "doorstep.backoffice.sites.OpsAdminSite"
