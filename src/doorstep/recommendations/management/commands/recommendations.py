from django.core.management.base import BaseCommand

from doorstep.recommendations.services import rebuild_neighbours


class Command(BaseCommand):
    help = (
        "Recompute every listing's similar services and which listings have "
        "free times (the periodic job rebuild_listing_neighbours does it hourly)."
    )

    def handle(self, *args, **options) -> None:
        counts = rebuild_neighbours()
        self.stdout.write(
            ", ".join(f"{name}: {value}" for name, value in counts.items())
        )
