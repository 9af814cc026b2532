"""The ticket desk's API.

The requester's endpoints (``/support/tickets``) see only the caller's own
tickets: anyone else's answers 404, as one that does not exist, and internal
notes never appear. The ops endpoints (``/ops/support/tickets``) need a token
minted after the TOTP code or a session that passed it
(``backoffice.access.require_back_office``: 403 ``ops_mfa_required`` for staff
without, 404 for everyone else) and a role that handles tickets (403
``ops_permission_required``).

Attachments have no public URL: ``url`` is the access-checked download page.
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from doorstep.accounts.models import User
from doorstep.api.pagination import CursorPagination
from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.support import ticket_queries, tickets
from doorstep.support.models import (
    SupportQueue,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from doorstep.support.tickets import BODY_MAX, RATING_COMMENT_MAX, SUBJECT_MAX

router = Router(tags=["support"])

# Literals rather than the model's enums: ninja names an enum's schema by its
# class name, and another "Status" (a listing's) would take its place.
TicketTopic = Literal[tuple(Ticket.Topic.values)]
TicketStatus = Literal[tuple(Ticket.Status.values)]
TicketPriority = Literal[tuple(Ticket.Priority.values)]
TicketRating = Literal[tuple(Ticket.Rating.values)]


# --- Schemas -------------------------------------------------------------------------


class TicketAttachmentOut(Schema):
    id: str
    content_type: str
    size: int
    url: str = Field(description="The download, for the requester and ops only.")
    created_at: datetime


class TicketMessageOut(Schema):
    id: str
    body: str
    from_support: bool = Field(description="Written by the support team.")
    internal: bool = Field(description="An ops note; never shown to requesters.")
    created_at: datetime
    attachments: list[TicketAttachmentOut]


class TicketOut(Schema):
    id: str
    subject: str
    topic: str
    status: str
    priority: str
    order_id: str | None
    created_at: datetime
    updated_at: datetime
    solved_at: datetime | None
    closed_at: datetime | None
    rating: str | None = Field(description="good or bad, once rated.")
    rating_comment: str

    @staticmethod
    def resolve_id(ticket: Ticket) -> str:
        return ticket.public_id

    @staticmethod
    def resolve_order_id(ticket: Ticket) -> str | None:
        return ticket.order.public_id if ticket.order_id else None

    @staticmethod
    def resolve_rating(ticket: Ticket) -> str | None:
        return ticket.rating or None


class TicketDetailOut(TicketOut):
    messages: list[TicketMessageOut]

    @staticmethod
    def resolve_messages(ticket: Ticket) -> list[dict]:
        return [_message(m, ticket) for m in ticket_queries.public_messages(ticket)]


class OpsTicketOut(TicketOut):
    requester_id: str
    queue: str | None
    assignee_id: str | None
    first_response_at: datetime | None
    first_response_due: datetime | None
    resolution_due: datetime | None
    first_response_breached_at: datetime | None
    resolution_breached_at: datetime | None
    sla_seconds_left: int | None = Field(
        description="Until the running clock's target; negative when overdue; "
        "null once solved."
    )

    @staticmethod
    def resolve_requester_id(ticket: Ticket) -> str:
        return ticket.requester.public_id

    @staticmethod
    def resolve_queue(ticket: Ticket) -> str | None:
        return ticket.queue.slug if ticket.queue_id else None

    @staticmethod
    def resolve_assignee_id(ticket: Ticket) -> str | None:
        return ticket.assignee.public_id if ticket.assignee_id else None

    @staticmethod
    def resolve_sla_seconds_left(ticket: Ticket) -> int | None:
        return ticket_queries.sla_seconds_left(ticket, timezone.now())


class OpsTicketDetailOut(OpsTicketOut):
    messages: list[TicketMessageOut]

    @staticmethod
    def resolve_messages(ticket: Ticket) -> list[dict]:
        return [_message(m, ticket) for m in ticket_queries.all_messages(ticket)]


class TicketIn(InputSchema):
    subject: str = Field(min_length=1, max_length=SUBJECT_MAX)
    body: str = Field(min_length=1, max_length=BODY_MAX)
    topic: TicketTopic = Ticket.Topic.OTHER.value
    order_id: str | None = Field(
        None, max_length=40, description="One of your orders, if it is about one."
    )


class TicketMessageIn(InputSchema):
    body: str = Field(min_length=1, max_length=BODY_MAX)


class AgentMessageIn(InputSchema):
    body: str = Field(min_length=1, max_length=BODY_MAX)
    internal: bool = Field(False, description="A note only ops see.")
    status: TicketStatus | None = Field(
        None,
        description="The status after a reply (open, waiting, solved; default "
        "open). Ignored for a note.",
    )


class RatingIn(InputSchema):
    rating: TicketRating
    comment: str = Field("", max_length=RATING_COMMENT_MAX)


class TicketAssignIn(InputSchema):
    assignee_id: str | None = Field(
        description="An agent's user id; null to put the ticket back in its queue.",
        max_length=40,
    )


class StatusIn(InputSchema):
    status: TicketStatus


class PriorityIn(InputSchema):
    priority: TicketPriority


class QueueMoveIn(InputSchema):
    queue: str = Field(min_length=1, max_length=50, description="A queue's slug.")


class SupportQueueOut(Schema):
    slug: str
    name: str = Field(description="In the caller's language.")
    topics: list[str] = Field(description="Topics it takes; empty: every topic.")
    requesters: Literal[tuple(SupportQueue.Requesters.values)]

    @staticmethod
    def resolve_name(queue: SupportQueue) -> str:
        return str(queue)


class OpsFilters(Schema):
    queue: str = Field("", max_length=50, description="A queue's slug.")
    status: TicketStatus | None = Field(None, description="Default: active ones.")
    priority: TicketPriority | None = None
    assignee: str = Field("", max_length=40, description="A user id, `me` or `none`.")
    breached: bool = Field(False, description="Only those past an SLA target.")


# --- Shaping ---------------------------------------------------------------------


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _attachment(attachment: TicketAttachment) -> dict:
    return {
        "id": attachment.public_id,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse("support:attachment", args=[attachment.public_id]),
        "created_at": attachment.created_at,
    }


def _message(message: TicketMessage, ticket: Ticket) -> dict:
    return {
        "id": message.public_id,
        "body": message.body,
        "from_support": message.author_id != ticket.requester_id,
        "internal": message.is_internal,
        "created_at": message.created_at,
        "attachments": [_attachment(a) for a in message.attachments.all()],
    }


# --- The requester ------------------------------------------------------------------


@router.get(
    "/support/tickets",
    response=list[TicketOut],
    summary="My support requests",
    description="Newest first, with their status.",
)
@paginate(CursorPagination)
def list_tickets(request: HttpRequest):
    return ticket_queries.tickets_of(_caller(request))


@router.post(
    "/support/tickets",
    response={201: TicketDetailOut},
    summary="Open a support request",
    description="About one of your orders (`order_id`), a payment, your account "
    "or anything. Add files with `POST /support/tickets/{id}/attachments`.",
)
def open_ticket(request: HttpRequest, payload: TicketIn):
    ticket = tickets.open_ticket(
        requester=_caller(request),
        subject=payload.subject,
        body=payload.body,
        topic=payload.topic,
        order_id=payload.order_id,
    )
    return Status(201, ticket)


@router.get(
    "/support/tickets/{ticket_id}",
    response=TicketDetailOut,
    summary="One of my support requests",
    description="With the conversation (the support team's internal notes are "
    "never shown).",
)
def get_ticket(request: HttpRequest, ticket_id: str):
    return ticket_queries.access_ticket(_caller(request), ticket_id)


@router.post(
    "/support/tickets/{ticket_id}/messages",
    response={201: TicketMessageOut},
    summary="Reply on a support request",
    description="A solved request, or one waiting for you, opens again; a "
    "closed one answers 409 `ticket_closed`.",
)
def post_message(request: HttpRequest, ticket_id: str, payload: TicketMessageIn):
    user = _caller(request)
    message = tickets.reply_as_requester(
        requester=user, ticket_id=ticket_id, body=payload.body
    )
    ticket = ticket_queries.access_ticket(user, ticket_id)
    return Status(201, _message(message, ticket))


@router.post(
    "/support/tickets/{ticket_id}/attachments",
    response={201: TicketAttachmentOut},
    summary="Attach a file to a support request",
    description="`multipart/form-data` with the file in `file`: a PDF, or a "
    "JPEG, PNG or WebP photo (re-encoded without metadata), at most 10 MB; at "
    "most 10 per request.",
)
def upload_attachment(request: HttpRequest, ticket_id: str, file: File[UploadedFile]):
    attachment = tickets.add_attachment(
        requester=_caller(request), ticket_id=ticket_id, upload=file
    )
    return Status(201, _attachment(attachment))


@router.post(
    "/support/tickets/{ticket_id}/rating",
    response=TicketOut,
    summary="Rate the help on a solved request",
    description="`good` or `bad` with a comment; once solved or closed (422 "
    "`ticket_not_solved` before). Rating again replaces it.",
)
def rate_ticket(request: HttpRequest, ticket_id: str, payload: RatingIn):
    ticket = tickets.rate_ticket(
        requester=_caller(request),
        ticket_id=ticket_id,
        rating=payload.rating,
        comment=payload.comment,
    )
    return ticket


# --- Ops ----------------------------------------------------------------------------


def _ops_one(agent: User, ticket_id: str) -> Ticket:
    return ticket_queries.access_ticket_for_ops(agent, ticket_id)


@router.get(
    "/ops/support/tickets",
    response=list[OpsTicketOut],
    summary="Support tickets (ops)",
    description="Newest first; filters as on the console.",
)
@paginate(CursorPagination)
def ops_list_tickets(request: HttpRequest, filters: Query[OpsFilters]):
    agent = require_back_office(request)
    return ticket_queries.console_tickets(
        agent=agent,
        queue=filters.queue,
        status=filters.status or "",
        priority=filters.priority or "",
        assignee=filters.assignee,
        only_breached=filters.breached,
    )


@router.get(
    "/ops/support/tickets/{ticket_id}",
    response=OpsTicketDetailOut,
    summary="One support ticket (ops)",
    description="With the whole conversation, internal notes included.",
)
def ops_get_ticket(request: HttpRequest, ticket_id: str):
    agent = require_back_office(request)
    return _ops_one(agent, ticket_id)


@router.post(
    "/ops/support/tickets/{ticket_id}/messages",
    response={201: OpsTicketDetailOut},
    summary="Reply to the requester, or add an internal note (ops)",
    description="A reply is the first response if none came before, and the "
    "requester is told. Audited.",
)
def ops_post_message(request: HttpRequest, ticket_id: str, payload: AgentMessageIn):
    agent = require_back_office(request)
    tickets.reply_as_agent(
        agent=agent,
        ticket_id=ticket_id,
        body=payload.body,
        internal=payload.internal,
        status=None if payload.internal else payload.status,
    )
    return Status(201, _ops_one(agent, ticket_id))


@router.post(
    "/ops/support/tickets/{ticket_id}/assign",
    response=OpsTicketDetailOut,
    summary="Assign a support ticket (ops)",
    description="To an agent whose role handles tickets (422 "
    "`not_a_support_agent` otherwise), or to nobody. Audited.",
)
def ops_assign(request: HttpRequest, ticket_id: str, payload: TicketAssignIn):
    agent = require_back_office(request)
    tickets.assign_ticket(
        agent=agent, ticket_id=ticket_id, assignee_id=payload.assignee_id
    )
    return _ops_one(agent, ticket_id)


@router.post(
    "/ops/support/tickets/{ticket_id}/queue",
    response=OpsTicketDetailOut,
    summary="Move a support ticket to another queue (ops)",
    description="`queue` is a slug of `GET /ops/support/queues` (404 "
    "`support_queue_not_found` otherwise). Audited.",
)
def ops_move(request: HttpRequest, ticket_id: str, payload: QueueMoveIn):
    agent = require_back_office(request)
    tickets.move_ticket(agent=agent, ticket_id=ticket_id, queue_slug=payload.queue)
    return _ops_one(agent, ticket_id)


@router.get(
    "/ops/support/queues",
    response=list[SupportQueueOut],
    summary="Support queues (ops)",
    description="In routing order: a new ticket goes to the first that takes it.",
)
def ops_queues(request: HttpRequest):
    return ticket_queries.queues_for(require_back_office(request))


@router.post(
    "/ops/support/tickets/{ticket_id}/status",
    response=OpsTicketDetailOut,
    summary="Change a support ticket's status (ops)",
    description="open, waiting, solved or closed; closed is final (409 "
    "`ticket_closed`). Audited.",
)
def ops_set_status(request: HttpRequest, ticket_id: str, payload: StatusIn):
    agent = require_back_office(request)
    tickets.set_ticket_status(agent=agent, ticket_id=ticket_id, status=payload.status)
    return _ops_one(agent, ticket_id)


@router.post(
    "/ops/support/tickets/{ticket_id}/priority",
    response=OpsTicketDetailOut,
    summary="Change a support ticket's priority (ops)",
    description="Its SLA due times become the new priority's, counted from "
    "when it was opened. Audited.",
)
def ops_set_priority(request: HttpRequest, ticket_id: str, payload: PriorityIn):
    agent = require_back_office(request)
    tickets.set_ticket_priority(
        agent=agent, ticket_id=ticket_id, priority=payload.priority
    )
    return _ops_one(agent, ticket_id)
