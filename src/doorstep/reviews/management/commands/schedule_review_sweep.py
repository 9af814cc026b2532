"""``doorstep schedule_review_sweep``: make sure the review window sweep is queued.

The sweep (``reviews.tasks.sweep_review_windows``) reveals the reviews of
windows whose own closing task was lost, then queues its next run. Run it when a
worker starts; running it twice queues one sweep, not two.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from doorstep.reviews.tasks import sweep_review_windows


def _sweep_waiting() -> bool | None:
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=sweep_review_windows.module_path, status__in=["READY", "RUNNING"]
    ).exists()


class Command(BaseCommand):
    help = "Queue the review window sweep unless one is already queued."

    def handle(self, *args, **options) -> None:
        if _sweep_waiting():
            self.stdout.write("A review window sweep is already queued.")
            return
        sweep_review_windows.enqueue()
        self.stdout.write("Queued the review window sweep.")
