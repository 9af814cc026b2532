"""``doorstep schedule_periodic``: start the scheduler's ticks.

``doorstep worker`` runs it when it starts. Running it while another worker's
scheduler is ticking is harmless: the new tick runs what is due and stops, and
the running chain keeps the schedule.
"""

from django.core.management.base import BaseCommand

from doorstep.periodic.tasks import start_scheduler


class Command(BaseCommand):
    help = "Queue a scheduler tick (periodic jobs: clearing, reconcile, sweeps)."

    def handle(self, *args, **options) -> None:
        start_scheduler()
        self.stdout.write("Queued the scheduler.")
