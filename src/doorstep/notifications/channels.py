"""Sending one notification over one channel: e-mail or SMS.

Both render their templates in the recipient's language. E-mail goes through
Django's mail API (``EMAIL_BACKEND`` hands it to the worker); SMS through
``notifications.sms.send_sms``. Either raises when the outside world fails; the
caller (``services.send_delivery``) records the failure and retries.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from doorstep.accounts.models import User
from doorstep.marketplace.queries import site_name
from doorstep.notifications.models import Channel, Notification
from doorstep.notifications.sms import send_sms


class Unreachable(Exception):
    """The person has no address on this channel (any more)."""


def can_reach(user: User, channel: str) -> bool:
    if not user.is_active or user.deleted_at is not None:
        return False
    if channel == Channel.EMAIL:
        return bool(user.email)
    # Only a number the person proved is theirs: a typo must not text a stranger.
    return bool(user.phone) and user.phone_verified


def absolute_url(path: str) -> str:
    if not path:
        return ""
    return settings.DOORSTEP_BASE_URL.rstrip("/") + path


def _context(notification: Notification) -> dict[str, object]:
    return {
        "notification": notification,
        "recipient": notification.recipient,
        "link": absolute_url(notification.url),
        "preferences_link": absolute_url(reverse("notifications:preferences")),
        "site_name": site_name(),
    }


def send_email(notification: Notification) -> None:
    user = notification.recipient
    if not can_reach(user, Channel.EMAIL):
        raise Unreachable("no e-mail address")
    with translation.override(user.language):
        context = _context(notification)
        text = render_to_string("notifications/email/notification.txt", context)
        html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=f"[{site_name()}] {notification.title}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"X-Doorstep-Notification": notification.public_id},
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_text_message(notification: Notification) -> None:
    user = notification.recipient
    if not can_reach(user, Channel.SMS):
        raise Unreachable("no verified phone number")
    with translation.override(user.language):
        body = render_to_string("notifications/sms.txt", _context(notification))
    send_sms(to=user.phone, body=" ".join(body.split()))


SENDERS = {Channel.EMAIL: send_email, Channel.SMS: send_text_message}


def send(notification: Notification, channel: str) -> None:
    SENDERS[Channel(channel)](notification)
