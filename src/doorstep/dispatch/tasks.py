from django_tasks import task

from doorstep.dispatch import cascade


@task()
def dispatch_order(order_id: int) -> str | None:
    """Find a worker for the order's job: a batch round for jobs wanted as soon
    as possible, the next candidate for a booked time."""
    from doorstep.dispatch import batch
    from doorstep.dispatch.models import DispatchJob

    if DispatchJob.objects.filter(order_id=order_id, is_asap=True).exists():
        return ",".join(batch.run_round().offers) or None
    offer = cascade.offer_next(order_id=order_id)
    return offer.public_id if offer else None


@task()
def lapse_offer(offer_id: int) -> bool:
    """An offer's own timer, queued for when its window closes
    (``cascade.make_offer``): lapse it and pass the job on if still unanswered."""
    return cascade.lapse_offer(offer_id=offer_id)


def run_batch_round() -> dict:
    """Periodic job ``assign_asap_jobs``: one batch round."""
    from doorstep.dispatch import batch

    result = batch.run_round()
    return {"jobs": result.jobs, "offers": len(result.offers)}


def sweep_offers() -> int:
    """Periodic job ``lapse_dispatch_offers``: close offers nobody answered in
    time and pass their jobs on."""
    return cascade.lapse_offers()


def retry_unplaced_jobs() -> int:
    """Periodic job ``retry_unplaced_dispatch_jobs``: look again for a worker
    for the jobs nobody was found for, while their promise can be kept."""
    return cascade.retry_unplaced_jobs()


def check_promises() -> dict:
    """Periodic job ``check_dispatch_promises``: act on broken promises."""
    from doorstep.dispatch import sla

    return sla.check_promises()
