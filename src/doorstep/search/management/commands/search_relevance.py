"""``doorstep search_relevance``: score the search on the relevance set.

Builds a fresh, throw-away database (as the test runner does), creates the
corpus listings through the catalogue's services, runs every labelled query in
each text mode the code serves and prints nDCG@10 and recall@10, overall, per
language and per kind of query (``search.relevance.evaluate``). The database
the site uses is not touched.
"""

import time

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from doorstep.search.relevance.evaluate import MODES, evaluate, load_corpus, table


class Command(BaseCommand):
    help = (
        "Score search on the labelled relevance set (nDCG@10, recall@10) in a "
        "throw-away database: lexical, semantic and blended."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mode",
            action="append",
            choices=MODES,
            help="Only this text mode (repeatable; default: every mode).",
        )
        parser.add_argument(
            "--worst",
            type=int,
            default=0,
            help="Also list this many queries with the lowest nDCG@10 per mode.",
        )

    def handle(self, *args, mode, worst: int, verbosity: int, **options) -> None:
        started = time.monotonic()
        if connection.vendor != "sqlite":
            # Its own name, so that a test run's database is never the one
            # dropped and recreated here (SQLite's is in memory).
            connection.settings_dict.setdefault("TEST", {})["NAME"] = (
                f"{connection.settings_dict['NAME']}_search_relevance"
            )
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        try:
            keys = load_corpus()
            loaded = time.monotonic()
            report = evaluate(keys, modes=mode)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        self.stdout.write(
            f"{len(keys)} listings, {len(report.queries)} queries "
            f"(loaded in {loaded - started:.1f} s, searched in "
            f"{time.monotonic() - loaded:.1f} s, {connection.vendor})\n"
        )
        self.stdout.write(table(report))
        for name, scores in report.scores.items():
            if worst <= 0:
                continue
            self.stdout.write(f"\nLowest nDCG@10, {name}:")
            by_key = {q.key: q for q in report.queries}
            ranked = sorted(scores.items(), key=lambda item: item[1].ndcg)[:worst]
            for key, score in ranked:
                query = by_key[key]
                self.stdout.write(
                    f"  {score.ndcg:.2f} {key} [{query.kind}] {query.text!r} → "
                    f"{', '.join(score.found[:5]) or '(nothing)'}"
                )
