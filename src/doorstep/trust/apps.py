from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrustConfig(AppConfig):
    name = "doorstep.trust"
    verbose_name = _("Trust and safety")

    def ready(self) -> None:
        from doorstep.catalog.gates import add_publish_check
        from doorstep.trust.services import documents_missing_for

        add_publish_check(documents_missing_for)
