"""E-mail delivery through the task worker.

Web requests must not wait on an SMTP server, and a failed delivery should be
retried rather than turn a sign-up into an error page. ``TaskEmailBackend`` is the
``EMAIL_BACKEND``: it turns each message into a JSON-able dict and enqueues
:func:`doorstep.notifications.tasks.deliver_email`, which rebuilds the message and
hands it to ``DOORSTEP_EMAIL_DELIVERY_BACKEND`` (SMTP, console, …) in the worker.
"""

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend


def message_to_dict(message: EmailMessage) -> dict:
    alternatives = [
        [content, mimetype]
        for content, mimetype in getattr(message, "alternatives", [])
    ]
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": {key: str(value) for key, value in message.extra_headers.items()},
        "alternatives": alternatives,
    }


def message_from_dict(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


class TaskEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        from doorstep.notifications.tasks import deliver_email

        for message in email_messages:
            deliver_email.enqueue(message_to_dict(message))
        return len(email_messages)
