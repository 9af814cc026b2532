"""Reads: whose conversations, how many unread, whether contact details may flow.

``access_conversation`` is the one way to fetch a conversation for a person: the
two parties see it; ops with back-office access see it too (and that reading is
audited); anyone else gets ``NotFound``, exactly as if it did not exist.
"""

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import NotFound
from doorstep.messaging.models import Conversation, Message, ReadReceipt
from doorstep.orders.states import CONTACT_ALLOWED_STATES


def conversation_not_found() -> NotFound:
    return NotFound("conversation_not_found", _("Conversation not found."))


def _conversations() -> QuerySet[Conversation]:
    return Conversation.objects.select_related(
        "customer", "provider", "provider__user", "listing", "order"
    )


def conversations_of(user: User) -> QuerySet[Conversation]:
    """``user``'s conversations (as customer or as provider), each annotated with
    ``unread`` (messages from the other party after ``user``'s last read)."""
    last_read = ReadReceipt.objects.filter(
        conversation=OuterRef("pk"), user=user
    ).values("last_read_message_id")[:1]
    return (
        _conversations()
        .filter(Q(customer=user) | Q(provider__user=user))
        .annotate(
            my_last_read=Coalesce(Subquery(last_read, output_field=IntegerField()), 0),
        )
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__pk__gt=F("my_last_read"))
                & ~Q(messages__sender=user),
            )
        )
    )


def unread_count(user: User) -> int:
    """Messages from others that ``user`` has not read, across every conversation."""
    last_read = ReadReceipt.objects.filter(
        conversation=OuterRef("conversation_id"), user=user
    ).values("last_read_message_id")[:1]
    return (
        Message.objects.filter(
            Q(conversation__customer=user) | Q(conversation__provider__user=user)
        )
        .exclude(sender=user)
        .annotate(
            my_last_read=Coalesce(Subquery(last_read, output_field=IntegerField()), 0)
        )
        .filter(pk__gt=F("my_last_read"))
        .count()
    )


def find_conversation(user: User, conversation_id: str) -> Conversation:
    """The conversation if ``user`` is one of its two parties; ``NotFound`` else."""
    conversation = (
        _conversations()
        .filter(public_id=conversation_id)
        .filter(Q(customer=user) | Q(provider__user=user))
        .first()
    )
    if conversation is None:
        raise conversation_not_found()
    return conversation


def access_conversation(
    user: User, conversation_id: str, *, as_ops: bool = False
) -> Conversation:
    """The conversation for ``user`` to read. A party gets it; with ``as_ops``
    (the caller checked back-office access) ops get any conversation and the
    reading is recorded; everyone else gets ``NotFound``."""
    try:
        return find_conversation(user, conversation_id)
    except NotFound:
        if not as_ops:
            raise
    conversation = _conversations().filter(public_id=conversation_id).first()
    if conversation is None:
        raise conversation_not_found()
    from doorstep.messaging.services import record_ops_read

    record_ops_read(reader=user, conversation=conversation)
    return conversation


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    return conversation.messages.select_related("sender").order_by("created_at", "pk")


def recent_messages(conversation: Conversation, *, limit: int = 100) -> list[Message]:
    """The last ``limit`` messages, oldest first (what a thread page shows)."""
    newest = list(
        conversation.messages.select_related("sender").order_by("-created_at", "-pk")[
            :limit
        ]
    )
    return newest[::-1]


def contact_allowed(conversation: Conversation) -> bool:
    """Whether contact details pass unmasked: the two have a confirmed deal."""
    from doorstep.orders.models import Order

    if conversation.order_id is not None:
        return conversation.order.state in CONTACT_ALLOWED_STATES
    return Order.objects.filter(
        customer_id=conversation.customer_id,
        provider_id=conversation.provider_id,
        state__in=CONTACT_ALLOWED_STATES,
    ).exists()


def other_party_read_up_to(conversation: Conversation, user: User) -> int:
    """The pk of the last message the *other* party has read (0: none)."""
    receipt = (
        ReadReceipt.objects.filter(conversation=conversation)
        .exclude(user=user)
        .filter(user_id__in=[conversation.customer_id, conversation.provider.user_id])
        .values_list("last_read_message_id", flat=True)
        .first()
    )
    return receipt or 0


# --- Ops: flags ---------------------------------------------------------------------


def open_flags() -> QuerySet:
    """Flags waiting for a decision, oldest first (the queue's order)."""
    from doorstep.messaging.models import MessageFlag

    return (
        MessageFlag.objects.filter(resolved_at=None)
        .select_related("sender", "last_message__conversation", "order")
        .order_by("created_at", "pk")
    )


def recently_decided_flags(*, limit: int = 30) -> list:
    from doorstep.messaging.models import MessageFlag

    return list(
        MessageFlag.objects.exclude(resolved_at=None)
        .select_related("sender", "decided_by")
        .order_by("-resolved_at")[:limit]
    )


def flag_for_ops(flag_id: int):
    from doorstep.messaging.models import MessageFlag

    flag = (
        MessageFlag.objects.select_related(
            "sender",
            "decided_by",
            "order",
            "last_message__conversation__customer",
            "last_message__conversation__provider",
        )
        .filter(pk=flag_id)
        .first()
    )
    if flag is None:
        raise NotFound("flag_not_found", _("No such flag."))
    return flag


def flag_excerpt(flag, *, around: int = 4) -> list[Message]:
    """The flagged message with up to ``around`` messages either side of it, as
    ops read them (what each sender typed, before masking)."""
    message = flag.last_message
    if message is None:
        return []
    thread = Message.objects.filter(conversation_id=message.conversation_id)
    before = list(
        thread.filter(pk__lt=message.pk)
        .select_related("sender")
        .order_by("-pk")[:around]
    )
    after = list(
        thread.filter(pk__gt=message.pk)
        .select_related("sender")
        .order_by("pk")[:around]
    )
    return [*before[::-1], message, *after]


def flagged_messages_of(flag, *, limit: int = 20) -> list[Message]:
    """The sender's other messages that were masked or warned, newest first."""
    return list(
        Message.objects.filter(sender_id=flag.sender_id)
        .filter(Q(masked=True) | Q(off_platform=True))
        .select_related("conversation")
        .order_by("-created_at")[:limit]
    )
