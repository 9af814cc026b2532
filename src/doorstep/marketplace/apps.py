from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "doorstep.marketplace"
    verbose_name = _("Marketplace settings")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app adds its sections of the settings page in ``ops_settings``.
        autodiscover_modules("ops_settings")
