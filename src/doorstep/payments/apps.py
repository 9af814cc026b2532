from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "doorstep.payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        # Registers its money flows (``flows.ORDER_FLOWS``) in every process,
        # the worker's too.
        from doorstep.payments import after_service  # noqa: F401
        from doorstep.payments.guards import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="ledger")
