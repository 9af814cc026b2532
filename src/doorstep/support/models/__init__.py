"""Support and resolution: one module per area — the help centre's articles,
tickets, disputes on evidence, warranty and guarantee claims, follow-up
surveys. Each is read from here (``from doorstep.support.models import …``)."""

from doorstep.support.models.claims import ClaimPhoto, GuaranteeClaim, WarrantyClaim
from doorstep.support.models.disputes import Dispute, DisputeEvidence
from doorstep.support.models.help import HelpArticle
from doorstep.support.models.surveys import SurveyInvitation, SurveyResponse
from doorstep.support.models.tickets import (
    ACTIVE_STATUSES,
    CannedReply,
    SlaPolicy,
    SupportQueue,
    Ticket,
    TicketAttachment,
    TicketMessage,
)

__all__ = [
    "ACTIVE_STATUSES",
    "CannedReply",
    "ClaimPhoto",
    "Dispute",
    "DisputeEvidence",
    "GuaranteeClaim",
    "HelpArticle",
    "SlaPolicy",
    "SupportQueue",
    "SurveyInvitation",
    "SurveyResponse",
    "Ticket",
    "TicketAttachment",
    "TicketMessage",
    "WarrantyClaim",
]
