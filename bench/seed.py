"""Time ``doorstep seed`` on a fresh database.

    DEBUG=true .venv/bin/python bench/seed.py --providers 100000

By default the database is a new SQLite file in a temporary directory, migrated
first and deleted afterwards. ``--database-url`` points it at another database
instead (e.g. an empty PostgreSQL database you created); it is migrated but never
dropped. Only the seed is timed, not the migrations.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--providers", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=0)
    parser.add_argument(
        "--database-url",
        help="use this database instead of a temporary SQLite file",
    )
    parser.add_argument("--batch-size", type=int, default=None)
    return parser.parse_args(argv)


def run(options: argparse.Namespace, database_url: str) -> None:
    # Settings read DATABASE_URL at import time, so it must be set before setup.
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    os.environ.setdefault("LOG_FORMAT", "plain")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    seed_options = {"providers": options.providers, "customers": options.customers}
    if options.batch_size:
        seed_options["batch_size"] = options.batch_size

    started = time.perf_counter()
    call_command("seed", **seed_options)
    elapsed = time.perf_counter() - started

    people = options.providers + options.customers
    print(
        f"{connection.vendor} {connection.Database.__name__}: "
        f"{options.providers:,} providers + {options.customers:,} customers "
        f"in {elapsed:.1f} s ({people / elapsed:,.0f} people/s)"
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
