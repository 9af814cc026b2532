"""Telling people about their agency: an invitation to someone who has an
account becomes a notification (kind ``agency``). Registered for the
``agency.`` topics in ``events.consumers``; idempotent like every consumer
(``notify_about_event`` creates on a unique key)."""

from django.urls import reverse

from doorstep.agencies.models import StaffInvitation
from doorstep.events.models import Event
from doorstep.notifications.consumers import Planned
from doorstep.notifications.models import Kind


def on_event(event: Event) -> None:
    from doorstep.notifications.services import notify_about_event

    if event.topic != "agency.invitation_sent":
        return
    invitation = (
        StaffInvitation.objects.select_related("agency")
        .filter(public_id=event.subject)
        .first()
    )
    if invitation is None:
        return
    from doorstep.agencies.services import user_with_contact

    user = user_with_contact(invitation.email, invitation.phone)
    if user is None:
        return
    notify_about_event(
        event=event,
        planned=[
            Planned(
                recipient=user,
                kind=Kind.AGENCY,
                wording="agency_invitation",
                url=reverse("agencies:invitations"),
                params={"agency": invitation.agency.name},
            )
        ],
    )
