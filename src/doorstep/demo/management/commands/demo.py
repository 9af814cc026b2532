"""``doorstep demo``: fill an empty database with a believable marketplace."""

import gc
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection
from django.test.utils import override_settings
from django.urls import reverse

from doorstep.accounts.models import User
from doorstep.demo.builders import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    BuildReport,
    build_demo,
    demo_totp_url,
    ops_has_totp,
)
from doorstep.demo.history import (
    DEMO_ORDERS,
    HISTORY_DAYS,
    schedule_payouts_in_transit,
)
from doorstep.transparency.services import append_all_pending, publish_checkpoint

WILDCARD_HOSTS = {"", "0.0.0.0", "::", "[::]"}  # noqa: S104 - only compared


def site_url() -> str:
    """Where ``doorstep serve`` listens, from the same HOST and PORT it reads."""
    host = os.environ.get("HOST", "127.0.0.1")
    if host in WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{os.environ.get('PORT', '8000')}/"


@contextmanager
def _bulk_build() -> Iterator[None]:
    """Tens of thousands of queries run while the demo is built, one process
    alone on a new database. With ``DEBUG`` on, Django would keep and format
    every one of them (``connection.queries``) for nothing; and SQLite need not
    wait for the disk after each of its thousands of commits, since a crash
    mid-build leaves a demo to throw away anyway (``synchronous`` goes back to
    the settings' value after; SQLite refuses the change inside a transaction,
    where a test may call the command)."""
    sqlite = connection.vendor == "sqlite" and not connection.in_atomic_block
    if sqlite:
        with connection.cursor() as cursor:
            (synchronous,) = cursor.execute("PRAGMA synchronous").fetchone()
            cursor.execute("PRAGMA synchronous=OFF")
    # The build makes millions of short-lived objects (query compilers, model
    # instances) and keeps few: the cyclic collector's passes over what the
    # process loaded at start are wasted time here.
    gc.collect()
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 50, 100)
    try:
        with override_settings(DEBUG=False):
            yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        if sqlite:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous={int(synchronous)}")


class Command(BaseCommand):
    help = (
        "Build the demo marketplace (categories, providers in five cities with "
        "their listings, agencies, customers and three demo logins) if the "
        "database has no users."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--orders",
            type=int,
            default=DEMO_ORDERS,
            help="how many orders the history of the last "
            f"{HISTORY_DAYS} days tells (0: no history)",
        )

    def handle(self, *args, orders: int = DEMO_ORDERS, **options) -> None:
        if User.objects.exists():
            self.stdout.write(
                "The database already has users, so no demo data was added."
            )
        else:
            started = time.perf_counter()
            with _bulk_build():
                report = build_demo(orders=orders)
                # The history goes into the transparency log at once (nobody
                # else writes now, so no settle window), signed: reviews and
                # receipts show "Verify" from the first page.
                logged = append_all_pending(settle=timedelta(0))
                checkpoint = publish_checkpoint()
            # The payouts still with the bank arrive later, through the worker.
            schedule_payouts_in_transit()
            elapsed = time.perf_counter() - started
            self.stdout.write(self.style.SUCCESS(self._summary(report, elapsed)))
            self.stdout.write(
                f"Transparency log: {logged} entries, checkpoint of "
                f"{checkpoint.size} signed."
            )
        self._print_logins()

    def _summary(self, report: BuildReport, elapsed: float) -> str:
        return (
            f"Demo marketplace built in {elapsed:.1f} s: "
            f"{report.categories} categories, {report.providers} providers "
            f"with {report.listings} listings ({report.indexed} in search), "
            f"{report.agencies} agencies with {report.staff} staff, "
            f"{report.customers} customers with {report.addresses} saved addresses "
            f"({report.users} users)."
            + (
                f" Dispatch: {dispatch.workers} workers ({dispatch.vetted} vetted), "
                f"{dispatch.services_in_cities} services on sale in the cities, "
                f"{dispatch.orders} dispatched orders."
                if (dispatch := report.dispatch) is not None
                else ""
            )
            + (
                f" History of the last {HISTORY_DAYS} days: "
                f"{history.orders} orders, {history.reviews} reviews, "
                f"{history.messages} messages, {history.payouts} payouts, "
                f"{history.listing_photos} listing photos."
                if (history := report.history) is not None
                else ""
            )
            + (
                " Requests for quotes: "
                + ", ".join(f"{count} {what}" for what, count in report.quotes.items())
                + "."
                if report.quotes
                else ""
            )
            + (
                " Growth: "
                + ", ".join(
                    f"{count} {what.removeprefix('growth_')}"
                    for what, count in report.growth.items()
                )
                + "."
                if report.growth
                else ""
            )
            + (
                " Money: "
                + ", ".join(
                    f"{count} {what.replace('_', ' ')}"
                    for what, count in report.money.items()
                )
                + "."
                if report.money
                else ""
            )
            + (
                " Support: "
                + ", ".join(f"{count} {what}" for what, count in report.support.items())
                + "."
                if report.support
                else ""
            )
        )

    def _print_logins(self) -> None:
        url = site_url()
        existing = {
            user.email: user
            for user in User.objects.filter(email__in=[x.email for x in DEMO_LOGINS])
        }
        width = max(len(login.email) for login in DEMO_LOGINS)
        self.stdout.write("")
        self.stdout.write(f"  Open {url} and sign in as:")
        self.stdout.write("")
        for login in DEMO_LOGINS:
            missing = "" if login.email in existing else "   (not in this database)"
            self.stdout.write(
                f"    {login.role:<9} {login.email:<{width}}  "
                f"password: {DEMO_PASSWORD}{missing}"
            )
        ops = existing.get(DEMO_LOGINS[-1].email)
        if ops is not None and ops_has_totp(ops):
            admin = url.rstrip("/") + reverse("admin:index")
            self.stdout.write("")
            self.stdout.write(f"  The back office ({admin}) asks ops for a")
            self.stdout.write(
                "  two-factor code. Add this key to an authenticator app:"
            )
            self.stdout.write(f"    secret:  {DEMO_TOTP_SECRET}")
            self.stdout.write(f"    URL:     {demo_totp_url(ops)}")
        self.stdout.write("")
