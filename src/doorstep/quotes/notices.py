"""Notices about requests for quotes, from the ``quote.*`` events (kind
``quote_update``): invited providers hear of a new request, customers of each
quote and revision, providers of counters and of the outcome. Delivered at
least once; ``notify_about_event`` makes each notification once."""

from zoneinfo import ZoneInfo

from django.urls import reverse

from doorstep.core.money import Money
from doorstep.events.models import Event
from doorstep.notifications.consumers import Planned
from doorstep.notifications.models import Kind
from doorstep.quotes.models import JobRequest, Quote

KIND = Kind.QUOTE_UPDATE


def on_quote_event(event: Event) -> None:
    from doorstep.notifications.services import notify_about_event

    planned = plan_for(event)
    if planned:
        notify_about_event(event=event, planned=planned)


def _request_url(request: JobRequest) -> str:
    return reverse("quotes:request", args=[request.public_id])


def _invitation_url(quote_or_invitation) -> str:
    return reverse("quotes:invitation", args=[quote_or_invitation.public_id])


def plan_for(event: Event) -> list[Planned]:
    step = event.topic.split(".", 1)[1]
    if step in {"request_posted", "request_expired"}:
        request = (
            JobRequest.objects.select_related("customer", "category")
            .filter(public_id=event.subject)
            .first()
        )
        return [] if request is None else _about_request(request, step)
    quote = (
        Quote.objects.select_related(
            "request__customer", "provider__user", "invitation"
        )
        .filter(public_id=event.subject)
        .first()
    )
    return [] if quote is None else _about_quote(quote, step, event)


def _about_request(request: JobRequest, step: str) -> list[Planned]:
    params = {"title": request.title}
    if step == "request_expired":
        return [
            Planned(
                request.customer,
                KIND,
                "quote_request_expired",
                _request_url(request),
                params,
            )
        ]
    planned = []
    for invitation in request.invitations.select_related("provider__user"):
        zone = ZoneInfo(request.time_zone)
        planned.append(
            Planned(
                invitation.provider.user,
                KIND,
                "quote_requested",
                _invitation_url(invitation),
                {
                    **params,
                    "category": request.category.name,
                    "distance": f"{invitation.distance_km:.1f}",
                    "wanted_from": request.wanted_from.isoformat(),
                    "wanted_until": request.wanted_until.isoformat(),
                    "respond_by": invitation.respond_by.astimezone(zone),
                },
            )
        )
    return planned


def _about_quote(quote: Quote, step: str, event: Event) -> list[Planned]:
    request = quote.request
    params = {
        "title": request.title,
        "provider": quote.provider.display_name,
        "price": quote.job_price,
    }
    customer = [(request.customer, _request_url(request))]
    provider = [(quote.provider.user, _invitation_url(quote.invitation))]
    wording, extra, recipients = {
        "sent": ("quote_received", {}, customer),
        "revised": (
            "quote_revised",
            {"previous": Money(quote.previous_job_amount or 0, quote.currency)},
            customer,
        ),
        "countered": (
            "quote_countered",
            {"amount": Money(quote.counter_amount or 0, quote.currency)},
            provider,
        ),
        "withdrawn": ("quote_withdrawn", {}, customer),
        "not_chosen": ("quote_not_chosen", {}, provider),
        "expired": ("quote_expired", {}, provider),
        "lead_fee_refunded": (
            "quote_lead_fee_refunded",
            {"amount": Money(int(event.payload.get("amount", 0)), quote.currency)},
            provider,
        ),
    }.get(step, (None, {}, []))
    if wording is None:
        return []
    return [
        Planned(user, KIND, wording, url, {**params, **extra})
        for user, url in recipients
        if user is not None
    ]
