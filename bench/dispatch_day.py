"""A simulated day of platform dispatch in one city, batch against greedy.

    DEBUG=true .venv/bin/python bench/dispatch_day.py
    DEBUG=true .venv/bin/python bench/dispatch_day.py --orders 300 --workers 30

Each strategy runs in its own process on its own new SQLite file (migrated
first, not timed, deleted afterwards) with the same seed, so both see the same
orders and the same workers giving the same answers. The day itself is
``doorstep.dispatch.simulation`` (scenario and model in its docstring and in
bench/README.md). Prints one column per strategy.
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROWS = (
    ("orders", "orders", "{:,.0f}"),
    ("served", "served (at the door)", "{:,.0f}"),
    ("sla_hit_pct", "SLA hit (response ≤ 30 min and arrival on time)", "{:.1f}%"),
    ("response_hit_pct", "accepted within 30 min", "{:.1f}%"),
    ("arrival_hit_pct", "at the door on time (ASAP ≤ 2 h)", "{:.1f}%"),
    ("asap_sla_hit_pct", "SLA hit, ASAP orders only", "{:.1f}%"),
    ("booked_sla_hit_pct", "SLA hit, booked-ahead orders only", "{:.1f}%"),
    ("booked_late_pct", "booked-ahead orders reached after their time", "{:.1f}%"),
    ("mean_minutes_to_door", "mean time to door, ASAP (min)", "{:.1f}"),
    ("p90_minutes_to_door", "p90 time to door, ASAP (min)", "{:.0f}"),
    ("travel_km", "travel (km, road)", "{:,.0f}"),
    ("travel_km_per_job", "travel per job (km)", "{:.2f}"),
    ("jobs_per_worker_stdev", "jobs per worker, stdev", "{:.2f}"),
    ("jobs_per_worker_gini", "jobs per worker, Gini", "{:.3f}"),
    ("offers", "offers made", "{:,.0f}"),
    ("declines", "declined", "{:,.0f}"),
    ("lapses", "lapsed unanswered", "{:,.0f}"),
    ("refused", "accept refused (time taken)", "{:,.0f}"),
    ("redispatched", "taken from a worker late to set off", "{:,.0f}"),
    ("rounds", "dispatch rounds", "{:,.0f}"),
    ("wall_seconds", "wall time of the day (s)", "{:.0f}"),
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=300)
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--city", default="shanghai")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--round-seconds", type=int, default=5)
    parser.add_argument(
        "--strategies",
        default="batch,greedy",
        help="comma-separated strategies of dispatch.batch.run_round",
    )
    parser.add_argument("--json", action="store_true", help="print JSON only")
    # Internal: run one strategy in this process and print its figures as JSON.
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_one(options: argparse.Namespace) -> dict:
    os.environ["DATABASE_URL"] = options.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    os.environ.setdefault("LOG_FORMAT", "plain")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    import logging

    from django.core.management import call_command

    from doorstep.dispatch.simulation import Scenario, simulate_day

    call_command("migrate", verbosity=0, interactive=False)
    logging.disable(logging.WARNING)
    # As ``doorstep demo`` does: the run makes millions of short-lived objects
    # and keeps few, so the cyclic collector's passes are wasted time.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    scenario = Scenario(
        city=options.city,
        orders=options.orders,
        workers=options.workers,
        customers=options.customers or max(20, options.orders // 8),
        strategy=options.one,
        seed=options.seed,
        round_seconds=options.round_seconds,
    )
    return simulate_day(scenario).figures()


def run_all(options: argparse.Namespace, argv: list[str]) -> dict[str, dict]:
    results = {}
    for strategy in options.strategies.split(","):
        with tempfile.TemporaryDirectory(prefix="doorstep-day-") as directory:
            url = f"sqlite:///{Path(directory) / 'day.sqlite3'}"
            command = [
                sys.executable,
                __file__,
                *argv,
                "--one",
                strategy,
                "--database-url",
                url,
            ]
            if not options.json:
                print(f"running {strategy}…", file=sys.stderr, flush=True)
            done = subprocess.run(  # noqa: S603 - this script, with its own arguments
                command, capture_output=True, text=True, check=False
            )
            if done.returncode:
                sys.stderr.write(done.stderr)
                raise SystemExit(done.returncode)
            results[strategy] = json.loads(done.stdout.strip().splitlines()[-1])
    return results


def table(results: dict[str, dict]) -> str:
    strategies = list(results)
    width = max(len(label) for _key, label, _format in ROWS)
    lines = [
        f"| {'':<{width}} | " + " | ".join(f"{name:>8}" for name in strategies) + " |",
        f"| {'-' * width} | " + " | ".join("-------:" for _ in strategies) + " |",
    ]
    for key, label, template in ROWS:
        cells = [template.format(results[name][key]) for name in strategies]
        lines.append(
            f"| {label:<{width}} | " + " | ".join(f"{cell:>8}" for cell in cells) + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    options = parse_args(argv)
    if options.one:
        print(json.dumps(run_one(options)))
        return
    results = run_all(options, argv)
    if options.json:
        print(json.dumps(results))
        return
    print(
        f"{options.orders:,} orders, {options.workers:,} workers, "
        f"{options.city}, seed {options.seed}, a round every "
        f"{options.round_seconds} s"
    )
    print(table(results))
    for name, figures in results.items():
        print(f"\nSLA misses, {name} (kind, first promise broken, why):")
        for why, count in figures["misses"].items():
            print(f"  {count:4d}  {why}")


if __name__ == "__main__":
    main()
