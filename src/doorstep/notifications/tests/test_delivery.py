"""Delivery: e-mail and SMS per preferences and contact, sent once per event
however often the event or the task repeats, retried on failure, then failed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.notifications import services
from doorstep.notifications.models import Delivery, Kind, Notification

pytestmark = pytest.mark.django_db

SENT, PENDING, FAILED = "sent", "pending", "failed"


def test_the_same_event_twice_makes_one_notification_one_email_one_sms(
    deliver, order, customer, mailoutbox, sms_outbox
):
    # given an accepted order's event, delivered once
    event = deliver("order.accept", order.public_id, actor="provider")

    # when it is delivered again (at least once means maybe twice)
    deliver.again(event)

    # then the customer was told once on every channel
    assert Notification.objects.filter(recipient=customer).count() == 1
    assert [m.to for m in mailoutbox] == [[customer.email]]
    assert [m.to for m in sms_outbox] == [customer.phone]
    assert set(Delivery.objects.values_list("channel", "status")) == {
        ("email", SENT),
        ("sms", SENT),
    }


def test_a_duplicate_task_finds_the_delivery_sent_and_sends_nothing(
    deliver, order, customer, sms_outbox
):
    deliver("order.accept", order.public_id)
    sms = Delivery.objects.get(channel="sms")

    assert services.send_delivery(delivery_id=sms.pk) == SENT

    assert len(sms_outbox) == 1
    sms.refresh_from_db()
    assert sms.attempts == 1


def test_the_email_is_multipart_and_in_the_recipients_language(
    deliver, order, customer, mailoutbox
):
    deliver("order.accept", order.public_id)

    [message] = mailoutbox
    assert message.subject == "[Doorstep] 你的預約已確認"
    assert "「Deep clean」" in message.body
    assert "http://localhost:8000" + order.get_absolute_url() in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert '<html lang="zh-hant">' in html
    assert "你的預約已確認" in html


def test_the_sms_is_short_and_in_the_recipients_language(deliver, order, sms_outbox):
    deliver("order.depart", order.public_id)

    [sms] = sms_outbox
    assert sms.body.startswith("【Doorstep】你的服務者正在路上：")
    assert "\n" not in sms.body


def test_switched_off_channels_are_not_used(
    deliver, order, customer, mailoutbox, sms_outbox
):
    # given a customer who wants confirmations only in the app
    services.set_preferences(
        user=customer,
        choices={
            ("booking_confirmed", "email"): False,
            ("booking_confirmed", "sms"): False,
        },
    )

    deliver("order.accept", order.public_id)

    # then the bell has it, and nothing else was sent
    assert Notification.objects.filter(recipient=customer).count() == 1
    assert not Delivery.objects.exists()
    assert mailoutbox == []
    assert sms_outbox == []


def test_new_messages_are_in_app_only_by_default(
    customer, listing, deliver, sms_outbox
):
    from doorstep.messaging import services as messaging

    conversation = messaging.start_inquiry(
        customer=customer, listing_id=listing.public_id
    )
    sent = messaging.send_message(sender=customer, conversation=conversation, body="hi")

    deliver("message.sent", sent.message.public_id)

    assert Notification.objects.filter(kind=Kind.NEW_MESSAGE).count() == 1
    assert not Delivery.objects.exists()


def test_without_a_verified_phone_or_an_email_that_channel_is_skipped(
    deliver, order, customer, mailoutbox, sms_outbox
):
    type(customer).objects.filter(pk=customer.pk).update(
        phone_verified=False, email=None
    )

    deliver("order.accept", order.public_id)

    assert Notification.objects.filter(recipient=customer).count() == 1
    assert not Delivery.objects.exists()
    assert (mailoutbox, sms_outbox) == ([], [])


def test_a_failing_sms_carrier_is_retried_with_backoff_then_succeeds(
    deliver, order, customer, flaky_sms, sms_outbox
):
    # given a carrier that is down for two attempts
    flaky_sms.failures = 2
    deliver("order.accept", order.public_id)
    sms = Delivery.objects.get(channel="sms")
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (PENDING, 1)
    assert "carrier unavailable" in sms.last_error
    first_retry = sms.next_attempt_at

    # when the sweep runs before the retry is due, nothing is tried
    assert services.retry_due_deliveries(now=first_retry - timedelta(seconds=1)) == 0
    assert flaky_sms.calls == 1

    # when it runs at the first retry, it fails again and waits longer
    assert services.retry_due_deliveries(now=first_retry) == 0
    sms.refresh_from_db()
    assert sms.attempts == 2
    assert sms.next_attempt_at - first_retry == timedelta(minutes=4)

    # then the third attempt gets through, once
    assert services.retry_due_deliveries(now=sms.next_attempt_at) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts, sms.last_error) == (SENT, 3, "")
    assert [m.to for m in sms_outbox] == [customer.phone]
    assert services.retry_due_deliveries(now=timezone.now() + timedelta(days=1)) == 0
    assert len(sms_outbox) == 1


def test_after_the_last_attempt_the_delivery_fails_for_good(
    deliver, order, flaky_sms, sms_outbox, settings
):
    settings.DOORSTEP_NOTIFICATION_MAX_ATTEMPTS = 3
    flaky_sms.failures = -1  # always down
    deliver("order.accept", order.public_id)

    later = timezone.now()
    for _ in range(5):
        later += timedelta(days=1)
        services.retry_due_deliveries(now=later)

    sms = Delivery.objects.get(channel="sms")
    assert (sms.status, sms.attempts, sms.next_attempt_at) == (FAILED, 3, None)
    assert flaky_sms.calls == 3
    assert sms_outbox == []
    # the e-mail, on its own channel, was not held back
    assert Delivery.objects.get(channel="email").status == SENT


def test_a_backend_that_can_wait_gets_the_retry_queued_for_later(
    deliver, order, flaky_sms, settings, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    flaky_sms.failures = 2
    deliver("order.accept", order.public_id)
    sms = Delivery.objects.get(channel="sms")
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    Delivery.objects.filter(pk=sms.pk).update(next_attempt_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        services.send_delivery(delivery_id=sms.pk)

    sms.refresh_from_db()
    [queued] = default_task_backend.results
    assert queued.args == [sms.pk]
    assert queued.task.run_after == sms.next_attempt_at
