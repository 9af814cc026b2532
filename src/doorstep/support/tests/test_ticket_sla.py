"""The SLA timers: a breach is marked, escalated and alerted once, whatever
the number of runs; solved tickets close after the setting's days."""

from datetime import timedelta

import pytest
from django.test import TestCase

from doorstep.audit.models import AuditEntry
from doorstep.events.models import Event
from doorstep.notifications.models import Kind, Notification
from doorstep.support.models import Ticket
from doorstep.support.tests.ticket_helpers import OPENED, agent, ticket_for
from doorstep.support.ticket_sla import check_ticket_slas, close_solved_tickets
from doorstep.support.tickets import reply_as_agent
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db


def test_nothing_is_breached_before_its_time():
    ticket_for(make_user())

    found = check_ticket_slas(now=OPENED + timedelta(hours=7, minutes=59))

    assert found == {"first_response": 0, "resolution": 0}


def test_a_missed_first_response_is_marked_escalated_and_alerted_once():
    support = agent()
    make_ops("Finance")  # does not handle tickets: not alerted
    ticket = ticket_for(make_user())
    late = OPENED + timedelta(hours=8, minutes=1)

    with TestCase.captureOnCommitCallbacks(execute=True):
        first = check_ticket_slas(now=late)
    with TestCase.captureOnCommitCallbacks(execute=True):
        again = check_ticket_slas(now=late + timedelta(minutes=5))

    assert first == {"first_response": 1, "resolution": 0}
    assert again == {"first_response": 0, "resolution": 0}
    ticket.refresh_from_db()
    assert ticket.first_response_breached_at == late
    assert ticket.priority == Ticket.Priority.HIGH  # one step up from normal
    assert ticket.resolution_due == OPENED + timedelta(hours=48)  # the promise stays
    assert Event.objects.filter(topic="support.sla_breached").count() == 1
    alerts = Notification.objects.filter(kind=Kind.OPS_ALERT)
    assert [n.recipient for n in alerts] == [support]
    assert AuditEntry.objects.filter(action="support.escalate").count() == 1


def test_an_answered_ticket_breaks_only_its_resolution_target():
    ticket = ticket_for(make_user(), priority="urgent")
    reply_as_agent(
        agent=agent(),
        ticket_id=ticket.public_id,
        body="On it",
        now=OPENED + timedelta(minutes=20),
    )

    found = check_ticket_slas(now=OPENED + timedelta(hours=9))

    assert found == {"first_response": 0, "resolution": 1}
    ticket.refresh_from_db()
    assert ticket.first_response_breached_at is None
    assert ticket.resolution_breached_at is not None
    assert ticket.priority == Ticket.Priority.URGENT  # already the top


def test_a_solved_ticket_breaks_nothing():
    ticket = ticket_for(make_user())
    reply_as_agent(
        agent=agent(), ticket_id=ticket.public_id, body="Done", status="solved"
    )

    assert check_ticket_slas(now=OPENED + timedelta(days=30)) == {
        "first_response": 0,
        "resolution": 0,
    }


def test_solved_tickets_close_after_the_days_set(settings):
    settings.DOORSTEP_TICKET_CLOSE_AFTER_DAYS = 3
    old, recent = ticket_for(make_user()), ticket_for(make_user())
    support = agent()
    for ticket, when in ((old, OPENED), (recent, OPENED + timedelta(days=2))):
        reply_as_agent(
            agent=support,
            ticket_id=ticket.public_id,
            body="Done",
            status="solved",
            now=when,
        )

    closed = close_solved_tickets(now=OPENED + timedelta(days=3, minutes=1))

    assert closed == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, recent.status) == ("closed", "solved")
    assert old.closed_at == OPENED + timedelta(days=3, minutes=1)
    assert close_solved_tickets(now=OPENED + timedelta(days=3, minutes=2)) == 0
