"""The analytics consumer: keeps the rollups current as orders, reviews and
surveys change (registered in ``doorstep.events.consumers.CONSUMERS`` for
``order.``, ``review.`` and ``survey.``).

Idempotent by construction: it does not add a delta, it recomputes every day
and party the event's order can have moved (``rollups.touched_by_order``) from
the source tables, so a repeated or late delivery writes the same rows.

Money moves (captures, refunds) are journal entries without an event of their
own, often written by a money flow after the event was delivered: the periodic
job ``follow_ledger_for_analytics`` (every minute) follows the ledger for them
(``rollups.follow_ledger``), outside event delivery, so that a busy ledger never
slows the other consumers down.
"""

from doorstep.analytics import rollups
from doorstep.events.models import Event
from doorstep.orders.models import Order
from doorstep.reviews.models import Review
from doorstep.support.models import SurveyInvitation


def order_of(event: Event) -> int | None:
    """The id of the order an event is about, or ``None``."""
    subject = event.subject
    if event.topic.startswith("order."):
        return (
            Order.objects.filter(public_id=subject).values_list("pk", flat=True).first()
        )
    if event.topic.startswith("review."):
        found = (
            Review.objects.filter(public_id=subject)
            .values_list("order_id", flat=True)
            .first()
        )
        if found is None:  # "review.window_closed" names the order
            found = (
                Order.objects.filter(public_id=subject)
                .values_list("pk", flat=True)
                .first()
            )
        return found
    if event.topic.startswith("survey."):
        return (
            SurveyInvitation.objects.filter(public_id=subject)
            .values_list("order_id", flat=True)
            .first()
        )
    return None


def on_event(event: Event) -> None:
    order_id = order_of(event)
    if order_id is not None:
        rollups.refresh_order(order_id)
