from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservabilityConfig(AppConfig):
    name = "doorstep.observability"
    verbose_name = _("Observability")

    def ready(self) -> None:
        from doorstep.observability import context, errors, tasks

        context.install_record_factory()
        tasks.connect()
        errors.connect()
        errors.configure_sentry()
