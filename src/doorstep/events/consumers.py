"""Who listens to which events. Explicit, so a reader can see every consumer.

Each consumer is ``(topic prefix, dotted path of a callable taking the Event)``.
Consumers must be idempotent: an event may be delivered more than once.
"""

from collections.abc import Callable
from functools import cache

from django.utils.module_loading import import_string

from doorstep.events.models import Event

CONSUMERS: list[tuple[str, str]] = [
    ("order.", "doorstep.reviews.consumers.on_order_event"),
    ("order.", "doorstep.notifications.consumers.on_event"),
    ("message.", "doorstep.notifications.consumers.on_event"),
    ("review.", "doorstep.notifications.consumers.on_event"),
    ("payout.", "doorstep.notifications.consumers.on_event"),
    ("ops.", "doorstep.notifications.consumers.on_event"),
    ("verification.", "doorstep.notifications.consumers.on_event"),
    # Standards enforcement (trust): penalties from order events, and notices.
    ("order.", "doorstep.trust.standards.on_order_event"),
    ("standards.", "doorstep.trust.standards_notices.on_standards_event"),
    ("policy.", "doorstep.legal.consumers.on_event"),
    # Platform dispatch: job offers to workers, "still looking" to customers.
    ("dispatch.", "doorstep.notifications.consumers.on_event"),
    # Agencies: invitations to people with an account become notifications.
    ("agency.", "doorstep.agencies.consumers.on_event"),
    # Support tickets: answers to requesters, replies to assignees, SLA alerts.
    ("support.", "doorstep.notifications.consumers.on_event"),
    # Support: the follow-up survey a day after a job becomes a notification.
    ("survey.", "doorstep.support.consumers.on_event"),
    # Disputes (support): both sides hear of each step.
    ("dispute.", "doorstep.support.dispute_notices.on_dispute_event"),
    # Warranty and guarantee claims: each step told to the parties.
    ("claim.", "doorstep.notifications.consumers.on_event"),
    # Requests for quotes: invitations, quotes, counters, hires, refunds.
    ("quote.", "doorstep.quotes.notices.on_quote_event"),
    # Growth: codes, credit and points come back when an order falls through;
    # a first review earns points.
    ("order.", "doorstep.growth.consumers.on_order_event"),
    ("review.", "doorstep.growth.consumers.on_review_event"),
    ("growth.", "doorstep.growth.notices.on_growth_event"),
    # Provider plans: renewals, failed payments (dunning), changes, endings.
    ("subscription.", "doorstep.subscriptions.notices.on_subscription_event"),
    # Recurring bookings: proposals, refused charges, price changes, endings.
    ("recurring.", "doorstep.recurring.notices.on_recurring_event"),
    # Invoicing: receipts, credit notes and fee invoices as the money moves.
    ("order.", "doorstep.invoicing.consumers.on_order_event"),
    # Analytics: the rollups of the days an order, a review or a survey moved
    # recomputed (and the ledger followed for money without events).
    ("order.", "doorstep.analytics.consumers.on_event"),
    ("review.", "doorstep.analytics.consumers.on_event"),
    ("survey.", "doorstep.analytics.consumers.on_event"),
    # Outgoing webhooks: one delivery per endpoint that takes the event; and
    # the owner told when their endpoint is turned off.
    ("order.", "doorstep.webhooks.consumers.on_event"),
    ("review.", "doorstep.webhooks.consumers.on_event"),
    ("quote.", "doorstep.webhooks.consumers.on_event"),
    ("payout.", "doorstep.webhooks.consumers.on_event"),
    ("webhook.", "doorstep.webhooks.consumers.on_webhook_event"),
]


@cache
def _load(path: str) -> Callable[[Event], None]:
    return import_string(path)


def consumers_for(topic: str) -> list[Callable[[Event], None]]:
    return [_load(path) for prefix, path in CONSUMERS if topic.startswith(prefix)]
