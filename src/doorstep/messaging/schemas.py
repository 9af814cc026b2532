"""The shapes of the messaging API. Ids are public ids; times are ISO 8601."""

from datetime import datetime

from ninja import Field, Schema

from doorstep.api.schemas import InputSchema
from doorstep.messaging.models import MAX_MESSAGE_LENGTH, Conversation, Message
from doorstep.messaging.queries import contact_allowed


class InquiryIn(InputSchema):
    listing_id: str = Field(
        max_length=40, description="The listing to ask its provider about."
    )


class MessageIn(InputSchema):
    body: str = Field(
        "",
        max_length=MAX_MESSAGE_LENGTH,
        description="The text. Contact details are masked until a booking is "
        "confirmed.",
    )


class PartyOut(Schema):
    id: str
    name: str


class AttachmentOut(Schema):
    url: str
    thumbnail_url: str
    width: int | None
    height: int | None


class MessageOut(Schema):
    id: str
    conversation_id: str
    sender_id: str
    body: str
    masked: bool = Field(description="Part of the text was hidden (contact details).")
    attachment: AttachmentOut | None
    created_at: datetime

    @staticmethod
    def resolve_id(message: Message) -> str:
        return message.public_id

    @staticmethod
    def resolve_conversation_id(message: Message) -> str:
        return message.conversation.public_id

    @staticmethod
    def resolve_sender_id(message: Message) -> str:
        return message.sender.public_id

    @staticmethod
    def resolve_attachment(message: Message) -> dict | None:
        if not message.attachment:
            return None
        return {
            "url": message.attachment.url,
            "thumbnail_url": message.attachment_thumbnail.url,
            "width": message.attachment_width,
            "height": message.attachment_height,
        }


class SentMessageOut(MessageOut):
    reason: str = Field(
        description="Why part of the text was hidden (empty when nothing was)."
    )
    masked_kinds: list[str] = Field(
        description="What was hidden: phone, email, handle, url."
    )
    off_platform: bool = Field(
        description="The text asks to pay or deal off the platform: it was "
        "delivered, flagged for ops, and `warning` says so to the sender."
    )
    warning: str = Field(
        description="What to tell the sender about paying off the platform "
        "(empty when the message did not ask for it)."
    )


class ConversationOut(Schema):
    id: str
    customer: PartyOut
    provider: PartyOut
    listing_id: str | None
    order_id: str | None
    created_at: datetime
    last_message_at: datetime | None
    unread: int = Field(description="Messages from the other party you have not read.")
    contact_allowed: bool = Field(
        description="Contact details pass unmasked (a booking is confirmed)."
    )

    @staticmethod
    def resolve_id(conversation: Conversation) -> str:
        return conversation.public_id

    @staticmethod
    def resolve_customer(conversation: Conversation) -> dict:
        customer = conversation.customer
        return {"id": customer.public_id, "name": str(customer)}

    @staticmethod
    def resolve_provider(conversation: Conversation) -> dict:
        provider = conversation.provider
        return {"id": provider.user.public_id, "name": provider.display_name}

    @staticmethod
    def resolve_listing_id(conversation: Conversation) -> str | None:
        return conversation.listing.public_id if conversation.listing else None

    @staticmethod
    def resolve_order_id(conversation: Conversation) -> str | None:
        return conversation.order.public_id if conversation.order else None

    @staticmethod
    def resolve_contact_allowed(conversation: Conversation) -> bool:
        return contact_allowed(conversation)


class ReadOut(Schema):
    conversation_id: str
    last_read_message_id: str | None
    read_at: datetime | None


class UnreadCountOut(Schema):
    count: int
