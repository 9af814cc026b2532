"""Every write of messaging: start a conversation, send a message, mark it read.

Real-time delivery is a side effect: after the transaction commits, the message
(or the read receipt) is published to the conversation's channel-layer group and
every open WebSocket of the two parties gets it. A rolled-back message is never
pushed.
"""

import logging
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.audit.services import record as audit_record
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.catalog.models import Listing
from doorstep.catalog.photos import process_photo
from doorstep.core.errors import DomainError, NotFound
from doorstep.events.services import record_event
from doorstep.messaging import audit_actions, queries
from doorstep.messaging.masking import EMAIL, HANDLE, PHONE, URL, mask_contact_details
from doorstep.messaging.models import (
    MAX_MESSAGE_LENGTH,
    Conversation,
    Message,
    MessageFlag,
    ReadReceipt,
)
from doorstep.messaging.offplatform import find_off_platform_request

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentMessage:
    message: Message
    masked_kinds: list[str] = field(default_factory=list)
    off_platform: bool = False

    @property
    def masked(self) -> bool:
        return bool(self.masked_kinds)

    @property
    def reason(self) -> str:
        return masking_reason(self.masked_kinds)

    @property
    def warning(self) -> str:
        return off_platform_warning() if self.off_platform else ""


def off_platform_warning() -> str:
    """What the sender is told when they asked to pay or deal off the platform."""
    return _(
        "Payments and bookings stay on Doorstep: paying outside it (cash, "
        "transfers, other apps) or cancelling to meet anyway leaves both of you "
        "without the held payment, reviews or help if something goes wrong. Your "
        "message was sent; our team may review it."
    )


def masking_reason(kinds: list[str]) -> str:
    """What the sender is told when part of a message was hidden."""
    if not kinds:
        return ""
    names = {
        PHONE: _("phone numbers"),
        EMAIL: _("e-mail addresses"),
        HANDLE: _("messaging app ids"),
        URL: _("links"),
    }
    hidden = ", ".join(str(names[kind]) for kind in kinds if kind in names)
    return _(
        "We hid %(details)s in your message. Until the provider accepts a booking, "
        "keep the conversation on Doorstep: your payment is held safely and you are "
        "covered if anything goes wrong. Contact details can be shared once the "
        "booking is confirmed."
    ) % {"details": hidden}


# --- Starting conversations ---------------------------------------------------------


def _get_or_create(**lookup) -> Conversation:
    conversation = Conversation.objects.filter(**lookup).first()
    if conversation is not None:
        return conversation
    try:
        with transaction.atomic():
            return Conversation.objects.create(**lookup)
    except IntegrityError:  # created by a concurrent request a moment ago
        return Conversation.objects.get(**lookup)


def start_inquiry(*, customer: User, listing_id: str) -> Conversation:
    """The customer's conversation with the provider of a published listing
    (created the first time, the same one after that)."""
    listing = (
        Listing.objects.select_related("provider")
        .filter(public_id=listing_id, status=Listing.Status.PUBLISHED)
        .first()
    )
    if listing is None:
        raise NotFound("listing_not_found", _("Service not found."))
    if listing.provider.user_id == customer.pk:
        raise DomainError(
            "own_listing", _("This is your own service: there is no one to message.")
        )
    return _get_or_create(
        customer=customer, provider=listing.provider, listing=listing, order=None
    )


def conversation_for_order(*, order) -> Conversation:
    """The one conversation of an order (created on first use)."""
    if order.provider_id is None:
        raise DomainError(
            "no_provider_yet",
            _("This order has no provider yet, so there is no one to message."),
            status=409,
        )
    return _get_or_create(
        order=order,
        customer=order.customer,
        provider=order.provider,
        listing=order.listing,
    )


def open_order_conversation(*, user: User, order_id: str) -> Conversation:
    """The conversation of one of ``user``'s orders; ``NotFound`` for anyone else's."""
    from doorstep.orders.queries import access_order

    return conversation_for_order(order=access_order(user, order_id))


# --- Messages -----------------------------------------------------------------------


def _check_body(body: str, *, has_attachment: bool) -> str:
    body = (body or "").strip()
    if not body and not has_attachment:
        message = _("Write a message or attach a photo.")
        raise DomainError(
            "empty_message", message, status=400, fields={"body": [message]}
        )
    if len(body) > MAX_MESSAGE_LENGTH:
        message = _("Keep a message under %(limit)d characters.") % {
            "limit": MAX_MESSAGE_LENGTH
        }
        raise DomainError(
            "message_too_long", message, status=400, fields={"body": [message]}
        )
    return body


def _process_attachment(upload: File):
    try:
        return process_photo(upload)
    except DomainError as error:
        raise DomainError(
            error.code,
            error.message,
            status=error.status,
            fields={"attachment": [error.message]},
        ) from None


@transaction.atomic
def send_message(
    *,
    sender: User,
    conversation: Conversation,
    body: str = "",
    attachment: File | None = None,
) -> SentMessage:
    """Send as one of the two parties. Ops may read a conversation but never
    speak in it, so anyone else gets ``NotFound``.

    Before the deal is confirmed, contact details in ``body`` are masked; the
    original is kept apart for ops, and a sender who keeps trying is flagged.
    Raises ``DomainError`` 400 for an empty or too long message or a bad image.
    """
    if not conversation.is_party(sender):
        raise queries.conversation_not_found()
    body = _check_body(body, has_attachment=attachment is not None)
    photo = _process_attachment(attachment) if attachment is not None else None

    original = body
    kinds: list[str] = []
    if body and not queries.contact_allowed(conversation):
        result = mask_contact_details(body)
        body, kinds = result.text, result.kinds
    # Paying outside the platform is never fine, before or after the deal.
    off_platform = bool(body) and find_off_platform_request(original).found

    message = Message(
        conversation=conversation,
        sender=sender,
        body=body,
        original_body=original if kinds else "",
        masked=bool(kinds),
        masked_kinds=kinds,
        off_platform=off_platform,
    )
    if photo is not None:
        message.attachment.save(photo.image_name, photo.image, save=False)
        message.attachment_thumbnail.save(
            photo.thumbnail_name, photo.thumbnail, save=False
        )
        message.attachment_width, message.attachment_height = photo.width, photo.height
    message.save()
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=message.created_at
    )
    conversation.last_message_at = message.created_at
    # What you sent, you have read.
    _advance_receipt(conversation=conversation, user=sender, message=message)
    if kinds:
        _flag_if_repeated(sender=sender, message=message)
    if off_platform:
        _flag(
            sender=sender,
            reason=MessageFlag.Reason.OFF_PLATFORM,
            count=None,
            message=message,
            excerpt=original,
        )
    record_event(
        topic="message.sent",
        subject=message.public_id,
        payload={
            "conversation": conversation.public_id,
            "sender": sender.public_id,
            "recipient": _other_party(conversation, sender).public_id,
            "masked": bool(kinds),
            "off_platform": off_platform,
            "has_attachment": photo is not None,
        },
    )
    transaction.on_commit(
        lambda: publish(
            conversation.public_id,
            {"type": "conversation.message", "message_id": message.public_id},
        )
    )
    return SentMessage(message=message, masked_kinds=kinds, off_platform=off_platform)


def _other_party(conversation: Conversation, user: User) -> User:
    if user.pk == conversation.customer_id:
        return conversation.provider.user
    return conversation.customer


def _flag_if_repeated(*, sender: User, message: Message) -> None:
    """Open (or bump) a flag for ops once ``sender`` has had
    ``DOORSTEP_MESSAGING_FLAG_AFTER`` messages masked since their last flag was
    resolved."""
    reason = MessageFlag.Reason.CONTACT_DETAILS
    last_resolved = (
        MessageFlag.objects.filter(sender=sender, reason=reason)
        .exclude(resolved_at=None)
        .order_by("-resolved_at")
        .values_list("resolved_at", flat=True)
        .first()
    )
    masked = Message.objects.filter(sender=sender, masked=True)
    if last_resolved is not None:
        masked = masked.filter(created_at__gt=last_resolved)
    count = masked.count()
    if count < settings.DOORSTEP_MESSAGING_FLAG_AFTER:
        return
    _flag(
        sender=sender,
        reason=reason,
        count=count,
        message=message,
        excerpt=message.original_body,
    )


def _flag(
    *,
    sender: User,
    reason: str,
    count: int | None,
    message: Message | None = None,
    order=None,
    excerpt: str = "",
) -> MessageFlag:
    """Open ``sender``'s flag for ``reason``, or bring the open one up to date:
    ``count`` incidents (``None``: one more than before), the latest at
    ``message`` or ``order``. Opening records ``message.flagged``."""
    flag, created = MessageFlag.objects.select_for_update().get_or_create(
        sender=sender,
        reason=reason,
        resolved_at=None,
        defaults={
            "count": count or 1,
            "last_message": message,
            "order": order,
            "excerpt": excerpt,
        },
    )
    if not created:
        flag.count = count if count is not None else flag.count + 1
        flag.last_message = message or flag.last_message
        flag.order = order or flag.order
        flag.excerpt = excerpt or flag.excerpt
        flag.save(
            update_fields=["count", "last_message", "order", "excerpt", "updated_at"]
        )
        return flag
    record_event(
        topic="message.flagged",
        subject=sender.public_id,
        payload={
            "reason": reason,
            "count": flag.count,
            "message": message.public_id if message else None,
            "order": order.public_id if order is not None else None,
        },
    )
    return flag


# --- Bookings: what the customer writes for the provider ---------------------------


@dataclass(frozen=True)
class BookingTextCheck:
    masked_fields: list[str] = field(default_factory=list)
    off_platform: bool = False

    @property
    def flagged(self) -> bool:
        return bool(self.masked_fields) or self.off_platform

    @property
    def warning(self) -> str:
        if self.off_platform:
            return off_platform_warning()
        if self.masked_fields:
            return _(
                "The provider will not see the contact details in your booking "
                "until they accept it: keep talking on Doorstep until then."
            )
        return ""


def check_booking_text(*, order) -> BookingTextCheck:
    """Screen what ``order``'s customer typed for the provider (the notes and
    the address): contact details there are masked for the provider until the
    deal is confirmed (``orders.queries.notes_for_provider`` /
    ``address_for_provider``) and, like a request to pay off the platform,
    flag the customer for ops. Call it in the transaction that creates the
    order; returns what to tell the customer."""
    texts = {"notes": order.notes or "", "address": order.address or ""}
    masked = [name for name, text in texts.items() if mask_contact_details(text).masked]
    off_platform = find_off_platform_request(texts["notes"]).found
    check = BookingTextCheck(masked_fields=masked, off_platform=off_platform)
    if check.flagged:
        _flag(
            sender=order.customer,
            reason=MessageFlag.Reason.BOOKING_TEXT,
            count=None,
            order=order,
            excerpt="\n".join(text for text in texts.values() if text),
        )
    return check


# --- Ops deciding flags -------------------------------------------------------------


def _locked_open_flag(flag_id: int) -> MessageFlag:
    flag = (
        MessageFlag.objects.select_for_update()
        .select_related("sender")
        .filter(pk=flag_id)
        .first()
    )
    if flag is None:
        raise NotFound("flag_not_found", _("No such flag."))
    if not flag.is_open:
        raise DomainError(
            "flag_already_decided",
            _("This flag has already been decided."),
            status=409,
        )
    return flag


def _decision_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > 500:
        message = _("Keep the note under 500 characters.")
        raise DomainError(
            "note_too_long", message, status=400, fields={"note": [message]}
        )
    return note


@transaction.atomic
def decide_message_flag(
    *, user: User, flag_id: int, confirm: bool, note: str = "", warn: bool = False
) -> MessageFlag:
    """Ops close an open flag: ``confirm`` (the sender did try to take deals
    off the platform; with ``warn`` they are told so) or dismiss it (normal
    talk). Needs ``MODERATE_MESSAGES`` (403 ``ops_permission_required``);
    404 ``flag_not_found``; 409 ``flag_already_decided``; audited."""
    require_ops_permission(user, OpsPermission.MODERATE_MESSAGES)
    note = _decision_note(note)
    if warn and not confirm:
        message = _("Only a confirmed flag can warn the sender.")
        raise DomainError("warn_needs_confirm", message, status=400)
    flag = _locked_open_flag(flag_id)
    before = {"status": flag.status}
    flag.status = (
        MessageFlag.Status.CONFIRMED if confirm else MessageFlag.Status.DISMISSED
    )
    flag.resolved_at = timezone.now()
    flag.decided_by, flag.decision_note, flag.sender_warned = user, note, warn
    flag.save(
        update_fields=[
            "status",
            "resolved_at",
            "decided_by",
            "decision_note",
            "sender_warned",
            "updated_at",
        ]
    )
    audit_record(
        actor=user,
        action=audit_actions.CONFIRM_FLAG if confirm else audit_actions.DISMISS_FLAG,
        target=flag,
        reason=note,
        before=before,
        after={"status": flag.status, "sender_warned": warn},
    )
    if warn:
        record_event(
            topic="message.flag_confirmed",
            subject=flag.sender.public_id,
            payload={"flag": flag.pk, "reason": flag.reason},
        )
    return flag


# --- Reading ------------------------------------------------------------------------


def _advance_receipt(
    *, conversation: Conversation, user: User, message: Message
) -> tuple[ReadReceipt, bool]:
    receipt, created = ReadReceipt.objects.select_for_update().get_or_create(
        conversation=conversation,
        user=user,
        defaults={"last_read_message": message, "read_at": timezone.now()},
    )
    if created:
        return receipt, True
    if receipt.last_read_message_id is not None and (
        receipt.last_read_message_id >= message.pk
    ):
        return receipt, False
    receipt.last_read_message, receipt.read_at = message, timezone.now()
    receipt.save(update_fields=["last_read_message", "read_at"])
    return receipt, True


@transaction.atomic
def mark_read(*, user: User, conversation: Conversation) -> ReadReceipt | None:
    """Record that a party has read everything in the conversation so far, and
    tell the other party ("Seen"). Ops reading leaves no receipt."""
    if not conversation.is_party(user):
        raise queries.conversation_not_found()
    last = conversation.messages.order_by("-created_at", "-pk").first()
    if last is None:
        return None
    receipt, advanced = _advance_receipt(
        conversation=conversation, user=user, message=last
    )
    if advanced:
        payload = {
            "type": "conversation.read",
            "reader": user.public_id,
            "message_id": last.public_id,
            "read_at": receipt.read_at.isoformat(),
        }
        transaction.on_commit(lambda: publish(conversation.public_id, payload))
    return receipt


@transaction.atomic
def record_ops_read(*, reader: User, conversation: Conversation) -> None:
    """Ops opened a conversation that is not theirs: leave an audit trail."""
    record_event(
        topic="conversation.read_by_ops",
        subject=conversation.public_id,
        payload={"reader": reader.public_id},
    )


# --- Real time ----------------------------------------------------------------------


def publish(conversation_id: str, event: dict) -> None:
    """Push ``event`` to every WebSocket open on the conversation. Best effort:
    a client that misses it catches up by polling or on its next page load."""
    from channels.layers import get_channel_layer

    from doorstep.messaging.consumers import conversation_group

    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(conversation_group(conversation_id), event)
    except Exception:  # the message is saved; live delivery is a bonus
        logger.exception("Could not publish to conversation %s", conversation_id)
