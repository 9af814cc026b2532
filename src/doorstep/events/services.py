"""Writing events (the outbox) and delivering them to their consumers, once."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from doorstep.events.models import Event
from doorstep.observability.metrics import count_event

logger = logging.getLogger(__name__)

# The sweep leaves an event this long to its own task before delivering it.
DELIVERY_GRACE = timedelta(minutes=2)
# After this many failed deliveries the sweep stops trying and tells ops.
MAX_DELIVERY_ATTEMPTS = 5


def record_event(*, topic: str, subject: str, payload: dict | None = None) -> Event:
    """Write an event in the caller's transaction; deliver it after commit.

    Must be called inside ``transaction.atomic``: the event exists exactly when the
    change it describes does. If the process dies between the commit and the
    enqueue, ``deliver_overdue_events`` (a periodic job) delivers it later.
    """
    event = Event.objects.create(topic=topic, subject=subject, payload=payload or {})

    def enqueue() -> None:
        from doorstep.events.tasks import deliver_event

        # The one place events (booking outcomes among them) are counted.
        count_event(topic)
        deliver_event.enqueue(event.pk)

    transaction.on_commit(enqueue)
    return event


def deliver_event_now(*, event_id: int, now: datetime | None = None) -> bool:
    """Hand one event to its consumers and mark it delivered, in one
    transaction. Returns whether this call delivered it.

    The conditional UPDATE that marks it delivered is the claim: of a task and
    a sweep (or two sweeps) arriving together, one wins and the other finds it
    delivered — so consumers see each event once. If a consumer raises, the
    whole delivery rolls back, the attempt is counted, and a later sweep tries
    again (consumers must be idempotent all the same).
    """
    from doorstep.events.consumers import consumers_for

    now = now or timezone.now()
    try:
        with transaction.atomic():
            undelivered = Event.objects.filter(pk=event_id, delivered_at__isnull=True)
            claimed = undelivered.update(delivered_at=now)
            if not claimed:
                return False
            event = Event.objects.get(pk=event_id)
            for consume in consumers_for(event.topic):
                consume(event)
    except Exception as error:
        Event.objects.filter(pk=event_id).update(
            delivery_attempts=F("delivery_attempts") + 1,
            last_delivery_error=f"{type(error).__name__}: {error}"[:500],
        )
        raise
    return True


def deliver_overdue_events(
    *, now: datetime | None = None, grace: timedelta = DELIVERY_GRACE, limit: int = 500
) -> dict[str, object]:
    """The sweep: deliver events still undelivered ``grace`` after they happened
    (their task was lost: the process died between commit and enqueue, or the
    queue was flushed). Reads the ``event_undelivered`` index."""
    now = now or timezone.now()
    overdue = list(
        Event.objects.filter(
            delivered_at__isnull=True,
            occurred_at__lte=now - grace,
            delivery_attempts__lt=MAX_DELIVERY_ATTEMPTS,
        )
        .order_by("occurred_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    delivered = failed = 0
    for event_id in overdue:
        try:
            delivered += deliver_event_now(event_id=event_id, now=now)
        except Exception:  # counted on the event; the next sweep tries again
            logger.exception("delivering event %s failed", event_id)
            failed += 1
    given_up = Event.objects.filter(
        delivered_at__isnull=True, delivery_attempts__gte=MAX_DELIVERY_ATTEMPTS
    ).count()
    result: dict[str, object] = {"delivered": delivered, "failed": failed}
    if given_up:
        result["attention"] = (
            f"{given_up} event(s) failed {MAX_DELIVERY_ATTEMPTS} deliveries and "
            "wait for ops (events.Event with delivery_attempts set)"
        )
    return result
