"""The follow-up survey's invitation: the ``survey.invited`` event (written by
``surveys.invite_to_survey``) becomes one ``follow_up_survey`` notification to
the order's customer, made and sent by the notifications app as for any other
event (idempotent on the event: a repeat tells nobody twice)."""

from zoneinfo import ZoneInfo

from doorstep.events.models import Event
from doorstep.notifications.consumers import Planned
from doorstep.notifications.models import Kind
from doorstep.support.models import SurveyInvitation


def plan_for(event: Event) -> list[Planned]:
    if event.topic != "survey.invited":
        return []
    invitation = (
        SurveyInvitation.objects.filter(public_id=event.subject)
        .select_related("order__provider", "customer")
        .first()
    )
    if invitation is None or invitation.is_answered:
        return []
    order = invitation.order
    return [
        Planned(
            invitation.customer,
            Kind.FOLLOW_UP_SURVEY,
            "follow_up_survey",
            url=invitation.get_absolute_url(),
            params={
                "title": order.title,
                "provider": order.provider.display_name if order.provider else "",
                "when": order.starts_at.astimezone(ZoneInfo(order.time_zone or "UTC")),
            },
        )
    ]


def on_event(event: Event) -> None:
    from doorstep.notifications.services import notify_about_event

    planned = plan_for(event)
    if planned:
        notify_about_event(event=event, planned=planned)
