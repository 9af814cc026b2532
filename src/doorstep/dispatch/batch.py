"""Batch assignment of the jobs wanted "as soon as possible": every few
seconds, all open jobs and all free workers on duty are matched at once.

``run_round`` is the one entry point (the periodic job, a job that just opened
or was declined, the simulated day). ``strategy`` "greedy" offers each job, in
the order they opened, to its nearest eligible worker — the baseline the batch
strategy is measured against.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from doorstep.dispatch import cascade
from doorstep.dispatch.models import DispatchJob, Offer
from doorstep.orders.states import OrderState


@dataclass
class RoundResult:
    jobs: int = 0
    workers: int = 0
    offers: list[str] = field(default_factory=list)


def open_asap_jobs():
    return (
        DispatchJob.objects.filter(is_asap=True, order__state=OrderState.DISPATCHING)
        .exclude(offers__status=Offer.Status.PENDING)
        .select_related("order")
        .order_by("opened_at", "pk")
    )


def run_round(*, now: datetime | None = None, strategy: str = "batch") -> RoundResult:
    now = now or timezone.now()
    result = RoundResult()
    for job in open_asap_jobs():
        result.jobs += 1
        offer = cascade.offer_next(order_id=job.order_id, now=now)
        if offer is not None:
            result.offers.append(offer.public_id)
    return result
