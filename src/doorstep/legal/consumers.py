"""Telling everyone about a new material version: the ``policy.published``
event (written by ``services.publish_version``) becomes one ``policy``
notification per active account, made and sent by the notifications app as for
any other event (idempotent on the event, so a repeat tells nobody twice)."""

from django.db.models import Exists, OuterRef
from django.urls import reverse

from doorstep.accounts.models import User
from doorstep.events.models import Event
from doorstep.legal.models import Document, PolicyAcceptance, PolicyVersion
from doorstep.notifications.consumers import Planned
from doorstep.notifications.models import Kind


def plan_for(event: Event) -> list[Planned]:
    if event.topic != "policy.published":
        return []
    version = PolicyVersion.objects.filter(public_id=event.subject).first()
    if version is None or not version.material:
        return []
    url = reverse("legal:accept")
    # Whoever already accepted it (or a later version) by the time the event
    # is delivered — a person who signed up meanwhile — needs no notice.
    accepted = PolicyAcceptance.objects.filter(
        user=OuterRef("pk"),
        version__document=version.document,
        version__number__gte=version.number,
    )
    people = (
        User.objects.filter(is_active=True, deleted_at__isnull=True)
        .exclude(Exists(accepted))
        .order_by("pk")
    )
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
