"""The disputes API: open a dispute about one of your orders, read yours (with
the evidence of both sides and the order's own record), add statements and
photos, answer a claim, take or decline an offer; and for ops, the disputes
to decide and the decision. Someone else's dispute answers 404, like one that
does not exist; errors are problem+json like everywhere.

Ops endpoints need a token minted after the TOTP code or a session that
passed it (``backoffice.access.require_back_office``: 403 ``ops_mfa_required``
for staff without, 404 for everyone else) and a role that decides disputes."""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate
from pydantic import AwareDatetime

from doorstep.accounts.models import User
from doorstep.api.pagination import CursorPagination
from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.backoffice.access import require_back_office
from doorstep.support import disputes
from doorstep.support.dispute_queries import DisputeRecord, dispute_record
from doorstep.support.models import Dispute, DisputeEvidence

router = Router(tags=["disputes"])

# Literals rather than the model's enums: ninja names an enum's schema by its
# class name, and other "Status"/"Category" enums would take its place.
DisputeStatus = Literal[tuple(Dispute.Status.values)]
DisputeCategory = Literal[tuple(Dispute.Category.values)]
DisputeOutcome = Literal[tuple(Dispute.Outcome.values)]


class EvidenceOut(Schema):
    id: str
    side: str = Field(description="customer, provider or ops.")
    statement: str
    photo_url: str | None = Field(
        description="Served to the dispute's parties and ops only."
    )
    created_at: datetime


class DisputeOrderEventOut(Schema):
    transition: str
    from_state: str
    to_state: str
    actor: str
    at: datetime


class DisputeMessageOut(Schema):
    id: str
    from_side: str = Field(description="customer or provider.")
    body: str
    at: datetime


class DisputeOut(Schema):
    id: str
    order_id: str
    status: DisputeStatus
    status_label: str
    opener_side: str
    your_side: str | None = Field(description="Null for ops.")
    category: DisputeCategory
    statement: str
    paid: MoneyOut = Field(description="What a refund can give back at most.")
    respond_by: datetime | None = Field(description="When the side asked must answer.")
    response_statement: str
    offer: MoneyOut | None
    offer_redo_at: datetime | None = Field(
        description="With a redo offer: when the provider would come back, free."
    )
    escalation: str
    outcome: DisputeOutcome | None
    refund: MoneyOut | None
    decision_reason: str
    penalised: bool
    redo_order_id: str | None = Field(
        description="The free redo agreed or decided: an order of its own."
    )
    created_at: datetime
    closed_at: datetime | None
    evidence: list[EvidenceOut]
    order_events: list[DisputeOrderEventOut] = Field(description="The order's history.")
    order_messages: list[DisputeMessageOut] = Field(
        description="The order's conversation, as delivered."
    )
    delivery_photos: list[str] = Field(description="URLs of the delivery photos.")


class DisputeSummaryOut(Schema):
    id: str
    order_id: str
    status: DisputeStatus
    category: DisputeCategory
    opener_side: str
    paid: MoneyOut
    respond_by: datetime | None
    escalated_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_id(dispute: Dispute) -> str:
        return dispute.public_id

    @staticmethod
    def resolve_order_id(dispute: Dispute) -> str:
        return dispute.order.public_id

    @staticmethod
    def resolve_paid(dispute: Dispute) -> dict:
        return {"amount": dispute.paid_amount, "currency": dispute.currency}


class OpenDisputeIn(InputSchema):
    category: DisputeCategory
    statement: str = Field(min_length=1, max_length=5000)


RedoAt = Field(
    None,
    description="A free redo at this time, free on the provider's calendar "
    "(ISO 8601 with an offset).",
)


class ResponseIn(InputSchema):
    answer: Literal["accept", "offer", "redo", "reject"] = Field(
        description="`redo`: the provider offers to come back at `redo_at` and "
        "do it again for free (with `amount` refunded too, if given)."
    )
    amount: int | None = Field(
        None,
        ge=0,
        description="The refund offered, minor units (answer=offer: above 0; "
        "answer=redo: optional).",
    )
    redo_at: AwareDatetime | None = RedoAt
    statement: str = Field("", max_length=5000)


class DecisionIn(InputSchema):
    refund: int = Field(
        ge=0, description="To the customer; the provider keeps the rest."
    )
    reason: str = Field(min_length=1, max_length=4000)
    penalise: bool = Field(
        False, description="A strike under the quality rule (needs standards powers)."
    )
    redo_at: AwareDatetime | None = RedoAt


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _money(amount: int | None, currency: str) -> dict | None:
    return None if amount is None else {"amount": amount, "currency": currency}


def _evidence_out(item: DisputeEvidence) -> dict:
    return {
        "id": item.public_id,
        "side": item.side,
        "statement": item.statement,
        "photo_url": (
            reverse("disputes:photo", args=[item.public_id]) if item.photo else None
        ),
        "created_at": item.created_at,
    }


def _dispute_out(record: DisputeRecord, side: str | None) -> dict:
    dispute = record.dispute
    order = dispute.order
    return {
        "id": dispute.public_id,
        "order_id": order.public_id,
        "status": dispute.status,
        "status_label": str(dispute.get_status_display()),
        "opener_side": dispute.opener_side,
        "your_side": side,
        "category": dispute.category,
        "statement": dispute.statement,
        "paid": _money(dispute.paid_amount, dispute.currency),
        "respond_by": dispute.respond_by,
        "response_statement": dispute.response_statement,
        "offer": _money(dispute.offer_amount, dispute.currency),
        "offer_redo_at": dispute.offer_redo_at,
        "escalation": dispute.escalation,
        "outcome": dispute.outcome or None,
        "refund": _money(dispute.refund_amount, dispute.currency),
        "decision_reason": dispute.decision_reason,
        "penalised": dispute.penalised,
        "redo_order_id": dispute.redo_order.public_id if dispute.redo_order else None,
        "created_at": dispute.created_at,
        "closed_at": dispute.closed_at,
        "evidence": [_evidence_out(item) for item in record.evidence],
        "order_events": [
            {
                "transition": event.transition,
                "from_state": event.from_state,
                "to_state": event.to_state,
                "actor": event.actor,
                "at": event.created_at,
            }
            for event in record.events
        ],
        "order_messages": [
            {
                "id": message.public_id,
                "from_side": (
                    "customer" if message.sender_id == order.customer_id else "provider"
                ),
                "body": message.body,
                "at": message.created_at,
            }
            for message in record.messages
        ],
        "delivery_photos": [photo.image.url for photo in record.delivery_photos],
    }


def _party_out(user: User, dispute_id: str) -> dict:
    dispute, side = disputes.access_dispute(user, dispute_id)
    return _dispute_out(dispute_record(dispute), side)


# --- The parties ------------------------------------------------------------------


@router.post(
    "/orders/{order_id}/disputes",
    response={201: DisputeOut},
    summary="Open a dispute about an order",
    description="As its customer or provider, while it is delivered or within "
    "the window after completion. The other side is asked to answer first. "
    "Add photos with `POST /disputes/{id}/evidence`.",
)
def open_dispute(request: HttpRequest, order_id: str, payload: OpenDisputeIn):
    dispute = disputes.open_dispute(
        user=_caller(request),
        order_id=order_id,
        category=payload.category,
        statement=payload.statement,
    )
    return Status(201, _party_out(_caller(request), dispute.public_id))


@router.get(
    "/disputes",
    response=list[DisputeSummaryOut],
    summary="Your disputes",
    description="About orders you are the customer or provider of; newest first.",
)
@paginate(CursorPagination)
def my_disputes(request: HttpRequest):
    return disputes.disputes_of(_caller(request))


@router.get(
    "/disputes/{dispute_id}",
    response=DisputeOut,
    summary="A dispute, with all its evidence",
)
def get_dispute(request: HttpRequest, dispute_id: str):
    return _party_out(_caller(request), dispute_id)


@router.post(
    "/disputes/{dispute_id}/evidence",
    response={201: list[EvidenceOut]},
    summary="Add a statement and photos",
    description="Multipart: `statement` and up to 6 `photos` (JPEG, PNG or WebP).",
)
def add_evidence(
    request: HttpRequest,
    dispute_id: str,
    statement: str = Form("", max_length=5000),
    photos: File[list[UploadedFile]] = None,
):
    rows = disputes.add_evidence(
        user=_caller(request),
        dispute_id=dispute_id,
        statement=statement,
        photos=photos or [],
    )
    return Status(201, [_evidence_out(row) for row in rows])


@router.post(
    "/disputes/{dispute_id}/response",
    response=DisputeOut,
    summary="Answer a claim",
    description="The side asked: accept it, offer a refund (`amount`), offer a "
    "free redo at `redo_at` (the provider), or reject it (support decides).",
)
def respond(request: HttpRequest, dispute_id: str, payload: ResponseIn):
    disputes.respond_to_dispute(
        user=_caller(request),
        dispute_id=dispute_id,
        answer=payload.answer,
        amount=payload.amount,
        redo_at=payload.redo_at,
        statement=payload.statement,
    )
    return _party_out(_caller(request), dispute_id)


@router.post(
    "/disputes/{dispute_id}/offer/accept",
    response=DisputeOut,
    summary="Accept the offer",
    description="The opener: settled at once, the refund on its way and an "
    "offered redo booked (409 `slot_taken` if its time went meanwhile).",
)
def accept_offer(request: HttpRequest, dispute_id: str):
    disputes.accept_offer(user=_caller(request), dispute_id=dispute_id)
    return _party_out(_caller(request), dispute_id)


@router.post(
    "/disputes/{dispute_id}/offer/decline",
    response=DisputeOut,
    summary="Decline the offer",
    description="The opener: support decides.",
)
def decline_offer(request: HttpRequest, dispute_id: str):
    disputes.decline_offer(user=_caller(request), dispute_id=dispute_id)
    return _party_out(_caller(request), dispute_id)


# --- Ops --------------------------------------------------------------------------


@router.get(
    "/ops/disputes",
    response=list[DisputeSummaryOut],
    summary="Disputes (ops)",
    description="`status=escalated` (the default) for those waiting for a decision.",
)
@paginate(CursorPagination)
def ops_disputes(request: HttpRequest, status: DisputeStatus = "escalated"):
    user = require_back_office(request)
    disputes.require_deciding_role(user)
    return Dispute.objects.filter(status=status).select_related("order")


@router.get(
    "/ops/disputes/{dispute_id}",
    response=DisputeOut,
    summary="A dispute (ops)",
    description="With the evidence of both sides and the order's record.",
)
def ops_get_dispute(request: HttpRequest, dispute_id: str):
    user = require_back_office(request)
    dispute = disputes.ops_dispute(user, dispute_id)
    return _dispute_out(dispute_record(dispute, for_ops=True), None)


@router.post(
    "/ops/disputes/{dispute_id}/decision",
    response=DisputeOut,
    summary="Decide a dispute (ops)",
    description="Any split: `refund` back to the customer, the rest to the "
    "provider; a reason both sides read; optionally a free redo at `redo_at` "
    "and a strike. Audited.",
)
def ops_decide(request: HttpRequest, dispute_id: str, payload: DecisionIn):
    user = require_back_office(request)
    disputes.decide_dispute(
        user=user,
        dispute_id=dispute_id,
        refund_amount=payload.refund,
        reason=payload.reason,
        penalise_provider=payload.penalise,
        redo_at=payload.redo_at,
    )
    dispute = disputes.ops_dispute(user, dispute_id)
    return _dispute_out(dispute_record(dispute, for_ops=True), None)
