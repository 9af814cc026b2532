from django.contrib.admin import ModelAdmin
from django.contrib.admin.sites import AdminSite
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from doorstep.backoffice.access import can_use_back_office
from doorstep.backoffice.admin_audit import AuditedAdmin


class OpsAdminSite(AdminSite):
    """Django's admin, open only to ops who signed in with a second factor.

    Everyone else is sent through allauth's sign-in (which asks for the TOTP code)
    instead of the admin's own password form, which knows nothing about MFA.
    """

    site_header = _("Doorstep operations")
    site_title = _("Doorstep operations")
    index_title = _("Back office")

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register as usual, with every edit also written to the audit trail
        (``admin_audit.AuditedAdmin`` mixed into the model's admin class)."""
        admin_class = admin_class or ModelAdmin
        if not issubclass(admin_class, AuditedAdmin):
            admin_class = type(admin_class.__name__, (AuditedAdmin, admin_class), {})
        return super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request) -> bool:
        return can_use_back_office(request)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated and request.user.is_staff:
            return redirect(reverse("mfa_index"))
        login_url = reverse("account_login")
        return redirect(f"{login_url}?next={request.get_full_path()}")
