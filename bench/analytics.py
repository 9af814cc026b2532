"""Time the analytics: a full rollup rebuild over N orders, and each dashboard
chart's query.

    .venv/bin/python bench/analytics.py                 # 1,000,000 orders
    .venv/bin/python bench/analytics.py --orders 200000 \\
        --database-url postgres://postgres@127.0.0.1:5432/doorstep_bench_analytics

On a fresh database (a SQLite file in a temporary directory, or
``--database-url`` — migrated, never dropped) it first times every chart's query
on the empty rollups (the **baseline**, same process, same run), then seeds
``--orders`` orders over two years with ``bulk_create`` in batches (a tqdm
progress bar), directly into the tables the rollups read — orders (in four
categories, three cities, two currencies; completed, cancelled, declined,
no-show, disputed), the order payment of each paid order (captured; some
refunded), the order's request and answer events (response and acceptance
times), customer reviews of about a third of the completed orders (some
written weeks late) and half as many located searches — then times
``doorstep analytics rebuild`` (``rollups.rebuild``, from scratch), then each
chart's query again: ``queries.metric_series`` of every series metric as the
dashboard asks for it (the last 30 days by day, 12 weeks by week, 12 months by
month; all places, and one city) and the two retention cohort grids, p50/p95
over ``--runs`` repeats. The target is a p95 ≤ 200 ms per chart.

Not seeded: the ledger (journal entries and postings: net revenue, take rate,
refunds and the money family read empty tables, so their charts' times are a
lower bound), surveys and listing views.
"""

import argparse
import gc
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLACES = [  # (city slug as seeded, centre, currency)
    ("shanghai", (31.2304, 121.4737), "CNY"),
    ("beijing", (39.9042, 116.4074), "CNY"),
    ("hong-kong", (22.3193, 114.1694), "HKD"),
]
CATEGORIES = ["cleaning", "plumbing", "tutoring", "pet-care"]


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=5_000)
    parser.add_argument(
        "--database-url",
        help="use this (empty) database instead of a temporary SQLite file",
    )
    return parser.parse_args(argv)


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("LOG_FORMAT", "plain")
    os.environ.setdefault("DEBUG", "false")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("DOORSTEP_ALLOW_SANDBOX", "true")
    os.environ.setdefault(
        "DOORSTEP_TLOG_SIGNING_KEY", "YmVuY2gtb25seS10bG9nLWtleS1ub3QtYS1zZWNyZXQ="
    )
    os.environ.setdefault("DOORSTEP_TLOG_SALT", "bench-only-tlog-salt")
    os.environ["DOORSTEP_TASK_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    sys.path.insert(0, str(ROOT / "src"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _batches(items, size: int):
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def seed(orders: int, batch_size: int) -> dict[str, int]:
    """Bulk-insert ``orders`` orders over the last two years and what the
    rollups read beside them. Returns rows written per table."""
    from django.db import connection, transaction
    from django.utils import timezone
    from tqdm import tqdm

    from doorstep.accounts.models import User
    from doorstep.analytics.models import SearchRecord
    from doorstep.analytics.rollups import analytics_cell
    from doorstep.orders.models import BuyingMode, Order, OrderEvent
    from doorstep.orders.states import OrderState
    from doorstep.payments.models import Payment, PaymentKind, PaymentStatus
    from doorstep.reviews.models import Direction, Review
    from tests.factories import make_category, make_listing

    rng = random.Random(2026)
    now = timezone.now()
    # Orders are placed over two years: their creation time is seeded, not now.
    Order._meta.get_field("created_at").auto_now_add = False
    span = 730 * 86400
    listings = []
    for category_slug in CATEGORIES:
        category = make_category(category_slug)
        for _city, (lat, lng), currency in PLACES:
            for _ in range(5):
                point = (lat + rng.uniform(-0.1, 0.1), lng + rng.uniform(-0.1, 0.1))
                listings.append(
                    make_listing(
                        category=category, at=point, price=10_000, currency=currency
                    )
                )
    customers_count = max(orders // 8, 10)
    with transaction.atomic():
        customer_ids = []
        for batch in _batches(
            (
                User(email=f"c{n}@bench.example", name=f"Customer {n}")
                for n in range(customers_count)
            ),
            batch_size,
        ):
            customer_ids += [u.pk for u in User.objects.bulk_create(batch)]
    states = (
        [OrderState.COMPLETED] * 78
        + [OrderState.CANCELLED] * 8
        + [OrderState.DECLINED] * 4
        + [OrderState.NO_SHOW_PROVIDER] * 2
        + [OrderState.DISPUTED] * 2
        + [OrderState.AWAITING_PAYMENT] * 6
    )
    written = dict.fromkeys(["orders", "payments", "events", "reviews", "searches"], 0)
    bar = tqdm(total=orders, unit="order", desc="Seeding orders")
    done = 0
    while done < orders:
        size = min(batch_size, orders - done)
        rows = []
        for _ in range(size):
            listing = rng.choice(listings)
            created = now - timedelta(seconds=rng.randrange(span))
            lat = listing.latitude + rng.uniform(-0.05, 0.05)
            lng = listing.longitude + rng.uniform(-0.05, 0.05)
            price = rng.choice((6_000, 8_000, 10_000, 15_000, 30_000))
            starts = created + timedelta(days=rng.randrange(1, 14))
            rows.append(
                Order(
                    mode=(
                        BuyingMode.DISPATCH
                        if rng.random() < 0.1
                        else BuyingMode.BOOK_PROVIDER
                    ),
                    state=rng.choice(states),
                    state_changed_at=created,
                    customer_id=rng.choice(customer_ids),
                    provider_id=listing.provider_id,
                    listing=listing,
                    title=listing.title,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=2),
                    time_zone="Asia/Shanghai",
                    address="1 Bench Road",
                    latitude=lat,
                    longitude=lng,
                    currency=listing.currency,
                    subtotal_amount=price,
                    service_fee_amount=price // 20,
                    total_amount=price + price // 20,
                    respond_by=created + timedelta(hours=4),
                    created_at=created,
                )
            )
        with transaction.atomic():
            made = Order.objects.bulk_create(rows)
            payments, events, reviews = [], [], []
            for order in made:
                if order.state == OrderState.AWAITING_PAYMENT:
                    continue
                refunded = order.state == OrderState.CANCELLED or rng.random() < 0.02
                payments.append(
                    Payment(
                        order=order,
                        kind=PaymentKind.ORDER,
                        status=(
                            PaymentStatus.REFUNDED
                            if refunded
                            else PaymentStatus.CAPTURED
                        ),
                        currency=order.currency,
                        base_amount=order.subtotal_amount,
                        service_fee_amount=order.service_fee_amount,
                        amount=order.total_amount,
                        captured_amount=order.total_amount,
                        refunded_amount=order.total_amount if refunded else 0,
                        gateway="sandbox",
                        idempotency_key=f"bench-{order.pk}",
                    )
                )
                answered = order.created_at + timedelta(
                    seconds=int(rng.expovariate(1 / 1800))
                )
                events.append(
                    OrderEvent(
                        order=order,
                        transition="pay",
                        from_state=OrderState.AWAITING_PAYMENT,
                        to_state=OrderState.REQUESTED,
                        actor="customer",
                        created_at=order.created_at,
                    )
                )
                events.append(
                    OrderEvent(
                        order=order,
                        transition="decline"
                        if order.state == OrderState.DECLINED
                        else "accept",
                        from_state=OrderState.REQUESTED,
                        to_state=OrderState.DECLINED
                        if order.state == OrderState.DECLINED
                        else OrderState.ACCEPTED,
                        actor="provider",
                        created_at=answered,
                    )
                )
                if order.state == OrderState.COMPLETED and rng.random() < 0.35:
                    late = rng.random() < 0.1
                    written_at = order.ends_at + timedelta(
                        days=rng.randrange(20, 60) if late else rng.randrange(0, 7)
                    )
                    if written_at < now:
                        reviews.append(
                            Review(
                                order=order,
                                direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
                                author_id=order.customer_id,
                                listing_id=order.listing_id,
                                provider_id=order.provider_id,
                                customer_id=order.customer_id,
                                stars=rng.choice((5, 5, 5, 4, 4, 3, 2, 1)),
                                created_at=written_at,
                                revealed_at=written_at,
                            )
                        )
            Payment.objects.bulk_create(payments)
            OrderEvent.objects.bulk_create(events)
            Review.objects.bulk_create(reviews)
            city, (lat, lng), _currency = rng.choice(PLACES)
            SearchRecord.objects.bulk_create(
                SearchRecord(
                    created_at=now - timedelta(seconds=rng.randrange(span)),
                    category=rng.choice(CATEGORIES),
                    city=city,
                    cell=analytics_cell(
                        lat + rng.uniform(-0.1, 0.1), lng + rng.uniform(-0.1, 0.1)
                    ),
                    results=0 if rng.random() < 0.05 else rng.randrange(1, 40),
                )
                for _ in range(size // 2)
            )
        written["orders"] += len(made)
        written["payments"] += len(payments)
        written["events"] += len(events)
        written["reviews"] += len(reviews)
        written["searches"] += size // 2
        done += size
        bar.update(size)
    bar.close()
    Order._meta.get_field("created_at").auto_now_add = True
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return written


def charts() -> dict[str, callable]:
    """Each dashboard chart's query, as the dashboard page asks for it."""
    from doorstep.analytics import queries
    from doorstep.analytics.metrics import Shape
    from doorstep.analytics.queries import Grain, Period, Slice
    from doorstep.analytics.rollups import today

    end = today()
    views = {
        "day": (Grain.DAY, Period(end - timedelta(days=29), end)),
        "week": (Grain.WEEK, Period(end - timedelta(days=12 * 7 - 1), end)),
        "month": (Grain.MONTH, Period(end - timedelta(days=364), end)),
    }
    out = {}
    for metric in queries.list_metrics():
        if metric.shape == Shape.COHORT:
            out[f"{metric.name} (12 months)"] = (
                lambda name=metric.name, period=views["month"][1]: (
                    queries.retention_cohorts(name, period=period)
                )
            )
            continue
        for label, (grain, period) in views.items():
            out[f"{metric.name} by {label}"] = (
                lambda name=metric.name, grain=grain, period=period: (
                    queries.metric_series(name, period=period, grain=grain)
                )
            )
        if "city" in metric.slices:
            grain, period = views["week"]
            out[f"{metric.name} by week, shanghai"] = (
                lambda name=metric.name, grain=grain, period=period: (
                    queries.metric_series(
                        name, period=period, grain=grain, slice=Slice(city="shanghai")
                    )
                )
            )
    return out


def _time(query, runs: int) -> tuple[float, float]:
    query()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        query()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95


def _freeze_garbage() -> None:
    """Collect, then move every object alive into the permanent generation, as
    a pre-forking server's workers have it when the app is loaded before the
    fork: otherwise the process's first full collection (~0.4 s over what
    Django and the libraries leave after start-up) lands inside whichever
    chart is being timed when it falls due."""
    gc.collect()
    gc.freeze()


def run(options: argparse.Namespace, database_url: str) -> None:
    _setup(database_url)
    from django.core.management import call_command
    from django.db import connection

    from doorstep.analytics import rollups, supply_demand

    call_command("migrate", verbosity=0, interactive=False)
    queries = charts()
    _freeze_garbage()
    baseline = {name: _time(query, options.runs) for name, query in queries.items()}
    started = time.perf_counter()
    written = seed(options.orders, options.batch_size)
    seeded = time.perf_counter() - started
    print(
        f"{connection.vendor}: seeded "
        + ", ".join(f"{count:,} {table}" for table, count in written.items())
        + f" in {seeded:.0f} s"
    )
    started = time.perf_counter()
    counts = rollups.rebuild()
    rebuilt = time.perf_counter() - started
    started = time.perf_counter()
    cells = supply_demand.rebuild()
    mapped = time.perf_counter() - started
    print(
        f"full rebuild: {rebuilt:.1f} s ("
        + ", ".join(f"{family} {count:,}" for family, count in counts.items())
        + f" rows); supply and demand map: {mapped:.1f} s ({cells:,} rows)"
    )
    _freeze_garbage()
    print(f"load average while timing: {os.getloadavg()[0]:.1f}")
    print(f"{'chart':44} {'empty p50/p95 ms':>17} {'full p50/p95 ms':>17} {'ratio':>6}")
    worst = 0.0
    for name, query in queries.items():
        base50, base95 = baseline[name]
        full50, full95 = _time(query, options.runs)
        worst = max(worst, full95)
        flag = "" if full95 <= 200 else "  > 200 ms"
        print(
            f"{name:44} {base50:8.1f}/{base95:<8.1f} {full50:8.1f}/{full95:<8.1f} "
            f"{full95 / base95 if base95 else 0:6.1f}{flag}"
        )
    print(f"worst chart p95: {worst:.1f} ms (target 200 ms)")


def main(argv: list[str] | None = None) -> None:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if options.database_url:
        run(options, options.database_url)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(options, f"sqlite:///{folder}/bench.sqlite3")


if __name__ == "__main__":
    main()
