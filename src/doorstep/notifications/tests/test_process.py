"""From the order engine to the customer's inbox: a transition records its event,
the event is delivered after commit, the notification and its e-mail follow —
all through the (immediate, in tests) task backend."""

import pytest

from doorstep.notifications.models import Notification
from doorstep.orders.engine import apply_transition

pytestmark = pytest.mark.django_db


def test_accepting_an_order_tells_the_customer_in_app_and_by_email(
    order,
    provider_user,
    customer,
    mailoutbox,
    sms_outbox,
    django_capture_on_commit_callbacks,
):
    # when the provider accepts through the engine
    with django_capture_on_commit_callbacks() as after_commit:
        apply_transition(order_id=order.pk, name="accept", user=provider_user)

    # and the transaction commits: the recorded event is queued (the order's
    # timers, meant for later, are left out: the immediate backend refuses them)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in after_commit:
            if callback.__qualname__.startswith("record_event."):
                callback()

    # then the customer has the notification, the e-mail and the text message
    notification = Notification.objects.get(recipient=customer)
    assert notification.title == "你的預約已確認"
    assert notification.event.topic == "order.accept"
    assert [m.to for m in mailoutbox] == [[customer.email]]
    assert mailoutbox[0].subject == "[Doorstep] 你的預約已確認"
    assert [m.to for m in sms_outbox] == [customer.phone]
    # and the event counts as delivered
    notification.event.refresh_from_db()
    assert notification.event.delivered_at is not None
