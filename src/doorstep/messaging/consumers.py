"""The WebSocket of one conversation: ``ws/conversations/<id>/``.

Signed in with the session cookie (``AuthMiddlewareStack``). The two parties, and
ops with back-office access, join the conversation's group; they receive

* ``{"type": "message", "id", "sender", "created_at", "body", "masked", "html"}``
  for each new message (``html`` rendered for the receiving person), and
* ``{"type": "read", "reader", "message_id", "read_at"}`` when a party has read up
  to a message.

A party may send ``{"type": "read"}`` to mark everything read. Anyone else is
accepted and closed at once with 4403 (not signed in) or 4404 (not theirs, or no
such conversation), so browsers see a reason rather than a failed handshake.
"""

from types import SimpleNamespace

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer
from django.template.loader import render_to_string
from django.utils import translation

from doorstep.backoffice.access import can_use_back_office
from doorstep.core.errors import NotFound
from doorstep.messaging import queries, services
from doorstep.messaging.models import Conversation, Message

CLOSE_NOT_SIGNED_IN = 4403
CLOSE_NOT_FOUND = 4404


def conversation_group(conversation_id: str) -> str:
    return f"conversation.{conversation_id}"


class ConversationConsumer(JsonWebsocketConsumer):
    conversation: Conversation | None = None

    def connect(self) -> None:
        self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            self.close(code=CLOSE_NOT_SIGNED_IN)
            return
        conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        # can_use_back_office reads the user and the session, as from a request.
        as_ops = can_use_back_office(
            SimpleNamespace(user=user, session=self.scope.get("session"))
        )
        try:
            self.conversation = queries.access_conversation(
                user, conversation_id, as_ops=as_ops
            )
        except NotFound:
            self.close(code=CLOSE_NOT_FOUND)
            return
        self.group = conversation_group(self.conversation.public_id)
        self.groups = [self.group]  # so Channels leaves it on disconnect
        async_to_sync(self.channel_layer.group_add)(self.group, self.channel_name)

    def receive_json(self, content, **kwargs) -> None:
        if self.conversation is None or not isinstance(content, dict):
            return
        user = self.scope["user"]
        if content.get("type") == "read" and self.conversation.is_party(user):
            services.mark_read(user=user, conversation=self.conversation)

    # Group events (from services.publish) -----------------------------------------

    def conversation_message(self, event: dict) -> None:
        message = (
            Message.objects.select_related("sender", "conversation")
            .filter(public_id=event["message_id"])
            .first()
        )
        if message is None or self.conversation is None:
            return
        user = self.scope["user"]
        with translation.override(getattr(user, "language", None) or "en"):
            html = render_to_string(
                "messaging/_message.html",
                {"message": message, "viewer": user, "conversation": self.conversation},
            )
        self.send_json(
            {
                "type": "message",
                "id": message.public_id,
                "sender": message.sender.public_id,
                "created_at": message.created_at.isoformat(),
                "body": message.body,
                "masked": message.masked,
                "html": html,
            }
        )

    def conversation_read(self, event: dict) -> None:
        self.send_json(
            {
                "type": "read",
                "reader": event["reader"],
                "message_id": event["message_id"],
                "read_at": event["read_at"],
            }
        )
