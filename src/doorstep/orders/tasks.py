from django_tasks import task

from doorstep.orders.engine import fire_due_timers, fire_timer_now


@task()
def fire_timer(timer_id: int) -> bool:
    return fire_timer_now(timer_id)


def sweep_timers() -> int:
    """Periodic job ``fire_order_timers`` (see ``doorstep.periodic.jobs``): fire
    overdue timers whose own task was lost. Returns how many fired."""
    return fire_due_timers()
