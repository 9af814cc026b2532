"""``doorstep schedule_sweeps``: make sure the timer sweep is queued.

The sweep (``orders.tasks.sweep_timers``) fires order timers whose own task was
lost, then queues its next run; a restarted worker therefore finds it waiting.
This command queues it when none is waiting, so a fresh database (or one whose
queue was flushed) starts sweeping too. ``doorstep worker`` runs it on start;
running it twice queues one sweep, not two.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from doorstep.orders.tasks import sweep_timers

SWEEP_PATH = sweep_timers.module_path


def _sweep_waiting() -> bool | None:
    """Whether a sweep is queued or running; ``None`` when the task backend
    cannot tell (then one is queued anyway: an extra sweep is harmless)."""
    backend = settings.TASKS["default"]["BACKEND"]
    if backend != "django_tasks_db.DatabaseBackend":
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=SWEEP_PATH, status__in=["READY", "RUNNING"]
    ).exists()


class Command(BaseCommand):
    help = "Queue the order timer sweep unless one is already queued."

    def handle(self, *args, **options) -> None:
        if _sweep_waiting():
            self.stdout.write("A timer sweep is already queued.")
            return
        sweep_timers.enqueue()
        self.stdout.write("Queued the timer sweep.")
