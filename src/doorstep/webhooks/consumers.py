"""The outbox consumers of outgoing webhooks (see ``events.consumers``)."""

from doorstep.events.models import Event


def on_event(event: Event) -> None:
    """Order, review, quote and payout events become deliveries (idempotent)."""
    from doorstep.webhooks.services import fan_out_event

    fan_out_event(event=event)


def on_webhook_event(event: Event) -> None:
    """An endpoint turned off for its owner's receiver (410, days of failures)
    or by ops: its owner is told (once per event, by ``notify_about_event``)."""
    from django.urls import reverse

    from doorstep.notifications.consumers import Planned
    from doorstep.notifications.models import Kind
    from doorstep.notifications.services import notify_about_event
    from doorstep.webhooks.models import DisabledReason, Endpoint

    if event.topic != "webhook.endpoint_disabled":
        return
    endpoint = (
        Endpoint.objects.select_related("owner").filter(public_id=event.subject).first()
    )
    if endpoint is None:
        return
    reason = event.payload.get("reason", "")
    planned = Planned(
        endpoint.owner,
        # No kind of its own yet (adding one is a notifications migration).
        Kind.ORDER_UPDATE,
        "webhook_endpoint_disabled",
        url=reverse("webhooks:endpoint", args=[endpoint.public_id]),
        params={
            "url": endpoint.url,
            "reason": DisabledReason(reason).label if reason else "",
        },
    )
    notify_about_event(event=event, planned=[planned])
