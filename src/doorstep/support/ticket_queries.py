"""Reading tickets: the one access check per surface (the requester's own
tickets; every ticket for ops whose role handles them), the ops console's
filtered list, and the per-agent workload."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import NotFound
from doorstep.support.models import (
    ACTIVE_STATUSES,
    SupportQueue,
    Ticket,
    TicketAttachment,
    TicketMessage,
)


def _ticket_not_found() -> NotFound:
    return NotFound("ticket_not_found", _("No such ticket."))


def tickets_of(requester: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(requester=requester).select_related("order")


def access_ticket(requester: User, ticket_id: str) -> Ticket:
    """One of the requester's own tickets; anyone else's is "not found"."""
    ticket = (
        tickets_of(requester)
        .select_related("queue", "assignee")
        .filter(public_id=str(ticket_id))
        .first()
    )
    if ticket is None:
        raise _ticket_not_found()
    return ticket


def access_ticket_for_ops(agent: User, ticket_id: str) -> Ticket:
    """Any ticket, for ops whose role handles tickets (403 otherwise)."""
    require_ops_permission(agent, OpsPermission.HANDLE_TICKETS)
    ticket = (
        Ticket.objects.select_related("requester", "order", "queue", "assignee")
        .filter(public_id=str(ticket_id))
        .first()
    )
    if ticket is None:
        raise _ticket_not_found()
    return ticket


def public_messages(ticket: Ticket) -> QuerySet[TicketMessage]:
    """The conversation the requester sees: internal notes never."""
    return (
        ticket.messages.filter(is_internal=False)
        .select_related("author")
        .prefetch_related("attachments")
    )


def all_messages(ticket: Ticket) -> QuerySet[TicketMessage]:
    return ticket.messages.select_related("author").prefetch_related("attachments")


def access_attachment(user: User, attachment_id: str) -> TicketAttachment:
    """An attachment, for the ticket's requester or for ops who handle
    tickets; "not found" for everyone else. An attachment of an internal note
    is the team's only."""
    attachment = (
        TicketAttachment.objects.select_related("ticket", "message")
        .filter(public_id=str(attachment_id))
        .first()
    )
    if attachment is not None:
        internal = attachment.message is not None and attachment.message.is_internal
        if attachment.ticket.requester_id == user.pk and not internal:
            return attachment
        if user.is_authenticated and user.is_staff:
            require_ops_permission(user, OpsPermission.HANDLE_TICKETS)
            return attachment
    raise NotFound("ticket_attachment_not_found", _("No such attachment."))


def support_agents() -> QuerySet[User]:
    """Active ops staff whose role handles tickets."""
    permission = Permission.objects.filter(
        content_type__app_label="backoffice",
        codename=OpsPermission.HANDLE_TICKETS.split(".", 1)[1],
    )
    return (
        User.objects.filter(is_staff=True, is_active=True)
        .filter(Q(groups__permissions__in=permission) | Q(is_superuser=True))
        .distinct()
        .order_by("email", "pk")
    )


def queues_for(agent: User) -> QuerySet[SupportQueue]:
    """The queues, in routing order, for ops who handle tickets."""
    require_ops_permission(agent, OpsPermission.HANDLE_TICKETS)
    return SupportQueue.objects.all()


def breached() -> Q:
    return Q(first_response_breached_at__isnull=False) | Q(
        resolution_breached_at__isnull=False
    )


def console_tickets(
    *,
    agent: User,
    queue: str = "",
    status: str = "",
    priority: str = "",
    assignee: str = "",
    only_breached: bool = False,
) -> QuerySet[Ticket]:
    """The ops console's list. ``status`` "" means every active ticket;
    ``assignee`` is a user's public id, ``"me"`` or ``"none"``. Soonest due
    first."""
    require_ops_permission(agent, OpsPermission.HANDLE_TICKETS)
    tickets = Ticket.objects.select_related("requester", "queue", "assignee")
    if status:
        tickets = tickets.filter(status=status)
    else:
        tickets = tickets.filter(status__in=ACTIVE_STATUSES)
    if queue:
        tickets = tickets.filter(queue__slug=queue)
    if priority:
        tickets = tickets.filter(priority=priority)
    if assignee == "me":
        tickets = tickets.filter(assignee=agent)
    elif assignee == "none":
        tickets = tickets.filter(assignee__isnull=True)
    elif assignee:
        tickets = tickets.filter(assignee__public_id=assignee)
    if only_breached:
        tickets = tickets.filter(breached())
    return tickets.order_by("resolution_due", "created_at", "pk")


@dataclass(frozen=True)
class AgentLoad:
    agent: User
    open: int
    breached: int
    solved_last_7_days: int
    median_first_response: timedelta | None


def workload(*, agent: User, now: datetime | None = None) -> list[AgentLoad]:
    """Per support agent: the active tickets they hold, how many of those
    broke a target, how many they solved in the last 7 days, and the median
    time to the first answer of the tickets they hold opened in the last 30."""
    require_ops_permission(agent, OpsPermission.HANDLE_TICKETS)
    now = now or timezone.now()
    rows = []
    for person in support_agents():
        held = Ticket.objects.filter(assignee=person)
        active = held.filter(status__in=ACTIVE_STATUSES)
        waits = [
            answered - opened
            for opened, answered in held.filter(
                created_at__gte=now - timedelta(days=30),
                first_response_at__isnull=False,
            ).values_list("created_at", "first_response_at")
        ]
        rows.append(
            AgentLoad(
                agent=person,
                open=active.count(),
                breached=active.filter(breached()).count(),
                solved_last_7_days=held.filter(
                    solved_at__gte=now - timedelta(days=7)
                ).count(),
                median_first_response=median(waits) if waits else None,
            )
        )
    return rows


def sla_seconds_left(ticket: Ticket, now: datetime) -> int | None:
    """Seconds until the running clock's target (negative: overdue); None when
    no clock runs."""
    _clock, due = ticket.sla_target()
    if due is None:
        return None
    return int((due - now).total_seconds())


def access_order_of(user: User, order_id: str):
    """An order ``user`` is a party to (``orders.queries.access_order``)."""
    from doorstep.orders.queries import access_order

    return access_order(user, order_id)
