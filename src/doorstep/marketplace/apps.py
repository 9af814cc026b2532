from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketplaceConfig(AppConfig):
    name = "doorstep.marketplace"
    verbose_name = _("Marketplace settings")

    def ready(self) -> None:
        # A request reads the settings row once, however many prices and pages
        # ask for it (see ``doorstep.marketplace.state``).
        from django.utils.module_loading import autodiscover_modules

        from doorstep.marketplace import state

        state.connect_request_signals()
        # Each app adds its sections of the settings page in ``ops_settings``.
        autodiscover_modules("ops_settings")
