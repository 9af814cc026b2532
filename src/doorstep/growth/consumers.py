"""What growth does when orders and reviews move (registered in
``events.consumers``; delivered at least once, after commit, so idempotent).

- An order that ends without being done (payment expired, declined,
  cancelled, refunded…) gives its code, credit and points back.
- A customer's first published review earns points, once.
"""

from django.conf import settings
from django.utils import timezone

from doorstep.events.models import Event
from doorstep.growth import checkout
from doorstep.growth.models import RewardLot
from doorstep.growth.rewards import grant
from doorstep.orders.models import Order
from doorstep.orders.states import TERMINAL_STATES, OrderState
from doorstep.reviews.models import Direction, Review

FELL_THROUGH = TERMINAL_STATES - {OrderState.COMPLETED}


def on_order_event(event: Event) -> None:
    if (event.payload or {}).get("to") not in FELL_THROUGH:
        return
    order = Order.objects.filter(public_id=event.subject).first()
    if order is not None and order.state in FELL_THROUGH:
        checkout.release(order, now=timezone.now())


def on_review_event(event: Event) -> None:
    if event.topic != "review.revealed":
        return
    review = (
        Review.objects.filter(
            public_id=event.subject, direction=Direction.CUSTOMER_REVIEWS_PROVIDER
        )
        .select_related("order", "author")
        .first()
    )
    if review is None or review.author is None:
        return
    first = (
        Review.objects.filter(
            author=review.author,
            direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
            revealed_at__isnull=False,
        )
        .order_by("revealed_at", "pk")
        .first()
    )
    if first is None or first.pk != review.pk:
        return
    grant(
        user=review.author,
        kind=RewardLot.Kind.POINTS,
        source=RewardLot.Source.FIRST_REVIEW,
        source_ref=review.public_id,
        amount=settings.DOORSTEP_POINTS_FIRST_REVIEW,
        currency=review.order.currency,
        now=timezone.now(),
    )
