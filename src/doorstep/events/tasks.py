from django.utils import timezone
from django_tasks import task

from doorstep.events.consumers import consumers_for
from doorstep.events.models import Event


@task()
def deliver_event(event_id: int) -> None:
    """Hand one event to its consumers, then mark it delivered."""
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return
    for consume in consumers_for(event.topic):
        consume(event)
    Event.objects.filter(pk=event_id, delivered_at__isnull=True).update(
        delivered_at=timezone.now()
    )
