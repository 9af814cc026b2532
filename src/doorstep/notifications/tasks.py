from django.conf import settings
from django.core.mail import get_connection
from django_tasks import task

from doorstep.notifications.email import message_from_dict


@task(queue_name="default")
def deliver_email(message: dict) -> int:
    """Send one e-mail through the configured delivery backend (runs in the worker)."""
    connection = get_connection(settings.DOORSTEP_EMAIL_DELIVERY_BACKEND)
    return connection.send_messages([message_from_dict(message)])
