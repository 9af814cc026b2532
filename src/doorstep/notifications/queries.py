"""Reads of the notifications app: a person's list, the bell's count, one of
theirs by id."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import NotFound
from doorstep.notifications.models import Notification


def notifications_of(user: User, *, unread: bool = False) -> QuerySet[Notification]:
    """Newest first."""
    notifications = Notification.objects.filter(recipient=user)
    if unread:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-public_id")


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def find_notification(user: User, notification_id: str) -> Notification:
    """One of ``user``'s notifications; ``NotFound`` for anyone else's, like one
    that does not exist."""
    notification = Notification.objects.filter(
        recipient=user, public_id=notification_id
    ).first()
    if notification is None:
        raise NotFound("notification_not_found", _("No such notification."))
    return notification
