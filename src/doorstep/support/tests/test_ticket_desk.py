"""The ticket desk's services: routing, SLA due times, the conversation and
its statuses, assignment, attachments, rating and who may do what."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.support import ticket_queries
from doorstep.support.models import (
    CannedReply,
    SlaPolicy,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from doorstep.support.tests.ticket_helpers import (
    OPENED,
    agent,
    pdf,
    photo,
    ticket_for,
)
from doorstep.support.ticket_files import MAX_ATTACHMENT_BYTES
from doorstep.support.tickets import (
    assign_ticket,
    open_ticket,
    rate_ticket,
    reply_as_agent,
    reply_as_requester,
    save_canned_reply,
    set_ticket_priority,
    set_ticket_status,
    update_sla_policy,
)
from tests.factories import make_ops, make_provider, make_user

pytestmark = pytest.mark.django_db


# --- Routing and SLA due times ------------------------------------------------


def test_a_payment_question_goes_to_payments_whoever_asks():
    ticket = ticket_for(make_user(), topic=Ticket.Topic.PAYMENT)

    assert ticket.queue.slug == "payments"


def test_a_provider_goes_to_providers_and_a_customer_to_general():
    provider = make_provider().user

    assert ticket_for(provider, topic=Ticket.Topic.ACCOUNT).queue.slug == "providers"
    assert ticket_for(make_user(), topic=Ticket.Topic.ACCOUNT).queue.slug == "general"


@pytest.mark.parametrize(
    ("priority", "first", "resolution"),
    [("urgent", 1, 8), ("high", 4, 24), ("normal", 8, 48), ("low", 24, 96)],
)
def test_due_times_come_from_the_seeded_policy_of_the_priority(
    priority, first, resolution
):
    ticket = ticket_for(make_user(), priority=priority)

    assert ticket.first_response_due == OPENED + timedelta(hours=first)
    assert ticket.resolution_due == OPENED + timedelta(hours=resolution)


def test_a_new_priority_counts_its_targets_from_the_opening():
    ticket = ticket_for(make_user())

    set_ticket_priority(
        agent=agent(),
        ticket_id=ticket.public_id,
        priority="urgent",
        now=OPENED + timedelta(minutes=30),
    )

    ticket.refresh_from_db()
    assert ticket.first_response_due == OPENED + timedelta(hours=1)
    assert ticket.resolution_due == OPENED + timedelta(hours=8)
    assert AuditEntry.objects.filter(action="support.set_priority").count() == 1


def test_ops_change_a_policy_and_new_tickets_follow_it():
    update_sla_policy(
        agent=make_ops("Ops admin"),
        priority="normal",
        first_response_minutes=30,
        resolution_minutes=120,
    )

    ticket = ticket_for(make_user())

    assert ticket.first_response_due == OPENED + timedelta(minutes=30)
    assert AuditEntry.objects.filter(action="support.update_sla_policy").exists()


def test_a_support_agent_may_not_change_the_policies():
    with pytest.raises(PermissionDenied):
        update_sla_policy(
            agent=agent(),
            priority="normal",
            first_response_minutes=30,
            resolution_minutes=120,
        )
    assert SlaPolicy.objects.get(priority="normal").first_response_minutes == 480


# --- The conversation ---------------------------------------------------------


def test_the_first_public_answer_is_the_first_response_and_a_note_is_not():
    ticket = ticket_for(make_user())
    support = agent()

    reply_as_agent(
        agent=support,
        ticket_id=ticket.public_id,
        body="Looking into it (note)",
        internal=True,
        now=OPENED + timedelta(minutes=5),
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.status == Ticket.Status.NEW

    reply_as_agent(
        agent=support,
        ticket_id=ticket.public_id,
        body="Could you send a photo?",
        status=Ticket.Status.WAITING,
        now=OPENED + timedelta(minutes=10),
    )
    ticket.refresh_from_db()
    assert ticket.first_response_at == OPENED + timedelta(minutes=10)
    assert ticket.status == Ticket.Status.WAITING
    assert [e.action for e in AuditEntry.objects.order_by("pk")] == [
        "support.note",
        "support.reply",
    ]


def test_the_requester_never_sees_internal_notes():
    ticket = ticket_for(make_user())
    reply_as_agent(agent=agent(), ticket_id=ticket.public_id, body="VIP", internal=True)

    seen = list(ticket_queries.public_messages(ticket))

    assert [m.body for m in seen] == ["Something went wrong."]


def test_a_reply_from_the_requester_reopens_a_solved_ticket():
    requester = make_user()
    ticket = ticket_for(requester)
    reply_as_agent(
        agent=agent(), ticket_id=ticket.public_id, body="Done", status="solved"
    )

    reply_as_requester(requester=requester, ticket_id=ticket.public_id, body="No!")

    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.solved_at is None


def test_a_closed_ticket_takes_no_more_replies():
    requester = make_user()
    ticket = ticket_for(requester)
    set_ticket_status(agent=agent(), ticket_id=ticket.public_id, status="closed")

    with pytest.raises(Conflict) as raised:
        reply_as_requester(requester=requester, ticket_id=ticket.public_id, body="Hi")

    assert raised.value.code == "ticket_closed"
    assert TicketMessage.objects.filter(ticket=ticket).count() == 1


def test_someone_elses_ticket_is_not_found_for_every_action():
    ticket = ticket_for(make_user())
    reply_as_agent(
        agent=agent(), ticket_id=ticket.public_id, body="Done", status="solved"
    )
    stranger = make_user()

    for action in (
        lambda: reply_as_requester(
            requester=stranger, ticket_id=ticket.public_id, body="x"
        ),
        lambda: rate_ticket(
            requester=stranger, ticket_id=ticket.public_id, rating="good"
        ),
        lambda: ticket_queries.access_ticket(stranger, ticket.public_id),
    ):
        with pytest.raises(NotFound) as raised:
            action()
        assert raised.value.code == "ticket_not_found"


def test_ops_without_the_ticket_role_are_refused():
    ticket = ticket_for(make_user())

    with pytest.raises(PermissionDenied):
        reply_as_agent(agent=make_ops("Finance"), ticket_id=ticket.public_id, body="x")
    with pytest.raises(PermissionDenied):
        reply_as_agent(agent=make_user(), ticket_id=ticket.public_id, body="x")


# --- Assignment ---------------------------------------------------------------


def test_an_agent_takes_a_ticket_then_gives_it_to_a_colleague():
    ticket = ticket_for(make_user())
    first, second = agent(), agent()

    assign_ticket(agent=first, ticket_id=ticket.public_id, assignee_id=first.public_id)
    assign_ticket(agent=first, ticket_id=ticket.public_id, assignee_id=second.public_id)

    ticket.refresh_from_db()
    assert ticket.assignee == second
    trail = AuditEntry.objects.filter(action="support.assign").order_by("pk")
    assert [entry.after["assignee"] for entry in trail] == [
        first.public_id,
        second.public_id,
    ]


def test_only_people_who_handle_tickets_can_be_assigned():
    ticket = ticket_for(make_user())

    with pytest.raises(DomainError) as raised:
        assign_ticket(
            agent=agent(),
            ticket_id=ticket.public_id,
            assignee_id=make_ops("Finance").public_id,
        )

    assert raised.value.code == "not_a_support_agent"
    ticket.refresh_from_db()
    assert ticket.assignee is None


# --- Attachments --------------------------------------------------------------


def test_a_photo_and_a_pdf_are_kept_privately_with_the_first_message():
    ticket = ticket_for(make_user(), attachments=[photo(), pdf()])

    kinds = sorted(a.content_type for a in ticket.attachments.all())
    assert kinds == ["application/pdf", "image/webp"]
    assert all(a.message is not None for a in ticket.attachments.all())


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (
            SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 10, "image/jpeg"),
            "invalid_attachment",
        ),
        (
            SimpleUploadedFile("x.gif", b"GIF89a" + b"\x00" * 40, "image/gif"),
            "invalid_attachment",
        ),
        (
            SimpleUploadedFile(
                "big.pdf", b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES, "application/pdf"
            ),
            "attachment_too_big",
        ),
    ],
)
def test_a_bad_file_is_refused_beside_the_field_and_nothing_is_written(upload, code):
    with pytest.raises(DomainError) as raised:
        ticket_for(make_user(), attachments=[upload])

    assert raised.value.code == code
    assert "attachments" in raised.value.fields
    assert not Ticket.objects.exists()
    assert not TicketAttachment.objects.exists()


# --- Rating and canned replies ------------------------------------------------


def test_a_ticket_is_rated_once_solved():
    requester = make_user()
    ticket = ticket_for(requester)

    with pytest.raises(DomainError) as raised:
        rate_ticket(requester=requester, ticket_id=ticket.public_id, rating="good")
    assert raised.value.code == "ticket_not_solved"

    reply_as_agent(
        agent=agent(), ticket_id=ticket.public_id, body="Done", status="solved"
    )
    rate_ticket(
        requester=requester,
        ticket_id=ticket.public_id,
        rating="bad",
        comment="Too slow",
    )
    ticket.refresh_from_db()
    assert (ticket.rating, ticket.rating_comment) == ("bad", "Too slow")


def test_a_canned_reply_is_given_in_the_requesters_language():
    reply = save_canned_reply(
        agent=agent(),
        title="Refund on its way",
        body_en="Your refund is on its way.",
        body_zh_hans="您的退款正在处理中。",
        body_zh_hant="",
    )

    assert reply.body_for("zh-hans") == "您的退款正在处理中。"
    assert reply.body_for("zh-hant") == "Your refund is on its way."  # no text yet
    assert CannedReply.objects.count() == 1
    assert AuditEntry.objects.filter(action="support.save_canned_reply").exists()


def test_opening_with_a_strangers_order_writes_nothing():
    from doorstep.scheduling.tests.helpers import bookable_listing
    from doorstep.trust.tests.standards.helpers import paid_order

    order = paid_order(bookable_listing(), make_user())

    with pytest.raises(NotFound):
        open_ticket(
            requester=make_user(),
            subject="x",
            body="y",
            order_id=order.public_id,
            attachments=[photo()],
        )
    assert not TicketAttachment.objects.exists()
