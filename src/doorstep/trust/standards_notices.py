"""Notices about standards enforcement, from the ``standards.*`` events (as
``notifications.consumers`` does for orders): the provider hears of each strike,
each change of standing and each appeal decision (kind ``standards``); the
customer of an order cancelled by a suspension hears it was refunded and gets a
link to the same category's other providers. Delivered at least once;
``notify_about_event`` makes each notification once."""

from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils.http import urlencode

from doorstep.core.money import Money
from doorstep.events.models import Event
from doorstep.notifications.consumers import Planned
from doorstep.notifications.models import Kind
from doorstep.orders.models import Order
from doorstep.trust.standards_models import (
    Appeal,
    ProviderStanding,
    ReasonCode,
    StandingLevel,
    Strike,
)

LEVEL_WORDING = {
    StandingLevel.GOOD: "standards_restored",
    StandingLevel.WARNED: "standards_warned",
    StandingLevel.RESTRICTED: "standards_restricted",
    StandingLevel.SUSPENDED: "standards_suspended",
}


def on_standards_event(event: Event) -> None:
    from doorstep.notifications.services import notify_about_event

    planned = plan_for(event)
    if planned:
        notify_about_event(event=event, planned=planned)


def _standards_url() -> str:
    return reverse("standards:provider")


def plan_for(event: Event) -> list[Planned]:
    planner = {
        "standards.strike": _strike,
        "standards.standing": _standing,
        "standards.appeal_decided": _appeal_decided,
        "standards.order_cancelled": _order_cancelled,
    }.get(event.topic)
    return planner(event) if planner is not None else []


def _strike(event: Event) -> list[Planned]:
    strike = (
        Strike.objects.select_related("provider__user", "order", "fine")
        .filter(public_id=event.subject)
        .first()
    )
    if strike is None:
        return []
    params: dict[str, object] = {
        "trigger": strike.get_trigger_display(),
        "title": strike.order.title if strike.order else "",
        "points": strike.points,
    }
    fine = getattr(strike, "fine", None)
    wording = "standards_strike"
    if fine is not None:
        wording = "standards_strike_fined"
        params["amount"] = Money(fine.amount, fine.currency)
    return [
        Planned(strike.provider.user, Kind.STANDARDS, wording, _standards_url(), params)
    ]


def _standing(event: Event) -> list[Planned]:
    standing = (
        ProviderStanding.objects.select_related("provider__user")
        .filter(provider__public_id=event.subject)
        .first()
    )
    if standing is None:
        return []
    level = StandingLevel(event.payload.get("to", standing.level))
    code = event.payload.get("reason_code") or standing.reason_code
    reason = ReasonCode(code).label if code in ReasonCode.values else ""
    return [
        Planned(
            standing.provider.user,
            Kind.STANDARDS,
            LEVEL_WORDING[level],
            _standards_url(),
            {"reason": reason},
        )
    ]


def _appeal_decided(event: Event) -> list[Planned]:
    appeal = (
        Appeal.objects.select_related("provider__user")
        .filter(public_id=event.subject)
        .first()
    )
    if appeal is None or appeal.status == Appeal.Status.OPEN:
        return []
    wording = (
        "standards_appeal_overturned"
        if appeal.status == Appeal.Status.OVERTURNED
        else "standards_appeal_upheld"
    )
    return [
        Planned(
            appeal.provider.user,
            Kind.STANDARDS,
            wording,
            _standards_url(),
            {"reason": appeal.decision_reason},
        )
    ]


def _order_cancelled(event: Event) -> list[Planned]:
    order = (
        Order.objects.select_related("customer", "listing__category")
        .filter(public_id=event.subject)
        .first()
    )
    if order is None:
        return []
    category = order.listing.category if order.listing_id else None
    slug = event.payload.get("category") or (category.slug if category else "")
    url = reverse("search:search")
    if slug:
        url = f"{url}?{urlencode({'category': slug})}"
    when = order.starts_at.astimezone(ZoneInfo(order.time_zone or "UTC"))
    return [
        Planned(
            order.customer,
            Kind.ORDER_CANCELLED,
            "standards_order_cancelled",
            url,
            {
                "title": order.title,
                "when": when,
                "category": category if category else order.title,
            },
        )
    ]
