"""``doorstep seed``: add providers, their listings and customers in bulk, for
benchmarks."""

import sys
import time

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from doorstep.demo.builders import DEMO_SEED, SEED_BATCH_SIZE, seed_people
from doorstep.demo.data import CITIES


class Command(BaseCommand):
    help = (
        "Add N generated providers, K published listings for each (in their trade "
        "and city currency) and optionally customers, with bulk inserts. Safe to "
        "run repeatedly; creates the category tree if it is missing. Listings are "
        "NOT indexed for search: run `doorstep reindex` afterwards."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--providers", type=int, required=True, metavar="N")
        parser.add_argument("--customers", type=int, default=0, metavar="M")
        parser.add_argument(
            "--listings-per-provider",
            type=int,
            default=2,
            metavar="K",
            help=(
                "published listings per new provider (default 2); not indexed: "
                "run `doorstep reindex` afterwards"
            ),
        )
        parser.add_argument(
            "--city",
            action="append",
            choices=[city.slug for city in CITIES],
            default=[],
            help="only this city (repeat for several); default: all five",
        )
        parser.add_argument("--seed", type=int, default=DEMO_SEED)
        parser.add_argument("--batch-size", type=int, default=SEED_BATCH_SIZE)
        parser.add_argument(
            "--no-progress", action="store_true", help="hide the progress bar"
        )

    def handle(self, *args, **options) -> None:
        providers, customers = options["providers"], options["customers"]
        per_provider = options["listings_per_provider"]
        if min(providers, customers, per_provider) < 0 or options["batch_size"] < 1:
            self.stderr.write("Counts must be >= 0 and the batch size >= 1.")
            raise SystemExit(2)
        started = time.perf_counter()
        with tqdm(
            total=providers + customers,
            unit="people",
            disable=options["no_progress"] or None,
            file=sys.stderr,
        ) as bar:
            report = seed_people(
                providers=providers,
                customers=customers,
                cities=options["city"],
                seed=options["seed"],
                batch_size=options["batch_size"],
                listings_per_provider=per_provider,
                on_progress=bar.update,
            )
        elapsed = time.perf_counter() - started
        rate = report.rows() / elapsed if elapsed else 0.0
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {report.providers} providers with {report.listings} "
                f"listings and {report.customers} customers "
                f"({report.addresses} saved addresses, "
                f"{report.categories} new categories) in {elapsed:.1f} s: "
                f"{report.rows()} rows, {rate:,.0f} rows/s."
            )
        )
        if report.listings:
            self.stdout.write(
                "The new listings are not in the search index yet: "
                "run `doorstep reindex`."
            )
