"""Service levels for tickets: when each one's first answer and solution are
due, and the periodic checks that keep those promises visible.

The timers are durable: the due times are stored on the ticket when it opens
and whenever its priority changes (from the opening time, by the policy of the
new priority), and ``check_ticket_slas`` compares them with the clock every few
minutes. A breach is marked once (``*_breached_at``), in the same transaction
as its escalation, its audit entry and the ``support.sla_breached`` event that
alerts ops — so a repeated run, or two workers at once, find it marked and
alert nobody again.

In this first version the clocks run in calendar time and do not pause while
a ticket waits for its requester (``waiting``): a ticket answered with a
question still has its resolution due when the policy says.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from doorstep.audit import services as audit
from doorstep.events.services import record_event
from doorstep.support import audit_actions
from doorstep.support.models import ACTIVE_STATUSES, SlaPolicy, Ticket

# Lowest first: an escalation moves a ticket one step to the right.
PRIORITY_STEPS = (
    Ticket.Priority.LOW,
    Ticket.Priority.NORMAL,
    Ticket.Priority.HIGH,
    Ticket.Priority.URGENT,
)
FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"


def set_due_times(ticket: Ticket) -> None:
    """Set (not save) the ticket's due times from the policy of its priority,
    counted from when it was opened; none where no policy exists."""
    policy = SlaPolicy.objects.filter(priority=ticket.priority).first()
    if policy is None:
        ticket.first_response_due = ticket.resolution_due = None
        return
    ticket.first_response_due = ticket.created_at + timedelta(
        minutes=policy.first_response_minutes
    )
    ticket.resolution_due = ticket.created_at + timedelta(
        minutes=policy.resolution_minutes
    )


def escalated(priority: str) -> str:
    """One step more urgent (urgent stays urgent)."""
    step = PRIORITY_STEPS.index(Ticket.Priority(priority))
    return PRIORITY_STEPS[min(step + 1, len(PRIORITY_STEPS) - 1)]


def _breached(clock: str, now: datetime):
    if clock == FIRST_RESPONSE:
        return Ticket.objects.filter(
            status__in=ACTIVE_STATUSES,
            first_response_at__isnull=True,
            first_response_due__lte=now,
            first_response_breached_at__isnull=True,
        )
    return Ticket.objects.filter(
        status__in=ACTIVE_STATUSES,
        resolution_due__lte=now,
        resolution_breached_at__isnull=True,
    )


@transaction.atomic
def _mark_breach(*, ticket_pk: int, clock: str, now: datetime) -> bool:
    ticket = Ticket.objects.select_for_update().get(pk=ticket_pk)
    # Checked again under the lock: an answer may have come in meanwhile, or
    # another run marked it first.
    if not _breached(clock, now).filter(pk=ticket.pk).exists():
        return False
    before = ticket.priority
    setattr(ticket, f"{clock}_breached_at", now)
    ticket.priority = escalated(before)
    ticket.escalated_at = now
    ticket.updated_at = now
    ticket.save(
        update_fields=[
            f"{clock}_breached_at",
            "priority",
            "escalated_at",
            "updated_at",
        ]
    )
    audit.record(
        actor=None,
        action=audit_actions.TICKET_ESCALATE,
        target=ticket,
        reason=clock,
        before={"priority": before},
        after={"priority": ticket.priority},
    )
    record_event(
        topic="support.sla_breached",
        subject=ticket.public_id,
        payload={"clock": clock, "priority": ticket.priority},
    )
    return True


def check_ticket_slas(*, now: datetime | None = None) -> dict[str, int]:
    """Mark each first-response and resolution target that passed unmet, once;
    escalate the ticket one priority step (its due times stay: the promise
    made is the one measured) and alert ops with one event per breach.
    Returns the breaches found per clock."""
    now = now or timezone.now()
    found = {FIRST_RESPONSE: 0, RESOLUTION: 0}
    for clock in (FIRST_RESPONSE, RESOLUTION):
        for pk in _breached(clock, now).values_list("pk", flat=True):
            found[clock] += _mark_breach(ticket_pk=pk, clock=clock, now=now)
    return found


def close_solved_tickets(*, now: datetime | None = None) -> int:
    """Close the tickets solved at least ``DOORSTEP_TICKET_CLOSE_AFTER_DAYS``
    ago that nobody reopened. Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DOORSTEP_TICKET_CLOSE_AFTER_DAYS)
    closed = 0
    candidates = Ticket.objects.filter(
        status=Ticket.Status.SOLVED, solved_at__lte=cutoff
    ).values_list("pk", flat=True)
    for pk in candidates:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=pk)
            if ticket.status != Ticket.Status.SOLVED or ticket.solved_at > cutoff:
                continue
            ticket.status = Ticket.Status.CLOSED
            ticket.closed_at = ticket.updated_at = now
            ticket.save(update_fields=["status", "closed_at", "updated_at"])
            audit.record(
                actor=None,
                action=audit_actions.TICKET_CLOSE,
                target=ticket,
                before={"status": Ticket.Status.SOLVED},
                after={"status": Ticket.Status.CLOSED},
            )
            closed += 1
    return closed
