"""A message asking to pay or deal off the platform: delivered as written, the
sender warned (web and API), and a flag opened for ops."""

import pytest
from django.urls import reverse

from doorstep.api.testing import API, JSON, bearer
from doorstep.events.models import Event
from doorstep.messaging import services
from doorstep.messaging.models import Message, MessageFlag
from doorstep.messaging.tests.conftest import accept
from tests.factories import make_order

pytestmark = pytest.mark.django_db

REQUEST = "Cancel on the app and I'll come anyway, pay me by Alipay directly"


def test_an_off_platform_request_is_delivered_warned_and_flagged(inquiry, customer):
    # when the customer asks to pay outside the platform
    sent = services.send_message(sender=customer, conversation=inquiry, body=REQUEST)

    # then the message goes through as written, marked
    message = Message.objects.get()
    assert message.body == REQUEST
    assert message.off_platform
    assert not message.masked
    # and the sender is warned
    assert sent.off_platform
    assert "Doorstep" in sent.warning
    # and ops get one flag, with what was typed
    flag = MessageFlag.objects.get()
    assert flag.reason == MessageFlag.Reason.OFF_PLATFORM
    assert flag.sender == customer
    assert flag.last_message == message
    assert flag.excerpt == REQUEST
    assert flag.is_open
    assert Event.objects.filter(topic="message.flagged").count() == 1


def test_a_second_request_bumps_the_open_flag(inquiry, customer):
    services.send_message(sender=customer, conversation=inquiry, body=REQUEST)
    second = services.send_message(
        sender=customer, conversation=inquiry, body="直接转账给我就行"
    )

    flag = MessageFlag.objects.get()
    assert flag.count == 2
    assert flag.last_message == second.message
    assert Event.objects.filter(topic="message.flagged").count() == 1


def test_paying_through_the_app_is_normal_talk(inquiry, customer, provider_user):
    for body in ("I paid by Alipay through the app", "Can we transfer to 3 pm?"):
        sent = services.send_message(sender=customer, conversation=inquiry, body=body)
        assert not sent.off_platform
        assert sent.warning == ""

    assert not MessageFlag.objects.exists()


def test_off_platform_requests_are_flagged_even_after_the_deal(customer, listing):
    # given an accepted order, where contact details flow freely
    order = make_order(listing=listing, customer=customer)
    accept(order)
    conversation = services.conversation_for_order(order=order)

    # when the provider asks for cash outside the app
    sent = services.send_message(
        sender=listing.provider.user,
        conversation=conversation,
        body="Next time skip the fee and pay me cash",
    )

    # then it is warned and flagged all the same
    assert sent.off_platform
    assert MessageFlag.objects.get().sender == listing.provider.user


def test_the_api_answer_carries_the_warning(client, inquiry, customer):
    response = client.post(
        f"{API}/conversations/{inquiry.public_id}/messages",
        {"body": "微信转我就行"},
        content_type=JSON,
        **bearer(customer),
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["off_platform"] is True
    assert data["warning"]
    assert data["body"] == "微信转我就行"
    assert data["masked"] is False


def test_the_api_answer_has_no_warning_for_normal_talk(client, inquiry, customer):
    response = client.post(
        f"{API}/conversations/{inquiry.public_id}/messages",
        {"body": "Is Tuesday fine?"},
        content_type=JSON,
        **bearer(customer),
    )

    assert response.json()["off_platform"] is False
    assert response.json()["warning"] == ""


def test_the_composer_shows_the_warning(client, inquiry, customer):
    client.force_login(customer)

    response = client.post(
        reverse("messaging:send", args=[inquiry.public_id]),
        {"body": "let's skip the fee"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "composer__warning" in response.content.decode()
    assert MessageFlag.objects.filter(reason="off_platform").exists()
