"""Reads for the dispute pages and the API: what a dispute's reader sees.

The order's own record is evidence too, read live (never copied, so nothing
drifts): its events, the messages of its conversation and the provider's
delivery photos. Parties see the messages as they were delivered (masked
where contact details were); only ops see what a sender typed before masking."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from doorstep.messaging.models import Message
from doorstep.orders.models import OrderEvent, OrderPhoto
from doorstep.support.models import Dispute, DisputeEvidence


@dataclass
class DisputeRecord:
    dispute: Dispute
    evidence: list[DisputeEvidence]
    events: list[OrderEvent]
    messages: list[Message]
    delivery_photos: list[OrderPhoto]
    for_ops: bool = False
    unmasked: dict[int, str] = field(default_factory=dict)


def evidence_of(dispute: Dispute) -> QuerySet[DisputeEvidence]:
    return dispute.evidence.select_related("author")


def dispute_record(dispute: Dispute, *, for_ops: bool = False) -> DisputeRecord:
    order = dispute.order
    conversation = getattr(order, "conversation", None)
    messages = (
        list(conversation.messages.select_related("sender")) if conversation else []
    )
    return DisputeRecord(
        dispute=dispute,
        evidence=list(evidence_of(dispute)),
        events=list(
            order.events.select_related("actor_user").order_by("created_at", "pk")
        ),
        messages=messages,
        delivery_photos=list(order.photos.all()),
        for_ops=for_ops,
        unmasked=(
            {m.pk: m.original_body for m in messages if m.original_body}
            if for_ops
            else {}
        ),
    )
