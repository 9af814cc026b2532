"""Booking under contention on PostgreSQL.

    .venv/bin/python bench/booking.py

200 customers (``--clients``) book 50 distinct start times (``--slots``) of one
provider at the same moment through ``orders.services.place_order`` — four
customers for every slot — each on its own database connection. Prints the
bookings per second (and attempts per second) and checks that exactly one
booking per slot succeeded, that everyone else was told "slot taken", and that
an audit query finds no two live time claims of the provider overlapping.

The clients are threads split over ``--processes`` processes (default: 2, one
per core here), released together at a moment agreed beforehand. Each opens its
own connection for its booking and closes it afterwards. PostgreSQL refuses
connections beyond its ``max_connections`` (100 on this server, shared with
other work), so at most ``--connections`` clients (default 80) hold one at the
same instant; the others wait their turn, as requests behind a connection pool
do.

It creates the database ``doorstep_bench_booking`` on ``--postgres`` and drops
it at the end. Each phase (set-up, clients, audit) runs in a child process,
because Django reads ``DATABASE_URL`` once, at start-up.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
POSTGRES_DATABASE = "doorstep_bench_booking"
START_DELAY_SECONDS = 3.0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--slots", type=int, default=50)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--connections", type=int, default=80)
    parser.add_argument(
        "--postgres",
        default=POSTGRES_ADMIN_URL,
        help="a PostgreSQL server's maintenance database (default: %(default)s)",
    )
    # The children's roles (not for people).
    parser.add_argument("--phase", choices=["setup", "clients", "audit"])
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--plan", help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- In a child process ---------------------------------------------------------------


def _setup_django(database_url: str, var_dir: str) -> None:
    # Settings read the environment at import time, so it is set before setup.
    os.environ["DATABASE_URL"] = database_url
    os.environ["DOORSTEP_VAR_DIR"] = var_dir
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("LOG_FORMAT", "plain")
    # Timers and events wait in the queue for a worker; none runs here.
    os.environ["DOORSTEP_TASK_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def _setup(options: argparse.Namespace) -> dict:
    """Migrate; one provider working 08:00–20:00 every day with one-hour jobs
    and 30 minutes between them; the customers; the start times to fight over."""
    from datetime import datetime, timedelta
    from datetime import time as clock
    from zoneinfo import ZoneInfo

    from django.core.management import call_command
    from django.utils import timezone

    from doorstep.accounts.models import ProviderProfile, User
    from doorstep.catalog.models import Category, Listing, PricingModel
    from doorstep.core.geo import cell_of
    from doorstep.scheduling.services import WeeklyHours, replace_availability

    call_command("migrate", verbosity=0, interactive=False)
    zone = ZoneInfo("Asia/Shanghai")
    latitude, longitude = 31.2304, 121.4737
    owner = User.objects.create_user(email="provider@bench.example", password=None)
    provider = ProviderProfile.objects.create(
        user=owner,
        display_name="Bench Provider",
        latitude=latitude,
        longitude=longitude,
        h3_cell=cell_of(latitude, longitude),
        time_zone=str(zone),
    )
    replace_availability(
        provider=provider,
        rules=[WeeklyHours(day, clock(8), clock(20)) for day in range(7)],
        policy={
            "buffer_before_minutes": 0,
            "buffer_after_minutes": 30,
            "min_lead_minutes": 60,
            "max_days_ahead": 60,
            "slot_step_minutes": 30,
        },
    )
    category = Category.objects.create(
        slug="bench", name_en="Bench", name_zh_hans="Bench", name_zh_hant="Bench"
    )
    listing = Listing(
        provider=provider,
        category=category,
        title="Bench cleaning",
        pricing_model=PricingModel.FIXED,
        price_amount=12000,
        currency="CNY",
        duration_minutes=60,
        status=Listing.Status.PUBLISHED,
    )
    listing.locate(latitude, longitude)
    listing.save()
    User.objects.bulk_create(
        User(email=f"customer{n}@bench.example", name=f"Customer {n}")
        for n in range(options.clients)
    )
    customers = list(
        User.objects.filter(email__startswith="customer").values_list("pk", flat=True)
    )
    # Distinct slots that do not touch: a job and its buffer take 90 minutes,
    # so every other half-hour start of each day, from tomorrow on.
    starts: list[str] = []
    day = timezone.now().astimezone(zone).date() + timedelta(days=1)
    while len(starts) < options.slots:
        for hour in range(8, 19, 2):
            if len(starts) < options.slots:
                start = datetime.combine(day, clock(hour)).replace(tzinfo=zone)
                starts.append(start.isoformat())
        day += timedelta(days=1)
    return {
        "listing": listing.public_id,
        "latitude": latitude,
        "longitude": longitude,
        "customers": customers,
        "starts": starts,
    }


def _clients(options: argparse.Namespace) -> dict:
    """This process's share of the clients: one thread each, released together."""
    from datetime import datetime

    from django.db import connection

    from doorstep.accounts.models import User
    from doorstep.core.errors import Conflict
    from doorstep.orders.services import place_order

    plan = json.loads(Path(options.plan).read_text())
    mine = plan["assignments"]
    customers = {
        user.pk: user for user in User.objects.filter(pk__in=[a[0] for a in mine])
    }
    connection.close()
    gate = threading.Semaphore(plan["connections"])
    outcomes: list[tuple[str, float]] = []
    lock = threading.Lock()

    def client(customer_id: int, start: str) -> None:
        delay = options.start_at - time.time()
        if delay > 0:
            time.sleep(delay)
        with gate:
            began = time.perf_counter()
            try:
                place_order(
                    customer=customers[customer_id],
                    listing_id=plan["listing"],
                    starts_at=datetime.fromisoformat(start),
                    address="1 Bench Road",
                    latitude=plan["latitude"],
                    longitude=plan["longitude"],
                )
                result = "booked"
            except Conflict as error:
                result = error.code
            except Exception as error:
                result = f"error: {type(error).__name__}: {error}"
            finally:
                connection.close()
            took = time.perf_counter() - began
        with lock:
            outcomes.append((result, took))

    threads = [threading.Thread(target=client, args=tuple(a)) for a in mine]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"outcomes": outcomes, "finished_at": time.time()}


def _audit() -> dict:
    from django.db import connection

    from doorstep.orders.models import Order

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM scheduling_timeclaim a
            JOIN scheduling_timeclaim b
              ON a.provider_id = b.provider_id AND a.staff_key = b.staff_key
             AND a.id < b.id
             AND a.released_at IS NULL AND b.released_at IS NULL
             AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
            """
        )
        overlaps = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM scheduling_timeclaim WHERE released_at IS NULL"
        )
        claims = cursor.fetchone()[0]
    orders = Order.objects.count()
    distinct_starts = Order.objects.values("starts_at").distinct().count()
    return {
        "orders": orders,
        "distinct_starts": distinct_starts,
        "claims": claims,
        "overlaps": overlaps,
    }


def child(options: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-var-") as var_dir:
        _setup_django(options.database_url, var_dir)
        phase = {"setup": _setup, "clients": _clients, "audit": lambda _o: _audit()}
        result = phase[options.phase](options)
    print(json.dumps(result))


# --- The parent: create the database, run the phases, report -------------------------


def _run_child(options: argparse.Namespace, database_url: str, *extra: str):
    command = [
        sys.executable,
        __file__,
        "--database-url",
        database_url,
        "--clients",
        str(options.clients),
        "--slots",
        str(options.slots),
        *extra,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True)  # noqa: S603


def _result(process: subprocess.Popen) -> dict:
    out, _err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"a child failed (exit {process.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def run(options: argparse.Namespace, database_url: str, work: Path) -> bool:
    setup = _result(_run_child(options, database_url, "--phase", "setup"))
    starts, customers = setup["starts"], setup["customers"]
    assignments = [
        (customer, starts[n % len(starts)]) for n, customer in enumerate(customers)
    ]
    start_at = time.time() + START_DELAY_SECONDS + options.processes
    children = []
    for index in range(options.processes):
        plan = work / f"plan-{index}.json"
        plan.write_text(
            json.dumps(
                {
                    **setup,
                    "assignments": assignments[index :: options.processes],
                    "connections": max(1, options.connections // options.processes),
                }
            )
        )
        children.append(
            _run_child(
                options,
                database_url,
                "--phase",
                "clients",
                "--plan",
                str(plan),
                "--start-at",
                str(start_at),
            )
        )
    results = [_result(process) for process in children]
    elapsed = max(result["finished_at"] for result in results) - start_at
    outcomes = [outcome for result in results for outcome in result["outcomes"]]
    audit = _result(_run_child(options, database_url, "--phase", "audit"))

    booked = sum(1 for result, _took in outcomes if result == "booked")
    taken = sum(1 for result, _took in outcomes if result == "slot_taken")
    errors = [result for result, _took in outcomes if result.startswith("error")]
    latencies = sorted(took * 1000 for _result_, took in outcomes)
    p50 = latencies[len(latencies) // 2]
    p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
    ok = (
        booked == len(starts)
        and taken == len(outcomes) - booked
        and not errors
        and audit["orders"] == len(starts)
        and audit["distinct_starts"] == len(starts)
        and audit["claims"] == len(starts)
        and audit["overlaps"] == 0
    )
    print(
        f"{len(outcomes)} clients, {len(starts)} slots, {options.processes} processes, "
        f"≤ {options.connections} connections at once\n"
        f"  wall time        {elapsed:7.2f} s\n"
        f"  bookings/s       {booked / elapsed:7.1f}   ({booked} booked)\n"
        f"  attempts/s       {len(outcomes) / elapsed:7.1f}   "
        f"({taken} told slot_taken, {len(errors)} errors)\n"
        f"  per attempt      p50 {p50:.0f} ms, p95 {p95:.0f} ms\n"
        f"  audit            {audit['orders']} orders at {audit['distinct_starts']} "
        f"distinct times, {audit['claims']} live claims, "
        f"{audit['overlaps']} overlapping pairs\n"
        f"  {'OK: exactly one booking per slot' if ok else 'FAILED'}"
    )
    for error in errors[:5]:
        print("  ", error)
    return ok


def main(argv: list[str] | None = None) -> None:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if options.phase:
        child(options)
        return
    import psycopg

    admin = psycopg.connect(options.postgres, autocommit=True)
    database_url = options.postgres.rsplit("/", 1)[0] + f"/{POSTGRES_DATABASE}"
    admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE}")
    admin.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")
    try:
        with tempfile.TemporaryDirectory(prefix="doorstep-bench-plan-") as work:
            ok = run(options, database_url, Path(work))
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE} WITH (FORCE)")
        admin.close()
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
