"""The messaging API: the caller's conversations, their messages, sending, read
receipts and the unread count. Live updates come over the WebSocket
``/ws/conversations/{id}/`` (see the README).

Only the two parties use these endpoints; any other caller — ops included, who
read conversations in the back office — gets 404, as for a conversation that does
not exist.
"""

import json

import pydantic
from django.http import HttpRequest
from ninja import Router
from ninja.errors import ValidationError
from ninja.pagination import paginate

from doorstep.accounts.models import User
from doorstep.api.pagination import CursorPagination
from doorstep.messaging import queries, services
from doorstep.messaging.models import Conversation
from doorstep.messaging.schemas import (
    ConversationOut,
    InquiryIn,
    MessageIn,
    MessageOut,
    ReadOut,
    SentMessageOut,
    UnreadCountOut,
)

router = Router(tags=["messaging"])


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _annotated(conversation: Conversation, user: User) -> Conversation:
    """The conversation again, with the caller's unread count."""
    return queries.conversations_of(user).get(pk=conversation.pk)


@router.get(
    "/conversations",
    response=list[ConversationOut],
    summary="Your conversations",
    description="Newest first, each with your unread count.",
)
@paginate(CursorPagination)
def list_conversations(request: HttpRequest):
    return queries.conversations_of(_caller(request))


@router.post(
    "/conversations",
    response={200: ConversationOut},
    summary="Ask a provider about a listing",
    description="Opens your inquiry about a published listing, or returns the "
    "one you already have.",
)
def start_inquiry(request: HttpRequest, payload: InquiryIn):
    user = _caller(request)
    conversation = services.start_inquiry(customer=user, listing_id=payload.listing_id)
    return _annotated(conversation, user)


@router.get(
    "/conversations/{conversation_id}",
    response=ConversationOut,
    summary="One conversation",
)
def get_conversation(request: HttpRequest, conversation_id: str):
    user = _caller(request)
    return _annotated(queries.find_conversation(user, conversation_id), user)


@router.get(
    "/conversations/{conversation_id}/messages",
    response=list[MessageOut],
    summary="Messages of a conversation",
    description="Newest first. Reading does not mark them read: "
    "`POST /conversations/{id}/read` does.",
)
@paginate(CursorPagination)
def list_messages(request: HttpRequest, conversation_id: str):
    conversation = queries.find_conversation(_caller(request), conversation_id)
    return queries.messages_of(conversation).select_related("conversation")


_SEND_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": MessageIn.json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "body": {"type": "string", "maxLength": 2000},
                        "attachment": {
                            "type": "string",
                            "format": "binary",
                            "description": "A JPEG, PNG or WebP photo, at most 8 MB.",
                        },
                    },
                }
            },
        },
    }
}


def _parse_send(request: HttpRequest) -> tuple[str, object]:
    """``(body, attachment)`` from a JSON or a multipart request."""
    if request.content_type == "multipart/form-data":
        data = {"body": request.POST.get("body", "")}
        attachment = request.FILES.get("attachment")
    else:
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ValidationError(
                [{"loc": ("body",), "type": "json_invalid", "msg": "Invalid JSON"}]
            ) from None
        attachment = None
    try:
        payload = MessageIn.model_validate(data)
    except pydantic.ValidationError as error:
        raise ValidationError(
            [
                {**problem, "loc": ("body", "payload", *problem["loc"])}
                for problem in error.errors(include_url=False)
            ]
        ) from None
    return payload.body, attachment


@router.post(
    "/conversations/{conversation_id}/messages",
    response={201: SentMessageOut},
    summary="Send a message",
    description='JSON `{"body": "…"}`, or `multipart/form-data` with `body` and '
    "an `attachment` photo. Before a booking is confirmed, phone numbers, e-mail "
    "addresses, messaging app ids and links are masked: the answer then has "
    "`masked: true` and a `reason` to show the sender. A message asking to pay "
    "or deal off the platform is delivered but flagged for ops: the answer has "
    "`off_platform: true` and a `warning` to show the sender.",
    openapi_extra=_SEND_BODY,
)
def send_message(request: HttpRequest, conversation_id: str):
    user = _caller(request)
    conversation = queries.find_conversation(user, conversation_id)
    body, attachment = _parse_send(request)
    sent = services.send_message(
        sender=user, conversation=conversation, body=body, attachment=attachment
    )
    sent.message.reason = sent.reason
    sent.message.warning = sent.warning
    return sent.message


@router.post(
    "/conversations/{conversation_id}/read",
    response=ReadOut,
    summary="Mark a conversation read",
    description="Everything in it so far; the other party sees “Seen”.",
)
def mark_read(request: HttpRequest, conversation_id: str):
    user = _caller(request)
    conversation = queries.find_conversation(user, conversation_id)
    receipt = services.mark_read(user=user, conversation=conversation)
    return {
        "conversation_id": conversation.public_id,
        "last_read_message_id": receipt.last_read_message.public_id
        if receipt and receipt.last_read_message
        else None,
        "read_at": receipt.read_at if receipt else None,
    }


@router.get(
    "/me/unread-count",
    response=UnreadCountOut,
    summary="Your unread messages",
    description="Messages from others you have not read, in all conversations.",
)
def unread_count(request: HttpRequest):
    return {"count": queries.unread_count(_caller(request))}
