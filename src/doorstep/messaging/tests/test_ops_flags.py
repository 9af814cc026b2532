"""Ops decide flagged senders: the queue on the ops home, the flag pages by role,
dismiss or confirm (optionally warning the sender), each decision audited."""

import pytest
from django.urls import reverse

from doorstep.audit.models import AuditEntry
from doorstep.backoffice.queues import all_queues, summarise
from doorstep.core.errors import DomainError, NotFound, PermissionDenied
from doorstep.messaging import services
from doorstep.messaging.models import MessageFlag
from doorstep.notifications.models import Notification
from tests.factories import make_ops, sign_in_ops

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(inquiry, customer) -> MessageFlag:
    services.send_message(
        sender=customer, conversation=inquiry, body="pay me by Alipay directly"
    )
    return MessageFlag.objects.get()


def _queue():
    return next(queue for queue in all_queues() if queue.key == "flagged_messages")


def test_the_flag_waits_in_the_ops_queue(flag):
    summary = summarise(_queue())

    assert summary.count == 1
    assert summary.oldest == flag.created_at


@pytest.mark.parametrize("role", ["Trust & safety", "Support", "Ops admin"])
def test_moderating_roles_read_the_queue_and_the_flag(client, flag, role):
    sign_in_ops(client, make_ops(role))

    listing = client.get(reverse("messaging:ops_flags"))
    page = client.get(reverse("messaging:ops_flag", args=[flag.pk]))

    assert listing.status_code == 200
    assert "pay me by Alipay directly" in listing.content.decode()
    assert page.status_code == 200
    assert "pay me by Alipay directly" in page.content.decode()


def test_a_role_without_the_permission_gets_403(client, flag):
    sign_in_ops(client, make_ops("Finance"))

    assert client.get(reverse("messaging:ops_flags")).status_code == 403
    assert client.get(reverse("messaging:ops_flag", args=[flag.pk])).status_code == 403
    response = client.post(
        reverse("messaging:ops_flag", args=[flag.pk]), {"decision": "dismiss"}
    )
    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.is_open


def test_customers_and_ops_without_a_second_factor_do_not_see_the_pages(
    client, flag, customer
):
    client.force_login(customer)
    assert client.get(reverse("messaging:ops_flags")).status_code == 404

    sign_in_ops(client, make_ops("Trust & safety"), second_factor=False)
    assert client.get(reverse("messaging:ops_flag", args=[flag.pk])).status_code == 404


def test_confirming_with_a_warning_tells_the_sender_and_is_audited(
    client, flag, customer, django_capture_on_commit_callbacks
):
    ops = make_ops("Trust & safety")
    sign_in_ops(client, ops)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("messaging:ops_flag", args=[flag.pk]),
            {"decision": "confirm", "warn": "on", "note": "Asked for Alipay outside"},
        )

    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == MessageFlag.Status.CONFIRMED
    assert flag.decided_by == ops
    assert flag.sender_warned
    entry = AuditEntry.objects.get(action="messages.confirm_flag")
    assert entry.actor == ops
    assert entry.reason == "Asked for Alipay outside"
    assert entry.before == {"status": "open"}
    assert entry.after == {"status": "confirmed", "sender_warned": True}
    assert Notification.objects.filter(recipient=customer, kind="standards").exists()
    assert summarise(_queue()).count == 0


def test_dismissing_closes_the_flag_without_telling_anyone(flag, customer):
    ops = make_ops("Support")

    services.decide_message_flag(user=ops, flag_id=flag.pk, confirm=False)

    flag.refresh_from_db()
    assert flag.status == MessageFlag.Status.DISMISSED
    assert AuditEntry.objects.filter(action="messages.dismiss_flag").count() == 1
    assert not Notification.objects.filter(kind="standards").exists()


def test_a_decided_flag_cannot_be_decided_again(flag):
    ops = make_ops("Support")
    services.decide_message_flag(user=ops, flag_id=flag.pk, confirm=False)

    with pytest.raises(DomainError) as error:
        services.decide_message_flag(user=ops, flag_id=flag.pk, confirm=True)

    assert error.value.code == "flag_already_decided"
    assert AuditEntry.objects.count() == 1


def test_the_service_refuses_the_wrong_people(flag, customer, provider_user):
    for user in (customer, provider_user, make_ops("Finance")):
        with pytest.raises(PermissionDenied):
            services.decide_message_flag(user=user, flag_id=flag.pk, confirm=True)

    flag.refresh_from_db()
    assert flag.is_open
    assert not AuditEntry.objects.exists()


def test_warning_without_confirming_is_refused(flag):
    with pytest.raises(DomainError) as error:
        services.decide_message_flag(
            user=make_ops("Support"), flag_id=flag.pk, confirm=False, warn=True
        )

    assert error.value.code == "warn_needs_confirm"
    flag.refresh_from_db()
    assert flag.is_open


def test_an_unknown_flag_is_not_found():
    with pytest.raises(NotFound):
        services.decide_message_flag(
            user=make_ops("Support"), flag_id=999, confirm=False
        )


def test_after_a_decision_a_new_attempt_opens_a_new_flag(flag, inquiry, customer):
    services.decide_message_flag(
        user=make_ops("Support"), flag_id=flag.pk, confirm=True
    )

    services.send_message(sender=customer, conversation=inquiry, body="Venmo me")

    assert MessageFlag.objects.filter(resolved_at=None).count() == 1
    assert MessageFlag.objects.count() == 2
