"""The ops queues: everything waiting for a person, declared by the app whose
work it is and shown together on the ops home with its size and the age of its
oldest item.

An app declares its queues in its ``ops_queues`` module (found when Django
starts)::

    from doorstep.backoffice.queues import OpsQueue, register

    register(OpsQueue(
        key="payout_requests",
        title=_("Payout requests"),
        url_name="payments:ops_payouts",
        permission=OpsPermission.APPROVE_PAYOUTS,
        waiting=lambda: Payout.objects.filter(status=Payout.Status.REQUESTED),
        since_field="requested_at",
    ))

``waiting`` returns the queryset of items waiting; ``since_field`` is the field
that says since when an item has been waiting.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, QuerySet
from django.urls import reverse
from django.utils.functional import Promise

from doorstep.backoffice.access import OpsPermission, has_ops_permission


@dataclass(frozen=True)
class OpsQueue:
    key: str
    title: Promise
    url_name: str
    waiting: Callable[[], QuerySet]
    since_field: str
    permission: OpsPermission | None = None  # None: every ops role

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class QueueSummary:
    queue: OpsQueue
    count: int
    oldest: datetime | None


_QUEUES: dict[str, OpsQueue] = {}


def register(queue: OpsQueue) -> OpsQueue:
    if queue.key in _QUEUES and _QUEUES[queue.key] != queue:
        raise ValueError(f"ops queue {queue.key!r} is registered twice")
    _QUEUES[queue.key] = queue
    return queue


def all_queues() -> list[OpsQueue]:
    return list(_QUEUES.values())


def queue_by_key(key: str) -> OpsQueue | None:
    return _QUEUES.get(key)


def queues_for(user) -> list[OpsQueue]:
    return [
        queue
        for queue in _QUEUES.values()
        if queue.permission is None or has_ops_permission(user, queue.permission)
    ]


def summarise(queue: OpsQueue) -> QueueSummary:
    """The queue's size and its oldest item's start, in one query."""
    totals = queue.waiting().aggregate(oldest=Min(queue.since_field), count=Count("pk"))
    return QueueSummary(queue, totals["count"], totals["oldest"])
