"""The standards API for providers: their standing, their strikes (cursor
pages, newest first) and filing an appeal. Someone else's strike answers 404,
like one that does not exist; errors are problem+json like everywhere."""

from datetime import datetime
from typing import Literal

from django.db.models import F
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from doorstep.accounts.models import User
from doorstep.api.pagination import CursorPagination
from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.core.errors import NotFound
from doorstep.trust import standards
from doorstep.trust.standards_models import Appeal, Strike
from doorstep.trust.standards_queries import standards_record

router = Router(tags=["standards"])


class StandingOut(Schema):
    level: str = Field(description="good, warned, restricted or suspended.")
    level_label: str
    reason_code: str
    reason: str
    live_strikes: int = Field(description="Strike points that count now.")
    owed: list[MoneyOut] = Field(description="Fines not yet taken from earnings.")


# A Literal rather than ``Appeal.Status``: ninja names an enum's schema by its
# class name, and another "Status" (a listing's) would take its place.
AppealStatus = Literal[tuple(Appeal.Status.values)]


class AppealOut(Schema):
    id: str
    status: AppealStatus
    text: str
    filed_at: datetime
    decided_at: datetime | None
    decision_reason: str


class StrikeOut(Schema):
    id: str
    trigger: str
    order_id: str | None
    points: int
    reason: str
    issued_at: datetime
    expires_at: datetime
    removed_at: datetime | None
    fine: MoneyOut | None
    fine_returned: bool
    appeal: AppealOut | None

    @staticmethod
    def resolve_id(strike: Strike) -> str:
        return strike.public_id

    @staticmethod
    def resolve_order_id(strike: Strike) -> str | None:
        return strike.order.public_id if strike.order_id else None

    @staticmethod
    def resolve_fine(strike: Strike) -> dict | None:
        fine = getattr(strike, "fine", None)
        return {"amount": fine.amount, "currency": fine.currency} if fine else None

    @staticmethod
    def resolve_fine_returned(strike: Strike) -> bool:
        fine = getattr(strike, "fine", None)
        return bool(fine and fine.refunded_at)

    @staticmethod
    def resolve_appeal(strike: Strike) -> dict | None:
        appeal = getattr(strike, "appeal", None)
        return _appeal_out(appeal) if appeal else None


class AppealIn(InputSchema):
    text: str = Field(max_length=4000, description="Why the strike is wrong.")


LEVEL_NAMES = {0: "good", 1: "warned", 2: "restricted", 3: "suspended"}


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _provider(request: HttpRequest):
    profile = getattr(_caller(request), "provider_profile", None)
    if profile is None:
        raise NotFound("not_a_provider", _("You have no provider profile."))
    return profile


def _appeal_out(appeal: Appeal) -> dict:
    return {
        "id": appeal.public_id,
        "status": appeal.status,
        "text": appeal.text,
        "filed_at": appeal.filed_at,
        "decided_at": appeal.decided_at,
        "decision_reason": appeal.decision_reason,
    }


@router.get(
    "/provider/standing",
    response=StandingOut,
    summary="Your standing as a provider",
    description="Warned, restricted (no new orders) or suspended, with the reason.",
)
def my_standing(request: HttpRequest):
    record = standards_record(_provider(request))
    standing = record.standing
    return {
        "level": LEVEL_NAMES[standing.level],
        "level_label": str(standing.get_level_display()),
        "reason_code": standing.reason_code,
        "reason": standing.reason,
        "live_strikes": record.points,
        "owed": [
            {"amount": debt.balance, "currency": debt.currency} for debt in record.owed
        ],
    }


@router.get(
    "/provider/strikes",
    response=list[StrikeOut],
    summary="Your strikes",
    description="Newest first, with their fines and appeals.",
)
@paginate(CursorPagination)
def my_strikes(request: HttpRequest):
    return (
        Strike.objects.filter(provider=_provider(request))
        .select_related("order", "fine", "appeal")
        .annotate(created_at=F("issued_at"))
    )


@router.post(
    "/provider/strikes/{strike_id}/appeal",
    response={201: AppealOut},
    summary="Appeal a strike",
    description="Once per strike; operations decide. Overturned, the strike is "
    "removed and its fine returned.",
)
def appeal_strike(request: HttpRequest, strike_id: str, payload: AppealIn):
    appeal = standards.file_appeal(
        user=_caller(request), strike_id=strike_id, text=payload.text
    )
    return Status(201, _appeal_out(appeal))
