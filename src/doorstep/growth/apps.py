from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GrowthConfig(AppConfig):
    name = "doorstep.growth"
    label = "growth"
    verbose_name = _("Growth")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from doorstep.accounts import lifecycle
        from doorstep.growth import visitors

        # A friend's code from the link becomes the new account's referral.
        lifecycle.add_signup_hook(visitors.on_sign_up)
        lifecycle.add_eraser(visitors.erase)
        # Devices and networks seen at sign-in are the referral checks' evidence.
        user_logged_in.connect(visitors.on_sign_in, dispatch_uid="growth.sign_in")
