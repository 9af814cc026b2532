from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "doorstep.subscriptions"
    verbose_name = _("Provider plans")

    def ready(self) -> None:
        from doorstep.payments.reconciliation import register_charge_owner
        from doorstep.subscriptions.reconciliation import check_charge

        register_charge_owner("subscription", check_charge)
        # A first period paid on the gateway's page: the intent names the plan.
        register_charge_owner("plan", check_charge)
