"""Time the ops home and the queue pages with 10,000 items in each queue.

    .venv/bin/python bench/ops_queues.py

On a fresh database (a SQLite file in a temporary directory, or
``--database-url`` — migrated, never dropped) it signs an ops admin in (with the
second factor, as the back office requires) and times, through Django's test
client (the whole request: middleware, queries, templates), ``/ops/`` and each
queue page's first and last page — first with every queue empty (the
**baseline**, same process, same run), then after filling ``--items`` items
(default 10,000) into each of the queues: disputed orders, reported reviews,
failed money flows, undelivered events and payout requests. Prints p50/p95 per
page over ``--runs`` requests (after warm-up ones), the queries per request and
the ratio of the p95 to the baseline's.

The items are written with ``bulk_create`` (the services would take minutes and
the pages only read them); their waiting-since times are spread over 30 days.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--database-url",
        help="use this (empty) database instead of a temporary SQLite file",
    )
    return parser.parse_args(argv)


def _setup(database_url: str) -> None:
    # Settings read the environment at import time, so it is set before setup.
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("LOG_FORMAT", "plain")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    # Production settings (DEBUG off: no query log, cached templates), with the
    # sandbox gateway a staging site would run.
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DOORSTEP_ALLOW_SANDBOX", "true")
    os.environ.setdefault(
        "DOORSTEP_TLOG_SIGNING_KEY", "YmVuY2gtb25seS10bG9nLWtleS1ub3QtYS1zZWNyZXQ="
    )
    os.environ.setdefault("DOORSTEP_TLOG_SALT", "bench-only-tlog-salt")
    # Events wait in the queue for a worker; none runs here.
    os.environ["DOORSTEP_TASK_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    django.setup()
    # Static URLs unhashed: the manifest needs ``collectstatic``, not timed here.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


def _fill(items: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from doorstep.accounts.models import User
    from doorstep.events.models import Event
    from doorstep.events.services import MAX_DELIVERY_ATTEMPTS
    from doorstep.orders.models import BuyingMode, Order
    from doorstep.orders.states import OrderState
    from doorstep.payments.models import PayoutRequest, PendingMoneyFlow
    from doorstep.reviews.models import Direction, Review, ReviewReport
    from tests.factories import make_listing

    rng = random.Random(2026)
    now = timezone.now()

    def ago() -> object:
        return now - timedelta(seconds=rng.randrange(30 * 86400))

    listing = make_listing(price=10_000, currency="CNY")
    provider = listing.provider
    with transaction.atomic():
        customers = User.objects.bulk_create(
            User(email=f"customer{n}@bench.example", name=f"Customer {n}")
            for n in range(200)
        )
        orders = Order.objects.bulk_create(
            Order(
                mode=BuyingMode.BOOK_PROVIDER,
                state=OrderState.DISPUTED,
                state_changed_at=ago(),
                customer=customers[n % len(customers)],
                provider=provider,
                listing=listing,
                title=listing.title,
                starts_at=now - timedelta(days=31),
                ends_at=now - timedelta(days=31) + timedelta(hours=2),
                time_zone="Asia/Shanghai",
                address="1 Bench Road",
                latitude=listing.latitude,
                longitude=listing.longitude,
                currency="CNY",
                subtotal_amount=10_000,
                service_fee_amount=500,
                total_amount=10_500,
                respond_by=now - timedelta(days=32),
            )
            for n in range(items)
        )
        reviews = Review.objects.bulk_create(
            Review(
                order=order,
                direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
                author=order.customer,
                listing=listing,
                provider=provider,
                customer=order.customer,
                stars=1,
                text="Not what was promised.",
                created_at=now - timedelta(days=30),
                revealed_at=now - timedelta(days=30),
            )
            for order in orders
        )
        ReviewReport.objects.bulk_create(
            ReviewReport(
                review=review,
                reporter=customers[(n + 1) % len(customers)],
                reason="Insulting",
                created_at=ago(),
            )
            for n, review in enumerate(reviews)
        )
        PendingMoneyFlow.objects.bulk_create(
            PendingMoneyFlow(
                order=order,
                flow="release_order",
                status=PendingMoneyFlow.Status.FAILED,
                attempts=8,
                last_error="gateway_unavailable",
                next_attempt_at=now,
            )
            for order in orders
        )
        Event.objects.bulk_create(
            Event(
                topic="order.accepted",
                subject=order.public_id,
                occurred_at=ago(),
                delivery_attempts=MAX_DELIVERY_ATTEMPTS,
                last_delivery_error="consumer raised",
            )
            for order in orders
        )
        PayoutRequest.objects.bulk_create(
            PayoutRequest(provider=provider, amount=2_000, currency="CNY")
            for _ in range(items)
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _time(client, url: str, runs: int, warmup: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        assert client.get(url, secure=True).status_code == 200, url
    samples = []
    with CaptureQueriesContext(connection) as queries:
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url, secure=True)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, url
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, len(queries) // runs


def _pages(items: int) -> dict[str, str]:
    from django.urls import reverse

    last = max(1, -(-items // 50))
    pages = {"ops home": "/ops/"}
    for key in (
        "disputed_orders",
        "reported_reviews",
        "failed_money_flows",
        "undelivered_events",
    ):
        url = reverse(f"backoffice:{key}")
        pages[key] = url
        pages[f"{key}, last page"] = f"{url}?page={last}"
    # The oldest 200 requested payouts (one batch), with fewer runs.
    pages[PAYOUTS] = reverse("payments:ops_payouts")
    return pages


PAYOUTS = "payout_requests (payments)"
SLOW_RUNS = 3


def run(options: argparse.Namespace, database_url: str) -> None:
    _setup(database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from tests.factories import make_ops, sign_in_ops

    call_command("migrate", verbosity=0, interactive=False)
    client = Client()
    sign_in_ops(client, make_ops("Ops admin"))
    pages = _pages(options.items)
    baseline = {
        name: _time(client, url, options.runs, options.warmup)
        for name, url in pages.items()
    }
    full_runs = dict.fromkeys(pages, options.runs) | {PAYOUTS: SLOW_RUNS}
    started = time.perf_counter()
    _fill(options.items)
    print(
        f"{connection.vendor}: filled {options.items:,} items into each of 5 queues "
        f"in {time.perf_counter() - started:.1f} s"
    )
    print(
        f"{'page':38} {'empty p50/p95 ms':>17} {'full p50/p95 ms':>17} "
        f"{'queries':>9} {'p95 ratio':>9}"
    )
    for name, url in pages.items():
        base50, base95, base_queries = baseline[name]
        full50, full95, full_queries = _time(client, url, full_runs[name], 1)
        print(
            f"{name:38} {base50:8.1f}/{base95:<8.1f} {full50:8.1f}/{full95:<8.1f} "
            f"{base_queries:>4}/{full_queries:<4} {full95 / base95:9.2f}"
        )


def main(argv: list[str] | None = None) -> None:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if options.database_url:
        run(options, options.database_url)
        return
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-") as directory:
        run(options, f"sqlite:///{Path(directory) / 'bench.sqlite3'}")


if __name__ == "__main__":
    main()
