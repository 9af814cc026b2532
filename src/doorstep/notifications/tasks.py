from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django_tasks import task

from doorstep.notifications.email import message_from_dict

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


def sweep_deliveries() -> int:
    """Periodic job ``retry_notification_deliveries`` (see
    ``doorstep.periodic.jobs``): retry overdue deliveries whose own task was
    lost. Returns how many were sent."""
    from doorstep.notifications.services import retry_due_deliveries

    return retry_due_deliveries(overdue_by=SWEEP_GRACE)
