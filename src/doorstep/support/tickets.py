"""Tickets: every change to a ticket and its conversation, one function per
action, each in a transaction that locks the ticket (``_lock``) before it
checks its state and records its event. Ops actions check the ops permission
here, not only in the views, and write their audit entry in the same
transaction. People are told through events (``support.*``), which the
notifications app turns into messages after commit.

The statuses: ``new`` until the team first answers; ``open`` while the team
works on it; ``waiting`` for the requester; ``solved`` (the requester writing
again opens it again); ``closed``, final, set by ops or by the periodic job
some days after ``solved``.
"""

from collections.abc import Sequence
from datetime import datetime

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.audit import services as audit
from doorstep.backoffice.access import (
    OpsPermission,
    has_ops_permission,
    require_ops_permission,
)
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.services import record_event
from doorstep.orders.models import Order
from doorstep.orders.queries import access_order
from doorstep.support import audit_actions, ticket_queries
from doorstep.support.models import (
    CannedReply,
    SlaPolicy,
    SupportQueue,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from doorstep.support.ticket_files import MAX_ATTACHMENTS, process_attachment
from doorstep.support.ticket_sla import set_due_times

SUBJECT_MAX = 200
BODY_MAX = 5000


RATING_COMMENT_MAX = 2000


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


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        message = _("Write your message.")
    elif len(body) > BODY_MAX:
        message = _("At most %(count)d characters.") % {"count": BODY_MAX}
    else:
        return body
    raise DomainError(
        "invalid_input", _("Some fields are not valid."), fields={"body": [message]}
    )


def _lock(ticket: Ticket) -> Ticket:
    """The ticket's row, locked for the rest of the transaction: the one lock
    every change takes, so two changes to one ticket run one after the other."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def route(*, topic: str, requester: User) -> SupportQueue | None:
    """The first queue, by position, that takes ``topic`` from this kind of
    requester."""
    is_provider = requester.is_provider
    for queue in SupportQueue.objects.all():
        if queue.takes(topic=topic, is_provider=is_provider):
            return queue
    return None


def _attach(
    *,
    ticket: Ticket,
    message: TicketMessage | None,
    uploads: Sequence[File],
    by: User,
    field: str,
    now: datetime,
) -> list[TicketAttachment]:
    """Check every upload before storing any (all or nothing), then store."""
    if not uploads:
        return []
    if ticket.attachments.count() + len(uploads) > MAX_ATTACHMENTS:
        message_text = _("A ticket holds at most %(count)d attachments.") % {
            "count": MAX_ATTACHMENTS
        }
        raise DomainError(
            "too_many_attachments", message_text, fields={field: [message_text]}
        )
    processed = [process_attachment(upload, field=field) for upload in uploads]
    made = []
    for copy in processed:
        attachment = TicketAttachment(
            ticket=ticket,
            message=message,
            uploaded_by=by,
            content_type=copy.content_type,
            size=copy.content.size,
            created_at=now,
        )
        attachment.file.save(copy.name, copy.content, save=False)
        attachment.save()
        made.append(attachment)
    return made


# --- The requester's side ---------------------------------------------------------


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
    attachments: Sequence[File] = (),
    now: datetime | None = None,
) -> Ticket:
    """Open a ticket with its first message, from the requester: routed to its
    queue, its SLA due times set. ``order_id`` (a public id) must name one of
    the requester's orders; a ticket about an order is about the order
    whatever ``topic`` says. Raises ``DomainError`` ``invalid_input`` (per
    field), the attachment codes (on ``attachments``) or ``NotFound``
    ``order_not_found``, with nothing written."""
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
    topic = Ticket.Topic.ORDER if order is not None else topic
    ticket = Ticket(
        requester=requester,
        subject=subject,
        topic=topic,
        priority=priority,
        source=source,
        order=order,
        queue=route(topic=topic, requester=requester),
        created_at=now,
        updated_at=now,
    )
    set_due_times(ticket)
    ticket.save()
    message = TicketMessage.objects.create(
        ticket=ticket, author=requester, body=body, created_at=now
    )
    _attach(
        ticket=ticket,
        message=message,
        uploads=attachments,
        by=requester,
        field="attachments",
        now=now,
    )
    record_event(
        topic="support.ticket_opened",
        subject=ticket.public_id,
        payload={"priority": ticket.priority, "source": ticket.source},
    )
    return ticket


@transaction.atomic
def reply_as_requester(
    *,
    requester: User,
    ticket_id: str,
    body: str,
    attachments: Sequence[File] = (),
    now: datetime | None = None,
) -> TicketMessage:
    """The requester writes again. A ticket waiting for them, or solved, is
    open again (the team has something to do); a closed one is final: 409
    ``ticket_closed``, open a new one. The assignee is told."""
    now = now or timezone.now()
    ticket = _lock(ticket_queries.access_ticket(requester, ticket_id))
    if ticket.status == Ticket.Status.CLOSED:
        raise Conflict(
            "ticket_closed",
            _("This request is closed. Open a new one to write to us again."),
        )
    body = _clean_body(body)
    message = TicketMessage.objects.create(
        ticket=ticket, author=requester, body=body, created_at=now
    )
    _attach(
        ticket=ticket,
        message=message,
        uploads=attachments,
        by=requester,
        field="attachments",
        now=now,
    )
    fields = ["updated_at"]
    if ticket.status in (Ticket.Status.WAITING, Ticket.Status.SOLVED):
        ticket.status = Ticket.Status.OPEN
        ticket.solved_at = None
        fields += ["status", "solved_at"]
    ticket.updated_at = now
    ticket.save(update_fields=fields)
    record_event(
        topic="support.requester_replied",
        subject=ticket.public_id,
        payload={"message": message.public_id},
    )
    return message


@transaction.atomic
def add_attachment(
    *,
    requester: User,
    ticket_id: str,
    upload: File | None,
    field: str = "file",
    now: datetime | None = None,
) -> TicketAttachment:
    """A file added to one of the requester's tickets on its own (the API's
    upload), not closed. Raises the attachment codes on ``field``."""
    now = now or timezone.now()
    ticket = _lock(ticket_queries.access_ticket(requester, ticket_id))
    if ticket.status == Ticket.Status.CLOSED:
        raise Conflict(
            "ticket_closed",
            _("This request is closed. Open a new one to write to us again."),
        )
    (attachment,) = _attach(
        ticket=ticket,
        message=None,
        uploads=[upload],
        by=requester,
        field=field,
        now=now,
    )
    ticket.updated_at = now
    ticket.save(update_fields=["updated_at"])
    return attachment


@transaction.atomic
def rate_ticket(
    *,
    requester: User,
    ticket_id: str,
    rating: str,
    comment: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The requester says how well they were helped, once the ticket is
    solved or closed (422 ``ticket_not_solved`` before); rating again
    replaces the earlier one."""
    now = now or timezone.now()
    ticket = _lock(ticket_queries.access_ticket(requester, ticket_id))
    if not ticket.can_be_rated():
        raise DomainError(
            "ticket_not_solved",
            _("You can rate the help once your request is solved."),
        )
    comment = (comment or "").strip()
    errors = {}
    if rating not in Ticket.Rating.values:
        errors["rating"] = [_("Choose good or bad.")]
    if len(comment) > RATING_COMMENT_MAX:
        errors["comment"] = [
            _("At most %(count)d characters.") % {"count": RATING_COMMENT_MAX}
        ]
    if errors:
        raise DomainError(
            "invalid_input", _("Some fields are not valid."), fields=errors
        )
    ticket.rating, ticket.rating_comment, ticket.rated_at = rating, comment, now
    ticket.save(update_fields=["rating", "rating_comment", "rated_at"])
    record_event(
        topic="support.ticket_rated",
        subject=ticket.public_id,
        payload={"rating": rating},
    )
    return ticket


# --- Ops ---------------------------------------------------------------------------


def _ops_ticket(agent: User, ticket_id: str) -> Ticket:
    return _lock(ticket_queries.access_ticket_for_ops(agent, ticket_id))


def _set_status(ticket: Ticket, status: str, now: datetime) -> list[str]:
    """Change ``ticket``'s status in memory with the timestamps that go with
    it; the fields to save."""
    ticket.status = status
    fields = ["status"]
    if status == Ticket.Status.SOLVED:
        ticket.solved_at = now
        fields.append("solved_at")
    elif status == Ticket.Status.CLOSED:
        ticket.closed_at = now
        ticket.solved_at = ticket.solved_at or now
        fields += ["closed_at", "solved_at"]
    else:
        ticket.solved_at = None
        fields.append("solved_at")
    return fields


def _check_status(status: str) -> None:
    if status not in Ticket.Status.values or status == Ticket.Status.NEW:
        message = _("Choose open, waiting, solved or closed.")
        raise DomainError(
            "invalid_input",
            _("Some fields are not valid."),
            fields={"status": [message]},
        )


@transaction.atomic
def reply_as_agent(
    *,
    agent: User,
    ticket_id: str,
    body: str,
    internal: bool = False,
    status: str | None = None,
    attachments: Sequence[File] = (),
    now: datetime | None = None,
) -> TicketMessage:
    """Ops answer the requester, or write an internal note the requester never
    sees. A public answer is the ticket's first response if none came before;
    it leaves the ticket ``status`` (default: open), and the requester is told.
    A note changes nothing but the conversation. A closed ticket takes notes
    only (409 ``ticket_closed``)."""
    now = now or timezone.now()
    ticket = _ops_ticket(agent, ticket_id)
    body = _clean_body(body)
    if status:
        _check_status(status)
    if ticket.status == Ticket.Status.CLOSED and not internal:
        raise Conflict(
            "ticket_closed",
            _("This ticket is closed: the requester must open a new one."),
        )
    message = TicketMessage.objects.create(
        ticket=ticket, author=agent, body=body, is_internal=internal, created_at=now
    )
    _attach(
        ticket=ticket,
        message=message,
        uploads=attachments,
        by=agent,
        field="attachments",
        now=now,
    )
    before = {"status": ticket.status}
    fields = ["updated_at"]
    if not internal:
        if ticket.first_response_at is None:
            ticket.first_response_at = now
            fields.append("first_response_at")
        fields += _set_status(ticket, status or Ticket.Status.OPEN, now)
    ticket.updated_at = now
    ticket.save(update_fields=fields)
    audit.record(
        actor=agent,
        action=audit_actions.TICKET_NOTE if internal else audit_actions.TICKET_REPLY,
        target=ticket,
        before=before,
        after={"status": ticket.status, "message": message.public_id},
    )
    if not internal:
        record_event(
            topic="support.ops_replied",
            subject=ticket.public_id,
            payload={"message": message.public_id, "status": ticket.status},
        )
    return message


@transaction.atomic
def assign_ticket(
    *,
    agent: User,
    ticket_id: str,
    assignee_id: str | None,
    now: datetime | None = None,
) -> Ticket:
    """Give the ticket to an agent (``assignee_id``: a user's public id; the
    acting agent's own to take it; None to put it back in the queue). The
    assignee must be ops whose role handles tickets (422
    ``not_a_support_agent``)."""
    now = now or timezone.now()
    ticket = _ops_ticket(agent, ticket_id)
    assignee = None
    if assignee_id:
        assignee = User.objects.filter(public_id=str(assignee_id)).first()
        if assignee is None:
            raise NotFound("user_not_found", _("No such user."))
        if not has_ops_permission(assignee, OpsPermission.HANDLE_TICKETS):
            message = _("Only someone whose role handles tickets can take one.")
            raise DomainError(
                "not_a_support_agent", message, fields={"assignee": [message]}
            )
    before = {"assignee": ticket.assignee.public_id if ticket.assignee else None}
    ticket.assignee = assignee
    ticket.updated_at = now
    ticket.save(update_fields=["assignee", "updated_at"])
    audit.record(
        actor=agent,
        action=audit_actions.TICKET_ASSIGN,
        target=ticket,
        before=before,
        after={"assignee": assignee.public_id if assignee else None},
    )
    return ticket


@transaction.atomic
def set_ticket_status(
    *, agent: User, ticket_id: str, status: str, now: datetime | None = None
) -> Ticket:
    """Ops move the ticket to open, waiting, solved or closed. Closed is final
    (409 ``ticket_closed``): the requester opens a new ticket instead."""
    now = now or timezone.now()
    _check_status(status)
    ticket = _ops_ticket(agent, ticket_id)
    before = {"status": ticket.status}
    if ticket.status == status:
        return ticket
    if ticket.status == Ticket.Status.CLOSED:
        raise Conflict(
            "ticket_closed",
            _("This ticket is closed: the requester must open a new one."),
        )
    fields = _set_status(ticket, status, now)
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])
    audit.record(
        actor=agent,
        action=audit_actions.TICKET_STATUS,
        target=ticket,
        before=before,
        after={"status": status},
    )
    return ticket


@transaction.atomic
def set_ticket_priority(
    *, agent: User, ticket_id: str, priority: str, now: datetime | None = None
) -> Ticket:
    """Ops change the priority: the due times are those of the new priority's
    policy, counted from when the ticket was opened."""
    now = now or timezone.now()
    if priority not in Ticket.Priority.values:
        raise DomainError(
            "invalid_input",
            _("Some fields are not valid."),
            fields={"priority": [_("Choose one of the priorities.")]},
        )
    ticket = _ops_ticket(agent, ticket_id)
    before = {"priority": ticket.priority}
    if ticket.priority == priority:
        return ticket
    ticket.priority = priority
    set_due_times(ticket)
    ticket.updated_at = now
    ticket.save(
        update_fields=["priority", "first_response_due", "resolution_due", "updated_at"]
    )
    audit.record(
        actor=agent,
        action=audit_actions.TICKET_PRIORITY,
        target=ticket,
        before=before,
        after={"priority": priority},
    )
    return ticket


@transaction.atomic
def move_ticket(
    *, agent: User, ticket_id: str, queue_slug: str, now: datetime | None = None
) -> Ticket:
    """Ops move the ticket to another queue."""
    now = now or timezone.now()
    ticket = _ops_ticket(agent, ticket_id)
    queue = SupportQueue.objects.filter(slug=str(queue_slug)).first()
    if queue is None:
        raise NotFound("support_queue_not_found", _("No such queue."))
    before = {"queue": ticket.queue.slug if ticket.queue else None}
    ticket.queue = queue
    ticket.updated_at = now
    ticket.save(update_fields=["queue", "updated_at"])
    audit.record(
        actor=agent,
        action=audit_actions.TICKET_QUEUE,
        target=ticket,
        before=before,
        after={"queue": queue.slug},
    )
    return ticket


# --- Canned replies and SLA policies -------------------------------------------------


@transaction.atomic
def save_canned_reply(
    *,
    agent: User,
    reply_id: int | None = None,
    title: str,
    body_en: str,
    body_zh_hans: str = "",
    body_zh_hant: str = "",
    now: datetime | None = None,
) -> CannedReply:
    """Create a canned reply, or change the one ``reply_id`` names."""
    now = now or timezone.now()
    require_ops_permission(agent, OpsPermission.HANDLE_TICKETS)
    title, body_en = (title or "").strip(), (body_en or "").strip()
    errors = {}
    if not title:
        errors["title"] = [_("Give it a title.")]
    if not body_en:
        errors["body_en"] = [_("Write the English text.")]
    if errors:
        raise DomainError(
            "invalid_input", _("Some fields are not valid."), fields=errors
        )
    if reply_id is None:
        reply = CannedReply(created_at=now)
    else:
        reply = CannedReply.objects.select_for_update().filter(pk=reply_id).first()
        if reply is None:
            raise NotFound("canned_reply_not_found", _("No such canned reply."))
    reply.title = title[:120]
    reply.body_en = body_en
    reply.body_zh_hans = (body_zh_hans or "").strip()
    reply.body_zh_hant = (body_zh_hant or "").strip()
    reply.updated_at = now
    reply.save()
    audit.record(
        actor=agent,
        action=audit_actions.SAVE_CANNED_REPLY,
        target=reply,
        after={"title": reply.title},
    )
    return reply


@transaction.atomic
def delete_canned_reply(*, agent: User, reply_id: int) -> None:
    require_ops_permission(agent, OpsPermission.HANDLE_TICKETS)
    reply = CannedReply.objects.select_for_update().filter(pk=reply_id).first()
    if reply is None:
        raise NotFound("canned_reply_not_found", _("No such canned reply."))
    audit.record(
        actor=agent,
        action=audit_actions.DELETE_CANNED_REPLY,
        target=reply,
        before={"title": reply.title},
    )
    reply.delete()


@transaction.atomic
def update_sla_policy(
    *,
    agent: User,
    priority: str,
    first_response_minutes: int,
    resolution_minutes: int,
    now: datetime | None = None,
) -> SlaPolicy:
    """Ops change the targets of one priority (for tickets opened or
    re-prioritised from now on). The solution may not be due before the first
    answer."""
    now = now or timezone.now()
    require_ops_permission(agent, OpsPermission.MANAGE_SETTINGS)
    if priority not in Ticket.Priority.values:
        raise NotFound("sla_policy_not_found", _("No such SLA policy."))
    if first_response_minutes < 1 or resolution_minutes < first_response_minutes:
        message = _("Give at least as long to solve as to answer first.")
        raise DomainError(
            "invalid_input",
            _("Some fields are not valid."),
            fields={"resolution_minutes": [message]},
        )
    policy, _created = SlaPolicy.objects.select_for_update().get_or_create(
        priority=priority,
        defaults={
            "first_response_minutes": first_response_minutes,
            "resolution_minutes": resolution_minutes,
        },
    )
    before = {
        "first_response_minutes": policy.first_response_minutes,
        "resolution_minutes": policy.resolution_minutes,
    }
    policy.first_response_minutes = first_response_minutes
    policy.resolution_minutes = resolution_minutes
    policy.updated_at = now
    policy.save()
    audit.record(
        actor=agent,
        action=audit_actions.UPDATE_SLA_POLICY,
        target=policy,
        before=before,
        after={
            "first_response_minutes": first_response_minutes,
            "resolution_minutes": resolution_minutes,
        },
    )
    return policy
