import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from doorstep.notifications.email import message_from_dict, message_to_dict


@pytest.fixture
def mail_through_tasks(settings):
    settings.EMAIL_BACKEND = "doorstep.notifications.email.TaskEmailBackend"
    settings.DOORSTEP_EMAIL_DELIVERY_BACKEND = (
        "django.core.mail.backends.locmem.EmailBackend"
    )
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    }


def test_a_message_survives_the_trip_through_json():
    message = EmailMultiAlternatives(
        subject="Confirm your e-mail",
        body="plain text",
        from_email="Doorstep <no-reply@example.com>",
        to=["a@example.com"],
        cc=["b@example.com"],
        bcc=["c@example.com"],
        reply_to=["support@example.com"],
        headers={"X-Doorstep-Event": "signup"},
    )
    message.attach_alternative("<p>html</p>", "text/html")

    rebuilt = message_from_dict(message_to_dict(message))

    assert message_to_dict(rebuilt) == message_to_dict(message)


def test_send_mail_is_delivered_by_the_worker_task(mail_through_tasks):
    sent = mail.send_mail("Hello", "Body", "from@example.com", ["to@example.com"])

    assert sent == 1
    assert [m.subject for m in mail.outbox] == ["Hello"]
    assert mail.outbox[0].to == ["to@example.com"]
