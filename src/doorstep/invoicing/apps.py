from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InvoicingConfig(AppConfig):
    name = "doorstep.invoicing"
    label = "invoicing"
    verbose_name = _("Invoices and statements")
