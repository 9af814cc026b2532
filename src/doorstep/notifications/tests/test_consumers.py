"""The event → notification mapping: who is told about what, in their language,
with the order's title and its local start time."""

from zoneinfo import ZoneInfo

import pytest
from django.utils import formats, timezone, translation

from doorstep.messaging import services as messaging
from doorstep.notifications.consumers import plan_for
from doorstep.notifications.models import Kind, Notification
from doorstep.payments.models import PayoutRequest
from doorstep.reviews.models import Direction, Review
from tests.factories import make_completed_order

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_start(order, language: str) -> str:
    with translation.override(language):
        return formats.date_format(
            order.starts_at.astimezone(SHANGHAI), "DATETIME_FORMAT"
        )


def told(event) -> set[tuple[str, str]]:
    return set(
        Notification.objects.filter(event=event).values_list("recipient__name", "kind")
    )


CUSTOMER, PROVIDER = "Cora Lin", "Mei Chen"


@pytest.mark.parametrize(
    ("topic", "payload", "expected"),
    [
        ("order.created", {"to": "awaiting_payment"}, set()),
        ("order.pay", {"to": "requested"}, {(PROVIDER, Kind.BOOKING_REQUEST)}),
        (
            "order.pay_instant",
            {"to": "accepted"},
            {(PROVIDER, Kind.BOOKING_REQUEST), (CUSTOMER, Kind.BOOKING_CONFIRMED)},
        ),
        ("order.accept", {}, {(CUSTOMER, Kind.BOOKING_CONFIRMED)}),
        ("order.decline", {}, {(CUSTOMER, Kind.BOOKING_DECLINED)}),
        (
            "order.expire",
            {},
            {(CUSTOMER, Kind.BOOKING_DECLINED), (PROVIDER, Kind.ORDER_UPDATE)},
        ),
        ("order.cancel", {"actor": "customer"}, {(PROVIDER, Kind.ORDER_CANCELLED)}),
        ("order.cancel", {"actor": "provider"}, {(CUSTOMER, Kind.ORDER_CANCELLED)}),
        (
            "order.cancel",
            {"actor": "ops"},
            {(CUSTOMER, Kind.ORDER_CANCELLED), (PROVIDER, Kind.ORDER_CANCELLED)},
        ),
        ("order.depart", {}, {(CUSTOMER, Kind.PROVIDER_ON_THE_WAY)}),
        ("order.start", {}, set()),
        ("order.deliver", {}, {(CUSTOMER, Kind.JOB_DONE)}),
        ("order.confirm", {}, {(PROVIDER, Kind.ORDER_UPDATE)}),
        (
            "order.auto_complete",
            {},
            {(CUSTOMER, Kind.ORDER_UPDATE), (PROVIDER, Kind.ORDER_UPDATE)},
        ),
        ("order.dispute", {}, {(PROVIDER, Kind.ORDER_UPDATE)}),
        (
            "order.resolve_refund",
            {},
            {(CUSTOMER, Kind.ORDER_UPDATE), (PROVIDER, Kind.ORDER_UPDATE)},
        ),
        ("order.report_customer_no_show", {}, {(CUSTOMER, Kind.ORDER_UPDATE)}),
        ("order.report_provider_no_show", {}, {(PROVIDER, Kind.ORDER_UPDATE)}),
        (
            "order.remind_before_start",
            {},
            {(CUSTOMER, Kind.REMINDER), (PROVIDER, Kind.REMINDER)},
        ),
        ("order.something_new", {}, set()),
    ],
)
def test_who_is_told_about_each_order_event(deliver, order, topic, payload, expected):
    # when the event is delivered
    event = deliver(topic, order.public_id, **payload)

    # then exactly these people get exactly these kinds
    assert told(event) == expected


def test_a_booking_request_tells_the_provider_in_english_with_the_local_time(
    deliver, order, provider_user
):
    event = deliver("order.pay", order.public_id, to="requested")

    notification = Notification.objects.get(event=event)
    assert notification.recipient == provider_user
    assert notification.title == "New booking request"
    assert "Cora Lin asked to book “Deep clean”" in notification.body
    assert local_start(order, "en") in notification.body
    assert notification.url == order.get_absolute_url()


def test_the_customer_reads_the_confirmation_in_traditional_chinese(
    deliver, order, customer
):
    event = deliver("order.accept", order.public_id, actor="provider")

    notification = Notification.objects.get(event=event, recipient=customer)
    assert notification.title == "你的預約已確認"
    assert "Mei Chen" in notification.body
    assert "「Deep clean」" in notification.body
    assert local_start(order, "zh-hant") in notification.body
    assert "年" in local_start(order, "zh-hant")  # a Chinese date, not an English one


def test_a_reminder_reaches_each_side_in_their_own_language(deliver, order):
    event = deliver("order.remind_before_start", order.public_id)

    titles = dict(
        Notification.objects.filter(event=event).values_list(
            "recipient__language", "title"
        )
    )
    assert titles == {
        "en": "Reminder: your job is coming up",
        "zh-hant": "提醒：工作即將開始",
    }


def test_a_new_message_tells_the_other_party_only(
    deliver, customer, listing, provider_user
):
    conversation = messaging.start_inquiry(
        customer=customer, listing_id=listing.public_id
    )
    sent = messaging.send_message(
        sender=customer, conversation=conversation, body="Is Saturday ok?"
    )

    event = deliver("message.sent", sent.message.public_id)

    notification = Notification.objects.get(event=event)
    assert notification.recipient == provider_user
    assert notification.kind == Kind.NEW_MESSAGE
    assert notification.title == "New message from Cora Lin"
    assert notification.body == "Is Saturday ok?"
    assert notification.url == conversation.get_absolute_url()


def test_a_revealed_review_tells_the_reviewed_party(deliver, listing, customer):
    order = make_completed_order(listing=listing, customer=customer)
    review = Review.objects.create(
        order=order,
        direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
        author=customer,
        listing=listing,
        provider=listing.provider,
        customer=customer,
        stars=5,
        created_at=timezone.now(),
        revealed_at=timezone.now(),
    )

    event = deliver("review.revealed", review.public_id)

    notification = Notification.objects.get(event=event)
    assert notification.recipient == listing.provider.user
    assert notification.kind == Kind.REVIEW
    assert notification.body == "Cora Lin gave you 5 stars for “Deep clean”."


def test_payouts_tell_the_provider_when_paid_or_failed(deliver, listing):
    payout = PayoutRequest.objects.create(
        provider=listing.provider, amount=12000, currency="CNY", status="paid"
    )

    paid = deliver("payout.paid", payout.public_id)
    failed = deliver("payout.status_changed", payout.public_id, to="failed")
    approved = deliver("payout.approved", payout.public_id)

    assert Notification.objects.get(event=paid).title == "Your payout was sent"
    assert "120.00" in Notification.objects.get(event=paid).body
    assert Notification.objects.get(event=failed).title == "Your payout failed"
    assert not Notification.objects.filter(event=approved).exists()


def test_events_about_missing_things_plan_nothing(deliver):
    from doorstep.events.models import Event

    for topic in ("order.accept", "message.sent", "review.revealed", "payout.paid"):
        event = Event(topic=topic, subject="nothing_here")
        assert plan_for(event) == []


def test_a_new_time_goes_to_the_other_side_and_the_answer_back(
    deliver, order, customer, provider_user
):
    from datetime import timedelta

    from doorstep.orders.models import RescheduleRequest

    request = RescheduleRequest.objects.create(
        order=order,
        proposed_by="customer",
        proposed_by_user=customer,
        starts_at=order.starts_at + timedelta(days=1),
        ends_at=order.ends_at + timedelta(days=1),
        previous_starts_at=order.starts_at,
        created_at=timezone.now(),
    )

    proposed = deliver(
        "order.reschedule_proposed", order.public_id, request=request.public_id
    )
    answered = deliver("order.rescheduled", order.public_id, request=request.public_id)

    asked = Notification.objects.get(event=proposed)
    assert asked.recipient == provider_user
    with translation.override("en"):
        new_when = formats.date_format(
            request.starts_at.astimezone(SHANGHAI), "DATETIME_FORMAT"
        )
    assert asked.body == (
        f"Cora Lin asks to move “Deep clean” to {new_when}. Please answer."
    )
    told_back = Notification.objects.get(event=answered)
    assert told_back.recipient == customer
    assert told_back.title == "你的預約時間已更改"
