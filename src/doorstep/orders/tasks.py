from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from doorstep.orders.engine import fire_due_timers, fire_timer_now

SWEEP_EVERY = timedelta(minutes=1)


@task()
def fire_timer(timer_id: int) -> bool:
    return fire_timer_now(timer_id)


@task()
def sweep_timers(reschedule: bool = True) -> int:
    """Fire overdue timers, then queue the next sweep (a self-renewing schedule
    that survives worker restarts because the next run is a row in the queue)."""
    fired = fire_due_timers()
    if reschedule:
        sweep_timers.using(run_after=timezone.now() + SWEEP_EVERY).enqueue()
    return fired
