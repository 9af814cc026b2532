"""Outgoing webhooks in the demo: the demo provider's endpoint for its booking
system, with a delivery log of its recent order events — one delivered at once,
one delivered on the second try after a 500, one that timed out before it was
delivered.

The endpoint points at a documentation host and is turned off by its owner, so
the demo never sends anything: its rows are written directly (registration
would resolve the host, which an offline demo cannot), and the log is history
as the sender would have written it.
"""

from datetime import datetime, timedelta

from doorstep.accounts.models import User
from doorstep.events.models import Event
from doorstep.orders.models import Order
from doorstep.webhooks import catalogue, signing
from doorstep.webhooks.models import Attempt, Delivery, DisabledReason, Endpoint
from doorstep.webhooks.payloads import describe
from doorstep.webhooks.services import message_body

DEMO_URL = "https://hooks.example.com/doorstep"
# (status code or None for a timeout, milliseconds) of each attempt, in order.
HISTORIES = (
    ((200, 84),),
    ((500, 131), (200, 96)),
    ((None, 10003), (None, 10002), (200, 142)),
)


def seed_webhooks(*, logins: dict[str, User], now: datetime) -> dict[str, int]:
    provider = logins["provider"]
    endpoint = Endpoint.objects.create(
        owner=provider,
        url=DEMO_URL,
        description="Booking system (demo: turned off, sends nothing)",
        event_types=["order.*", "review.revealed"],
        enabled=False,
        disabled_reason=DisabledReason.OWNER,
        disabled_at=now,
        secret=signing.new_secret(),
        created_at=now - timedelta(days=30),
        updated_at=now,
    )
    orders = Order.objects.filter(provider__user=provider).values_list(
        "public_id", flat=True
    )
    events = Event.objects.filter(
        subject__in=list(orders), topic__in=list(catalogue.event_types())
    ).order_by("-occurred_at", "-pk")[: len(HISTORIES)]
    made = 0
    for event, history in zip(events, HISTORIES, strict=False):
        facts = describe(event)
        if facts is None:
            continue
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            event=event,
            event_type=event.topic,
            body=message_body(event.topic, event.occurred_at, facts.data),
            status=Delivery.Status.DELIVERED,
            attempts=len(history),
            last_status_code=history[-1][0],
            created_at=event.occurred_at,
        )
        moment = event.occurred_at
        delays = (timedelta(0), timedelta(seconds=5), timedelta(minutes=5))
        for number, ((code, millis), delay) in enumerate(
            zip(history, delays, strict=False), start=1
        ):
            moment += delay
            Attempt.objects.create(
                delivery=delivery,
                number=number,
                started_at=moment,
                duration_ms=millis,
                status_code=code,
                error="" if code else "ReadTimeout: timed out after 10 s",
                response_body='{"ok":true}' if code == 200 else "",
            )
        delivery.delivered_at = moment
        delivery.save(update_fields=["delivered_at"])
        made += 1
    return {"webhook_endpoints": 1, "webhook_deliveries": made}
