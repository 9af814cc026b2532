from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegalConfig(AppConfig):
    name = "doorstep.legal"
    verbose_name = _("Terms and consent")

    def ready(self) -> None:
        # Sign-up and account closure are the accounts app's; what the law adds
        # to them (consent, open obligations, erasure across apps) is registered
        # from here, so imports keep pointing one way: legal → accounts.
        from doorstep.accounts import lifecycle
        from doorstep.legal import erasure, services

        lifecycle.add_signup_hook(services.record_signup_consent)
        lifecycle.add_closure_check(erasure.open_obligations)
        lifecycle.add_eraser(erasure.erase_personal_data)
