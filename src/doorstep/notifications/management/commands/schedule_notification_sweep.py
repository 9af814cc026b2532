"""``doorstep schedule_notification_sweep``: make sure the delivery sweep is queued.

The sweep (``notifications.tasks.sweep_deliveries``) retries e-mail and SMS
deliveries whose own task was lost or whose retry is due, then queues its next
run. Run it when a worker starts; running it twice queues one sweep, not two.
"""

from django.conf import settings
from django.core.management.base import BaseCommand

from doorstep.notifications.tasks import sweep_deliveries


def _sweep_waiting() -> bool | None:
    if settings.TASKS["default"]["BACKEND"] != "django_tasks_db.DatabaseBackend":
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=sweep_deliveries.module_path, status__in=["READY", "RUNNING"]
    ).exists()


class Command(BaseCommand):
    help = "Queue the notification delivery sweep unless one is already queued."

    def handle(self, *args, **options) -> None:
        if _sweep_waiting():
            self.stdout.write("A notification delivery sweep is already queued.")
            return
        sweep_deliveries.enqueue()
        self.stdout.write("Queued the notification delivery sweep.")
