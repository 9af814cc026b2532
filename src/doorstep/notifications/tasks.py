from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.utils import timezone
from django_tasks import task

from doorstep.notifications.email import message_from_dict

SWEEP_EVERY = timedelta(minutes=1)
# The sweep leaves a delivery this long to its own task before trying it itself.
SWEEP_GRACE = timedelta(minutes=2)


@task(queue_name="default")
def deliver_email(message: dict) -> int:
    """Send one e-mail through the configured delivery backend (runs in the worker)."""
    connection = get_connection(settings.DOORSTEP_EMAIL_DELIVERY_BACKEND)
    return connection.send_messages([message_from_dict(message)])


@task()
def deliver_notification(delivery_id: int) -> str | None:
    """Send one notification over one channel (at most once; see the service)."""
    from doorstep.notifications.services import send_delivery

    return send_delivery(delivery_id=delivery_id)


@task()
def sweep_deliveries(reschedule: bool = True) -> int:
    """Retry overdue deliveries whose own task was lost, then queue the next sweep
    (the schedule survives restarts because the next run is a row in the queue)."""
    from doorstep.notifications.services import retry_due_deliveries

    sent = retry_due_deliveries(overdue_by=SWEEP_GRACE)
    if reschedule:
        sweep_deliveries.using(run_after=timezone.now() + SWEEP_EVERY).enqueue()
    return sent
