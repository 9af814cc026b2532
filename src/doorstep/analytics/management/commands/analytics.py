"""``doorstep analytics rebuild [--since DAY] [--until DAY]``: recompute the
rollups from the source tables, a month at a time, with a progress bar; and
``doorstep analytics refresh``: what the periodic safety net does (today and
yesterday, and the ledger followed)."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from doorstep.analytics import rollups, supply_demand


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"Not a day (YYYY-MM-DD): {text!r}") from error


class Command(BaseCommand):
    help = "Rebuild or refresh the analytics rollups (subcommands: rebuild, refresh)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        rebuild = commands.add_parser("rebuild", help="Recompute every fact.")
        rebuild.add_argument(
            "--since",
            type=_day,
            help="First day to recompute (default: the first order or entry).",
        )
        rebuild.add_argument("--until", type=_day, help="Last day (default: today).")
        rebuild.add_argument(
            "--no-progress", action="store_true", help="No progress bar."
        )
        commands.add_parser("refresh", help="Recompute today and yesterday.")

    def handle(self, *args, action: str, **options) -> None:
        started = time.monotonic()
        if action == "refresh":
            counts = rollups.refresh_recent()
        else:
            since = options.get("since") or rollups.first_day() or rollups.today()
            until = options.get("until") or rollups.today()
            if since > until:
                raise CommandError("--since is after --until.")
            spans = rollups.rebuild_spans(since, max(until, since))
            bar = tqdm(
                total=len(spans),
                unit="month",
                desc="Rebuilding analytics",
                disable=options["no_progress"] or options["verbosity"] < 1,
                file=self.stderr,
            )
            with bar:
                counts = rollups.rebuild(
                    since=options.get("since"),
                    until=until,
                    progress=lambda span: bar.update(1),
                )
            counts = {**counts, "supply_demand": supply_demand.rebuild()}
        summary = ", ".join(f"{family} {count}" for family, count in counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Analytics {action}: {summary} rows in "
                f"{time.monotonic() - started:.1f} s."
            )
        )
