"""Time slot computation for a busy provider.

    .venv/bin/python bench/slots.py

Builds one provider with a year of history (2,000 past and 200 upcoming orders,
each holding a time claim, a live hold, 20 exceptions, weekly hours and a policy
with buffers, notice, holidays off and a daily job limit), then computes the
bookable slots of one of their services over a 30-day window ``--runs`` times
(1,000 by default) and prints the 50th, 95th and 99th percentile in milliseconds,
with the database queries per call.

It runs twice: on a fresh SQLite file in a temporary directory, and on PostgreSQL
if one answers at ``--postgres`` (it creates the database ``doorstep_bench_slots``
and drops it afterwards). Each database runs in its own process, because Django
reads ``DATABASE_URL`` once, at start-up. The target is p95 ≤ 20 ms.
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
POSTGRES_DATABASE = "doorstep_bench_slots"
PAST_ORDERS = 2_000
FUTURE_ORDERS = 200
EXCEPTIONS = 20
WINDOW_DAYS = 30
TARGET_P95_MS = 20.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1_000)
    parser.add_argument(
        "--postgres",
        default=POSTGRES_ADMIN_URL,
        help="a PostgreSQL server's maintenance database (default: %(default)s)",
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--database-url", help=argparse.SUPPRESS)  # the child
    return parser.parse_args(argv)


# --- In the child process: one database ---------------------------------------------


def _setup_django(database_url: str, var_dir: str) -> None:
    # Settings read the environment at import time, so it is set before setup.
    os.environ["DATABASE_URL"] = database_url
    os.environ["DOORSTEP_VAR_DIR"] = var_dir
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("LOG_FORMAT", "plain")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _build_provider() -> int:
    """The busy provider and their service, written in bulk."""
    from datetime import UTC, datetime, timedelta
    from datetime import time as clock
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from doorstep.accounts.models import ProviderProfile, User
    from doorstep.catalog.models import Category, Listing, PricingModel
    from doorstep.orders.models import BuyingMode, Order
    from doorstep.scheduling.models import (
        AvailabilityException,
        AvailabilityRule,
        SchedulingPolicy,
        TimeClaim,
    )

    rng = random.Random(2026)
    zone_name = "Asia/Shanghai"
    zone = ZoneInfo(zone_name)
    user = User.objects.create_user(email="busy@bench.example", name="Busy Bee")
    customer = User.objects.create_user(email="buyer@bench.example", name="Buyer")
    provider = ProviderProfile.objects.create(
        user=user,
        display_name="Busy Bee Cleaning",
        latitude=31.23,
        longitude=121.47,
        h3_cell=ProviderProfile.cell_for(31.23, 121.47),
        time_zone=zone_name,
    )
    category = Category.objects.create(
        slug="bench-cleaning", name_en="Cleaning", name_zh_hans="", name_zh_hant=""
    )
    listing = Listing(
        provider=provider,
        category=category,
        title="Home cleaning",
        pricing_model=PricingModel.FIXED,
        price_amount=20000,
        currency="CNY",
        duration_minutes=90,
        status=Listing.Status.PUBLISHED,
    )
    listing.locate(31.23, 121.47)
    listing.save()
    SchedulingPolicy.objects.create(
        provider=provider,
        buffer_before_minutes=15,
        buffer_after_minutes=30,
        min_lead_minutes=120,
        max_days_ahead=90,
        max_jobs_per_day=6,
        slot_step_minutes=30,
        holidays_off=True,
        holiday_country="CN",
    )
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            provider=provider,
            weekday=weekday,
            start_time=clock(start),
            end_time=clock(end),
        )
        for weekday in range(6)
        for start, end in ((8, 12), (13, 20))
    )

    # Jobs start every 2 h 15 min, so 90 minutes plus the buffers never overlap:
    # the claims go in without a conflict.
    today = timezone.now().astimezone(zone).date()
    starts = (
        clock(7),
        clock(9, 15),
        clock(11, 30),
        clock(13, 45),
        clock(16),
        clock(18, 15),
    )

    def grid(first_day: int, days: int) -> list[datetime]:
        return [
            datetime.combine(today + timedelta(days=day), start, tzinfo=zone)
            for day in range(first_day, first_day + days)
            for start in starts
        ]

    past = rng.sample(grid(-365, 364), PAST_ORDERS)
    future = rng.sample(grid(1, 60), FUTURE_ORDERS)
    now = timezone.now()
    orders = [
        Order(
            mode=BuyingMode.BOOK_PROVIDER,
            state="completed" if start < now else "accepted",
            state_changed_at=now,
            customer=customer,
            provider=provider,
            listing=listing,
            title=listing.title,
            starts_at=start.astimezone(UTC),
            ends_at=(start + timedelta(minutes=90)).astimezone(UTC),
            time_zone=zone_name,
            address="1 Bench Road",
            latitude=31.23,
            longitude=121.47,
            currency="CNY",
            subtotal_amount=20000,
            total_amount=20000,
        )
        for start in sorted(past + future)
    ]
    Order.objects.bulk_create(orders, batch_size=500)
    claims = [
        TimeClaim(
            provider=provider,
            order=order,
            starts_at=order.starts_at - timedelta(minutes=15),
            ends_at=order.ends_at + timedelta(minutes=30),
        )
        for order in orders
    ]
    hold_day = today + timedelta(days=3)
    hold_start = datetime.combine(hold_day, clock(19), tzinfo=zone)
    claims.append(
        TimeClaim(
            provider=provider,
            starts_at=hold_start,
            ends_at=hold_start + timedelta(minutes=45),
            hold_token="bench-hold",  # noqa: S106 - not a secret
            hold_expires_at=now + timedelta(days=1),
        )
    )
    TimeClaim.objects.bulk_create(claims, batch_size=500)
    exception_days = rng.sample(range(-200, 90), EXCEPTIONS)
    AvailabilityException.objects.bulk_create(
        AvailabilityException(
            provider=provider,
            date=today + timedelta(days=offset),
            kind=kind,
            start_time=None if kind == "off" and offset % 2 else clock(18),
            end_time=None if kind == "off" and offset % 2 else clock(21),
        )
        for offset, kind in zip(
            exception_days, ["off", "off", "extra"] * EXCEPTIONS, strict=False
        )
    )
    return listing.pk


def measure(database_url: str, runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-var-") as var_dir:
        _setup_django(database_url, var_dir)
        from datetime import timedelta

        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from doorstep.catalog.models import Listing
        from doorstep.scheduling.slots import bookable_slots

        call_command("migrate", verbosity=0, interactive=False)
        listing_id = _build_provider()
        listing = Listing.objects.select_related("provider").get(pk=listing_id)
        first = timezone.localdate() + timedelta(days=1)
        last = first + timedelta(days=WINDOW_DAYS - 1)

        def compute() -> list:
            return bookable_slots(listing=listing, start_date=first, end_date=last)

        with CaptureQueriesContext(connection) as queries:
            slots = compute()
        for _ in range(20):  # warm caches: zone data, holidays, prepared plans
            compute()
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            compute()
            timings.append((time.perf_counter() - started) * 1000)
        cuts = statistics.quantiles(timings, n=100, method="inclusive")
        p50, p95, p99 = cuts[49], cuts[94], cuts[98]
        if connection.vendor == "sqlite":
            version = f"SQLite {connection.Database.sqlite_version}"
        else:
            major, minor = divmod(connection.pg_version, 10000)
            version = f"PostgreSQL {major}.{minor}"
        verdict = "ok" if p95 <= TARGET_P95_MS else "OVER TARGET"
        print(
            f"{version:<18} {runs:>5} runs  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
            f"p99 {p99:6.2f} ms  ({len(queries)} queries, {len(slots)} slots "
            f"in {WINDOW_DAYS} days) {verdict}"
        )


# --- In the parent process ------------------------------------------------------------


def _child(options: argparse.Namespace, database_url: str) -> int:
    command = [
        sys.executable,
        __file__,
        "--database-url",
        database_url,
        "--runs",
        str(options.runs),
    ]
    return subprocess.run(command, check=False).returncode  # noqa: S603


def _postgres(admin_url: str):
    try:
        import psycopg
    except ImportError:
        return None
    try:
        return psycopg.connect(
            admin_url.replace("postgres://", "postgresql://", 1),
            autocommit=True,
            connect_timeout=3,
        )
    except psycopg.OperationalError:
        return None


def main(argv: list[str] | None = None) -> None:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if options.database_url:
        measure(options.database_url, options.runs)
        return
    print(
        f"Slots over {WINDOW_DAYS} days for a provider with {PAST_ORDERS:,} past "
        f"and {FUTURE_ORDERS} upcoming orders and {EXCEPTIONS} exceptions:"
    )
    failures = 0
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as directory:
        failures += _child(options, f"sqlite:///{Path(directory) / 'slots.sqlite3'}")
    admin = None if options.skip_postgres else _postgres(options.postgres)
    if admin is None:
        print("PostgreSQL: not reachable, skipped")
    else:
        with admin:
            admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE}")
            admin.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
            try:
                base = options.postgres.rsplit("/", 1)[0]
                failures += _child(options, f"{base}/{POSTGRES_DATABASE}")
            finally:
                admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
