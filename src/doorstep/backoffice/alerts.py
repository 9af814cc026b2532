"""Ops hear of new work: a periodic job (``alert_ops_of_new_queue_items`` in
``periodic.jobs``) counts, for each ops queue, the items that arrived since its
last run and records one ``ops.new_queue_items`` event naming them. The
notifications app turns that event into one digest per ops person, listing only
the queues their role sees (``notifications.consumers``) — not one message per
item, and nothing when nothing new arrived.

Cheap: one indexed COUNT per queue (``since_field > watermark``), one row per
queue to remember the watermark.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from doorstep.backoffice.models import QueueWatermark
from doorstep.backoffice.queues import OpsQueue, all_queues
from doorstep.events.services import record_event

TOPIC = "ops.new_queue_items"


def new_items(queue: OpsQueue, *, since: datetime, until: datetime) -> int:
    return (
        queue.waiting()
        .filter(
            **{f"{queue.since_field}__gt": since, f"{queue.since_field}__lte": until}
        )
        .count()
    )


@transaction.atomic
def alert_ops_of_new_queue_items(*, now: datetime | None = None) -> dict[str, int]:
    """Count each queue's items that started waiting since the last run, move
    the watermarks and, if any arrived, record the event ops are told from.
    A queue seen for the first time starts its watermark now (its backlog is on
    the ops home already). Returns the new items per queue."""
    now = now or timezone.now()
    marks = {
        mark.queue: mark
        for mark in QueueWatermark.objects.select_for_update().filter(
            queue__in=[queue.key for queue in all_queues()]
        )
    }
    arrived: dict[str, int] = {}
    for queue in all_queues():
        mark = marks.get(queue.key)
        if mark is None:
            QueueWatermark.objects.create(queue=queue.key, seen_until=now)
            continue
        count = new_items(queue, since=mark.seen_until, until=now)
        if count:
            arrived[queue.key] = count
        mark.seen_until = now
        mark.save(update_fields=["seen_until"])
    if arrived:
        record_event(
            topic=TOPIC,
            subject=f"{now:%Y%m%dT%H%M%S}",
            payload={
                "queues": [
                    {"key": key, "count": count} for key, count in arrived.items()
                ],
            },
        )
    return arrived
