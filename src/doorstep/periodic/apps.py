from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeriodicConfig(AppConfig):
    name = "doorstep.periodic"
    verbose_name = _("Periodic work")

    def ready(self) -> None:
        from doorstep.periodic import checks  # noqa: F401  (registers the check)
