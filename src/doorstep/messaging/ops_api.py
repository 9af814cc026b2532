"""Flagged messages for ops in the API: the decision the flag's page takes,
through the same service (``messaging.services.decide_message_flag``), which
checks the ops role and writes the audit trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else).
"""

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from doorstep.api.ids import row_pk
from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.messaging import services

router = Router(tags=["messaging (ops)"])


class MessageFlagDecisionIn(InputSchema):
    decision: Literal["confirm", "dismiss"] = Field(
        description="`confirm`: the sender tried to take the deal off the "
        "platform; `dismiss`: normal talk."
    )
    warn: bool = Field(
        default=False,
        description="Warn the sender; only with `confirm` (400 `warn_needs_confirm`).",
    )
    note: str = Field(default="", max_length=500, description="For the audit trail.")


class MessageFlagOut(Schema):
    id: str
    status: str
    sender_warned: bool
    resolved_at: datetime | None
    decision_note: str


@router.post(
    "/ops/messages/flags/{flag_id}/decision",
    response=MessageFlagOut,
    summary="Decide a flagged message (ops)",
    description="As the flag's page: confirm (optionally warning the sender) or "
    "dismiss. Audited. 409 `flag_already_decided`.",
)
def ops_decide_message_flag(
    request: HttpRequest, flag_id: str, payload: MessageFlagDecisionIn
) -> MessageFlagOut:
    user = require_back_office(request)
    flag = services.decide_message_flag(
        user=user,
        flag_id=row_pk(flag_id),
        confirm=payload.decision == "confirm",
        warn=payload.warn,
        note=payload.note,
    )
    return MessageFlagOut(
        id=str(flag.pk),
        status=flag.status,
        sender_warned=flag.sender_warned,
        resolved_at=flag.resolved_at,
        decision_note=flag.decision_note,
    )
