"""The scheduler's tick: a task that runs the due jobs and queues the next tick.

The schedule survives restarts because the next tick is a row in the task
queue; ``doorstep worker`` seeds a tick when it starts (``schedule_periodic``),
and ``services.book_next_tick`` keeps a single chain of ticks going however
many workers seed one.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from doorstep.periodic import services

logger = logging.getLogger(__name__)


@task()
def run_scheduler(chain: str = "", reschedule: bool = True) -> int:
    """Queue the next tick first (a long job must not stall the schedule), then
    run every due job. Returns how many ran."""
    if reschedule and chain:
        _queue_next_tick(chain)
    return len(services.run_due_jobs())


def _queue_next_tick(chain: str) -> None:
    if not run_scheduler.get_backend().supports_defer:
        logger.warning("The task backend cannot delay tasks: the scheduler stops.")
        return
    with transaction.atomic():
        # Booking and queueing commit together: no booked tick without its task.
        next_tick = services.book_next_tick(chain=chain, now=timezone.now())
        if next_tick is not None:
            run_scheduler.using(run_after=next_tick).enqueue(chain=chain)


def start_scheduler() -> str:
    """Seed a tick chain; it takes the schedule over only if no chain owns it."""
    chain = services.new_chain()
    run_scheduler.enqueue(chain=chain)
    return chain
