"""The event types an endpoint can subscribe to, said once and published in the
API (``GET /webhooks/event-types``).

They are the outbox topics (``events.consumers``) of the families an
integrator may hear about: orders, reviews, quotes and payouts. Order types
come from the process definitions themselves (a transition or a reminder timer
is an event ``order.<name>``), so a new transition is in the catalogue without
anyone listing it here. Moderation topics (``review.reported``,
``review.flagged``) stay out: they would tell a provider who reported whom.
"""

from dataclasses import dataclass
from functools import cache

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

WILDCARD = "*"
TEST_EVENT_TYPE = "webhook.test"


@dataclass(frozen=True)
class Family:
    name: str
    description: Promise


@dataclass(frozen=True)
class EventType:
    name: str
    family: str
    description: str | Promise


FAMILIES = (
    Family("order", _("An order was created or moved to another state.")),
    Family("review", _("A review was written, revealed, answered or hidden.")),
    Family("quote", _("A request for quotes or one of its quotes changed.")),
    Family("payout", _("A payout to a provider was paid or failed.")),
)

_ORDER_EXTRA = {
    "created": _("An order was placed."),
    "payment_failed": _("Paying for an order failed."),
    "reschedule_proposed": _("A new time was proposed for an order."),
    "reschedule_declined": _("A proposed new time was declined."),
    "rescheduled": _("An order moved to a new time."),
    "response_late": _("The provider has not answered a request in time."),
    "arrival_late": _("The provider is late for the job."),
}
_REVIEW = {
    "submitted": _("A review was written (its words stay hidden until revealed)."),
    "revealed": _("A review became public."),
    "replied": _("The provider answered a review."),
    "hidden": _("The operator hid a review."),
    "unhidden": _("The operator showed a hidden review again."),
    "window_closed": _("The time to review an order ended."),
}
_QUOTE = {
    "request_posted": _("A customer asked for quotes."),
    "sent": _("A provider sent a quote."),
    "revised": _("A provider revised a quote."),
    "countered": _("A customer made a counter-offer."),
    "hired": _("A customer hired a provider on a quote."),
    "declined": _("A quote was declined."),
    "withdrawn": _("A provider withdrew a quote."),
    "expired": _("A quote expired."),
    "request_expired": _("A request for quotes expired."),
    "request_cancelled": _("A customer cancelled a request for quotes."),
    "lead_fee_refunded": _("A provider's lead fee was refunded."),
}
_PAYOUT = {
    "paid": _("A payout reached the provider's account."),
    "failed": _("A payout failed and the money went back to the balance."),
}


@cache
def event_types() -> dict[str, EventType]:
    from doorstep.orders.processes import processes

    found: dict[str, EventType] = {}

    def add(family: str, name: str, description) -> None:
        found.setdefault(
            f"{family}.{name}", EventType(f"{family}.{name}", family, description)
        )

    for process in processes().values():
        for transition in process.transitions:
            add("order", transition.name, transition.label)
        for timer in process.timers:
            if timer.transition is None:
                add("order", timer.name, _("A reminder before the job."))
    for family, names in (
        ("order", _ORDER_EXTRA),
        ("review", _REVIEW),
        ("quote", _QUOTE),
        ("payout", _PAYOUT),
    ):
        for name, description in names.items():
            add(family, name, description)
    return dict(sorted(found.items()))


def is_known_filter(value: str) -> bool:
    """An event type, or a family wildcard (``order.*``)."""
    if value.endswith("." + WILDCARD):
        return value[:-2] in {family.name for family in FAMILIES}
    return value in event_types()


def matches(filters: list[str], event_type: str) -> bool:
    """Whether an endpoint with ``filters`` (empty: everything) takes ``event_type``."""
    if not filters:
        return True
    family = event_type.split(".", 1)[0]
    return event_type in filters or f"{family}.{WILDCARD}" in filters
