"""Whatever the requester and the team do to a ticket, in any order: the
requester never sees an internal note, the solved and closed times follow the
status, the first response is the team's first public answer, and a closed
ticket stays closed."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.core.errors import Conflict
from doorstep.support import ticket_queries
from doorstep.support.models import Ticket
from doorstep.support.tests.ticket_helpers import OPENED, agent, ticket_for
from doorstep.support.tickets import (
    reply_as_agent,
    reply_as_requester,
    set_ticket_status,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ACTIONS = st.lists(
    st.sampled_from(
        [
            ("requester", None),
            ("note", None),
            ("reply", "open"),
            ("reply", "waiting"),
            ("reply", "solved"),
            ("status", "open"),
            ("status", "solved"),
            ("status", "closed"),
        ]
    ),
    max_size=8,
)


@settings(max_examples=30, deadline=None)
@given(actions=ACTIONS)
def test_the_ticket_invariants_hold_after_any_actions(actions):
    requester, support = make_user(), agent()
    ticket = ticket_for(requester)
    first_public_answer = None
    for step, (action, status) in enumerate(actions, start=1):
        now = OPENED + timedelta(minutes=step)
        was_closed = Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.CLOSED
        try:
            if action == "requester":
                reply_as_requester(
                    requester=requester, ticket_id=ticket.public_id, body="?", now=now
                )
            elif action == "note":
                reply_as_agent(
                    agent=support,
                    ticket_id=ticket.public_id,
                    body="note",
                    internal=True,
                    now=now,
                )
            elif action == "reply":
                reply_as_agent(
                    agent=support,
                    ticket_id=ticket.public_id,
                    body="answer",
                    status=status,
                    now=now,
                )
                first_public_answer = first_public_answer or now
            else:
                set_ticket_status(
                    agent=support, ticket_id=ticket.public_id, status=status, now=now
                )
        except Conflict:
            assert was_closed
        ticket.refresh_from_db()
        if was_closed:
            assert ticket.status == Ticket.Status.CLOSED

    assert not ticket_queries.public_messages(ticket).filter(is_internal=True)
    assert ticket.first_response_at == first_public_answer
    assert (ticket.solved_at is not None) == (
        ticket.status in (Ticket.Status.SOLVED, Ticket.Status.CLOSED)
    )
    assert (ticket.closed_at is not None) == (ticket.status == Ticket.Status.CLOSED)
