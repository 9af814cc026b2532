from django_tasks import task

from doorstep.events.services import deliver_event_now, deliver_overdue_events


@task()
def deliver_event(event_id: int) -> bool:
    """Hand one event to its consumers, then mark it delivered (once)."""
    return deliver_event_now(event_id=event_id)


def sweep_undelivered_events() -> dict[str, object]:
    """Periodic job ``deliver_overdue_events`` (see ``doorstep.periodic.jobs``)."""
    return deliver_overdue_events()
