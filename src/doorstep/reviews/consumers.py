"""What reviews do when orders move: an order that becomes ``completed`` opens
its review window (and so arms the timer that reveals its reviews).

Registered in ``doorstep.events.consumers.CONSUMERS`` for the prefix ``order.``;
delivered at least once, after commit, so it must be idempotent — opening a
window that is already open does nothing.
"""

from doorstep.events.models import Event
from doorstep.orders.models import Order
from doorstep.orders.states import REVIEWABLE_STATES
from doorstep.reviews.services import open_review_window

# The transitions that lead into ``completed``.
COMPLETING_TOPICS = frozenset(
    {"order.confirm", "order.auto_complete", "order.resolve_complete"}
)


def on_order_event(event: Event) -> None:
    if event.topic not in COMPLETING_TOPICS:
        return
    order = Order.objects.filter(public_id=event.subject).first()
    if order is None or order.state not in REVIEWABLE_STATES:
        return
    open_review_window(order=order)
