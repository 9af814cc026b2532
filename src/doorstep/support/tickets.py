"""Tickets: every change to a ticket and its conversation, one function per
action, each in a transaction that records its event."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import DomainError
from doorstep.events.services import record_event
from doorstep.orders.models import Order
from doorstep.orders.queries import access_order
from doorstep.support.models import Ticket, TicketMessage

SUBJECT_MAX = 200
BODY_MAX = 5000


def _clean_text(subject: str, body: str) -> tuple[str, str]:
    subject, body = (subject or "").strip(), (body or "").strip()
    errors: dict[str, list[str]] = {}
    if not subject:
        errors["subject"] = [_("Say in a few words what it is about.")]
    elif len(subject) > SUBJECT_MAX:
        errors["subject"] = [
            _("At most %(count)d characters.") % {"count": SUBJECT_MAX}
        ]
    if not body:
        errors["body"] = [_("Tell us what happened.")]
    elif len(body) > BODY_MAX:
        errors["body"] = [_("At most %(count)d characters.") % {"count": BODY_MAX}]
    if errors:
        raise DomainError(
            "invalid_input", _("Some fields are not valid."), fields=errors
        )
    return subject, body


def _order_of(requester: User, order_id: str | None) -> Order | None:
    """The order the ticket is about: one the requester is a party to
    (``orders.queries.access_order``: a stranger's order is "not found")."""
    return access_order(requester, order_id) if order_id else None


@transaction.atomic
def open_ticket(
    *,
    requester: User,
    subject: str,
    body: str,
    topic: str = Ticket.Topic.OTHER,
    priority: str = Ticket.Priority.NORMAL,
    order_id: str | None = None,
    source: str = Ticket.Source.WEB,
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket with its first message, from the requester. ``order_id``
    (a public id) must name one of the requester's orders; a ticket about an
    order is about the order whatever ``topic`` says. Raises ``DomainError``
    ``invalid_input`` (per field) or ``NotFound`` ``order_not_found``, with
    nothing written."""
    now = now or timezone.now()
    subject, body = _clean_text(subject, body)
    if topic not in Ticket.Topic.values or priority not in Ticket.Priority.values:
        raise DomainError(
            "invalid_input",
            _("Some fields are not valid."),
            fields={"topic": [_("Choose one of the topics.")]}
            if topic not in Ticket.Topic.values
            else {"priority": [_("Choose one of the priorities.")]},
        )
    order = _order_of(requester, order_id)
    ticket = Ticket.objects.create(
        requester=requester,
        subject=subject,
        topic=Ticket.Topic.ORDER if order is not None else topic,
        priority=priority,
        source=source,
        order=order,
        created_at=now,
        updated_at=now,
    )
    TicketMessage.objects.create(
        ticket=ticket, author=requester, body=body, created_at=now
    )
    record_event(
        topic="support.ticket_opened",
        subject=ticket.public_id,
        payload={"priority": ticket.priority, "source": ticket.source},
    )
    return ticket
