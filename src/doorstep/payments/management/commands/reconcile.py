"""``doorstep reconcile [--fix] [--gateway NAME]``: print every difference between
the ledger and the gateway's records; exit 1 when there is any (with ``--fix``:
when any is left after repairing)."""

import sys

from django.core.management.base import BaseCommand

from doorstep.payments.reconciliation import reconcile


class Command(BaseCommand):
    help = "Compare the ledger with the payment gateway's records."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="post what is missing")
        parser.add_argument("--gateway", default=None)

    def handle(self, *args, fix: bool = False, gateway: str | None = None, **options):
        differences = reconcile(gateway_name=gateway, fix=fix)
        for difference in differences:
            self.stdout.write(str(difference))
        if fix and differences:
            self.stdout.write("-- after fixing --")
            differences = reconcile(gateway_name=gateway, fix=False)
            for difference in differences:
                self.stdout.write(str(difference))
        if differences:
            self.stdout.write(self.style.ERROR(f"{len(differences)} difference(s)"))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("The ledger matches the gateway."))
