"""Telling everyone about a new material version: the ``policy.published``
event (written by ``services.publish_version``) becomes one ``policy``
notification per active account, made and sent by the notifications app as for
any other event (idempotent on the event, so a repeat tells nobody twice)."""

from django.urls import reverse

from doorstep.accounts.models import User
from doorstep.events.models import Event
from doorstep.legal.models import Document, PolicyVersion
from doorstep.notifications.consumers import Planned
from doorstep.notifications.models import Kind


def plan_for(event: Event) -> list[Planned]:
    if event.topic != "policy.published":
        return []
    version = PolicyVersion.objects.filter(public_id=event.subject).first()
    if version is None or not version.material:
        return []
    url = reverse("legal:accept")
    people = User.objects.filter(is_active=True, deleted_at__isnull=True).order_by("pk")
    return [
        Planned(
            user,
            Kind.POLICY,
            "policy_updated",
            url=url,
            # Rendered in each recipient's language: the label is lazy.
            params={"document": Document(version.document).label},
        )
        for user in people.iterator(chunk_size=1000)
    ]


def on_event(event: Event) -> None:
    from doorstep.notifications.services import notify_about_event

    planned = plan_for(event)
    if planned:
        notify_about_event(event=event, planned=planned)
