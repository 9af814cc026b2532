"""``PAYOUTS_IN_TRANSIT`` is what the platform owes in transfer: a credit-normal
liability. Accounts store ``debit_normal`` when they are created, so fix the rows
made before; the cached balance flips its sign with the side it is read from."""

from django.db import migrations
from django.db.models import F


def make_credit_normal(apps, schema_editor):
    LedgerAccount = apps.get_model("payments", "LedgerAccount")
    LedgerAccount.objects.filter(
        kind="payouts_in_transit", debit_normal=True
    ).update(debit_normal=False, balance=-F("balance"))


def make_debit_normal(apps, schema_editor):
    LedgerAccount = apps.get_model("payments", "LedgerAccount")
    LedgerAccount.objects.filter(
        kind="payouts_in_transit", debit_normal=False
    ).update(debit_normal=True, balance=-F("balance"))


class Migration(migrations.Migration):
    dependencies = [("payments", "0003_payments_payouts_webhooks_sandbox")]

    operations = [migrations.RunPython(make_credit_normal, make_debit_normal)]
