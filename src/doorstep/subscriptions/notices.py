"""Notices about a provider's plan, from the ``subscription.*`` events (kind
``plan``): each billing step and change is told to the provider, in their
language (``notifications.wording``). Delivered at least once;
``notify_about_event`` makes each notification once."""

from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from doorstep.core.money import Money
from doorstep.events.models import Event
from doorstep.notifications.consumers import Planned
from doorstep.notifications.models import Kind
from doorstep.subscriptions.models import Subscription


class _PlanName:
    """The plan's name, looked up when the wording is rendered (in the
    recipient's language), not when the event is read."""

    def __init__(self, plan) -> None:
        self.plan = plan

    def __str__(self) -> str:
        return self.plan.name


def on_subscription_event(event: Event) -> None:
    from doorstep.notifications.services import notify_about_event

    planned = plan_for(event)
    if planned:
        notify_about_event(event=event, planned=planned)


def _when(value: str) -> datetime | str:
    if not value:
        return ""
    return timezone.localtime(datetime.fromisoformat(value))


def _wording(step: str, payload: dict) -> str | None:
    if step == "started":
        return "plan_trial_started" if payload.get("trial_ends_at") else "plan_started"
    if step == "payment_failed":
        return (
            "plan_payment_failed"
            if payload.get("retry_at")
            else ("plan_payment_failed_final")
        )
    return {
        "renewed": "plan_renewed",
        "recovered": "plan_recovered",
        "expired": "plan_expired",
        "changed": "plan_changed",
        "cancelled": "plan_cancelled",
        "ended": "plan_ended",
    }.get(step)


def plan_for(event: Event) -> list[Planned]:
    step = event.topic.split(".", 1)[1]
    wording = _wording(step, event.payload)
    subscription = (
        Subscription.objects.select_related("provider__user", "plan")
        .filter(public_id=event.subject)
        .first()
    )
    if wording is None or subscription is None:
        return []
    payload = event.payload
    params: dict[str, object] = {
        "plan": _PlanName(subscription.plan),
        "when": _when(
            payload.get("period_end")
            or payload.get("ends_at")
            or payload.get("trial_ends_at")
            or ""
        ),
        "retry": _when(payload.get("retry_at", "")),
        "expires": _when(payload.get("expires_at", "")),
    }
    if "amount" in payload and "currency" in payload:
        params["amount"] = Money(payload["amount"], payload["currency"])
    return [
        Planned(
            subscription.provider.user,
            Kind.PLAN,
            wording,
            reverse("subscriptions:plans"),
            params,
        )
    ]
