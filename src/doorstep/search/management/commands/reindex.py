"""``doorstep reindex``: rebuild the whole search index from the listings."""

import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from doorstep.search.indexing import BULK_BATCH_SIZE, rebuild_index


class Command(BaseCommand):
    help = (
        "Rebuild every search document, the full-text index and the typo "
        "vocabulary from the listings, in one transaction."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BULK_BATCH_SIZE,
            help="Listings read and written per batch (default %(default)s).",
        )

    def handle(self, *args, batch_size: int, verbosity: int, **options) -> None:
        started = time.monotonic()
        last_report = [started]

        def progress(done: int) -> None:
            now = time.monotonic()
            if verbosity >= 2 or (verbosity >= 1 and now - last_report[0] >= 5):
                last_report[0] = now
                self.stdout.write(f"  {done} documents…")

        written = rebuild_index(batch_size=max(1, batch_size), progress=progress)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Index-only scans (every search near a point is one) skip the
            # table only for pages the visibility map marks all-visible, and
            # only VACUUM sets it: freshly loaded rows have none.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) search_searchdocument")
        self.stdout.write(
            self.style.SUCCESS(
                f"Indexed {written} listings in {time.monotonic() - started:.1f} s."
            )
        )
