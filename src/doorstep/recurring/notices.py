"""Notices about a recurring booking, from the ``recurring.*`` events: the
customer hears of proposals, visits not served, refused charges, price
proposals and the provider's answer to the series (accepted, declined, the
acceptance withdrawn); the provider of new series (asked to accept one of a
request-to-book listing), paused and ended series and of the answer to a
price. Delivered at least once; ``notify_about_event`` makes each once."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from doorstep.core.money import Money
from doorstep.events.models import Event
from doorstep.notifications.consumers import Planned
from doorstep.notifications.models import Kind
from doorstep.recurring.models import Series, SeriesAcceptance, Visit

TO_CUSTOMER = {
    "visit_proposed": "recurring_visit_proposed",
    "visit_not_served": "recurring_visit_not_served",
    "visit_charge_failed": "recurring_charge_failed",
    "price_proposed": "recurring_price_proposed",
    "series_accepted": "recurring_series_accepted",
    "series_declined": "recurring_series_declined",
    "acceptance_withdrawn": "recurring_acceptance_withdrawn",
}
TO_PROVIDER = {
    "series_created": "recurring_started",
    "series_paused": "recurring_changed",
    "series_resumed": "recurring_changed",
    "series_ended": "recurring_changed",
    "price_accepted": "recurring_price_answered",
    "price_declined": "recurring_price_answered",
}
STATUS_WORDS = {
    "series_paused": _("paused"),
    "series_resumed": _("active again"),
    "series_ended": _("ended"),
    "price_accepted": _("accepted"),
    "price_declined": _("declined"),
}


def on_recurring_event(event: Event) -> None:
    from doorstep.notifications.services import notify_about_event

    planned = plan_for(event)
    if planned:
        notify_about_event(event=event, planned=planned)


def plan_for(event: Event) -> list[Planned]:
    step = event.topic.split(".", 1)[1]
    series = (
        Series.objects.select_related("customer", "provider__user", "listing")
        .filter(public_id=event.subject)
        .first()
    )
    if series is None:
        return []
    payload = event.payload
    zone = ZoneInfo(series.time_zone)
    params: dict[str, object] = {
        "service": series.listing.title,
        "customer": str(series.customer),
        "provider": series.provider.display_name,
        "day": "",
        "when": "",
        "amount": Money(payload.get("amount", series.price_amount), series.currency),
        "status": STATUS_WORDS.get(step, ""),
        "answer": STATUS_WORDS.get(step, ""),
    }
    visit = Visit.objects.filter(public_id=payload.get("visit", "")).first()
    if visit is not None:
        params["day"] = visit.occurrence.isoformat()
    if payload.get("starts_at"):
        params["when"] = datetime.fromisoformat(payload["starts_at"]).astimezone(zone)
    url = series.get_absolute_url()
    if step in TO_CUSTOMER:
        return [
            Planned(series.customer, Kind.ORDER_UPDATE, TO_CUSTOMER[step], url, params)
        ]
    if step in TO_PROVIDER:
        if step == "series_ended" and payload.get("reason") == "provider":
            return [
                Planned(
                    series.customer, Kind.ORDER_UPDATE, "recurring_changed", url, params
                )
            ]
        wording = TO_PROVIDER[step]
        if (
            step == "series_created"
            and payload.get("acceptance") == SeriesAcceptance.PENDING
        ):
            wording = "recurring_requested"
        return [Planned(series.provider.user, Kind.ORDER_UPDATE, wording, url, params)]
    return []
