from django.db import transaction

from doorstep.events.models import Event


def record_event(*, topic: str, subject: str, payload: dict | None = None) -> Event:
    """Write an event in the caller's transaction; deliver it after commit.

    Must be called inside ``transaction.atomic``: the event exists exactly when the
    change it describes does.
    """
    event = Event.objects.create(topic=topic, subject=subject, payload=payload or {})

    def enqueue() -> None:
        from doorstep.events.tasks import deliver_event

        deliver_event.enqueue(event.pk)

    transaction.on_commit(enqueue)
    return event
