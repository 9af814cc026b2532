"""The claims API: warranty claims (the customer files, the provider offers a
redo or declines, the customer accepts or declines the redo) and guarantee
claims (the customer files), each listed and read by its parties; ops list,
read and decide.

A claim that is not the caller's answers 404 ``claim_not_found``, like one
that does not exist. Ops endpoints need a second factor
(``backoffice.access.require_back_office``: 403 for staff without one, 404 for
everyone else) and a role that decides disputes (403
``ops_permission_required``)."""

from datetime import datetime
from typing import Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from doorstep.accounts.models import User
from doorstep.api.pagination import CursorPagination
from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.backoffice.access import (
    OpsPermission,
    require_back_office,
    require_ops_permission,
)
from doorstep.core.errors import NotFound
from doorstep.core.errors import raises as may_raise
from doorstep.orders.processes.book_provider import only_a_free_redo
from doorstep.support import claims
from doorstep.support.models import GuaranteeClaim, WarrantyClaim

router = Router(tags=["claims"])


def _photos(claim) -> list[dict]:
    return [
        {
            "id": photo.public_id,
            "url": reverse("claims:photo", args=[claim.public_id, photo.public_id]),
        }
        for photo in claim.photos.all()
    ]


class ClaimPhotoOut(Schema):
    id: str
    url: str = Field(description="Shown to the claim's parties and ops only.")


class WarrantyClaimOut(Schema):
    id: str = Field(alias="public_id")
    order_id: str
    status: str
    description: str
    photos: list[ClaimPhotoOut]
    created_at: datetime
    respond_by: datetime = Field(description="The provider's deadline to answer.")
    offered_starts_at: datetime | None = Field(
        description="The redo's time, once the provider offers one."
    )
    provider_note: str
    redo_order_id: str | None
    decision_reason: str
    refund: MoneyOut

    @staticmethod
    def resolve_order_id(claim: WarrantyClaim) -> str:
        return claim.order.public_id

    @staticmethod
    def resolve_photos(claim: WarrantyClaim) -> list[dict]:
        return _photos(claim)

    @staticmethod
    def resolve_redo_order_id(claim: WarrantyClaim) -> str | None:
        return claim.redo_order.public_id if claim.redo_order else None

    @staticmethod
    def resolve_refund(claim: WarrantyClaim) -> dict:
        return claim.refund.as_json()


class GuaranteeClaimOut(Schema):
    id: str = Field(alias="public_id")
    order_id: str
    status: str
    description: str
    photos: list[ClaimPhotoOut]
    created_at: datetime
    claimed: MoneyOut
    approved: MoneyOut
    decision_reason: str

    @staticmethod
    def resolve_order_id(claim: GuaranteeClaim) -> str:
        return claim.order.public_id

    @staticmethod
    def resolve_photos(claim: GuaranteeClaim) -> list[dict]:
        return _photos(claim)

    @staticmethod
    def resolve_claimed(claim: GuaranteeClaim) -> dict:
        return claim.claimed.as_json()

    @staticmethod
    def resolve_approved(claim: GuaranteeClaim) -> dict:
        return claim.approved.as_json()


class RedoOfferIn(InputSchema):
    starts_at: datetime = Field(description="A time free on your calendar.")
    note: str = Field("", max_length=2000)


class ClaimDeclineIn(InputSchema):
    note: str = Field(min_length=1, max_length=2000, description="Why, for ops.")


class WarrantyDecisionIn(InputSchema):
    outcome: Literal["redo", "refund", "reject"]
    reason: str = Field(min_length=1, max_length=2000)
    amount: int | None = Field(
        None, gt=0, le=1_000_000_000, description="For a refund, in minor units."
    )
    starts_at: datetime | None = Field(None, description="For a redo.")


class GuaranteeDecisionIn(InputSchema):
    outcome: Literal["approve", "reject"]
    reason: str = Field(min_length=1, max_length=2000)
    amount: int | None = Field(
        None, gt=0, le=1_000_000_000, description="To approve, in minor units."
    )


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


# --- The customer and the provider ------------------------------------------------


@router.post(
    "/orders/{order_id}/warranty-claims",
    response={201: WarrantyClaimOut},
    summary="Claim under the warranty",
    description="`multipart/form-data`: `description` (what is not right) and up "
    "to 6 `photos` (JPEG, PNG or WebP). Within the category's warranty days "
    "after the order was completed; 422 `claim_window_closed` says when it ended.",
)
def file_warranty_claim(
    request: HttpRequest,
    order_id: str,
    description: str = Form(..., min_length=1, max_length=claims.TEXT_MAX),
    photos: File[list[UploadedFile]] = None,
):
    claim = claims.file_warranty_claim(
        customer=_caller(request),
        order_id=order_id,
        description=description,
        photos=photos or [],
    )
    return Status(201, claim)


@router.get(
    "/warranty-claims",
    response=list[WarrantyClaimOut],
    summary="List warranty claims about your orders (as customer or provider)",
)
@paginate(CursorPagination)
def list_warranty_claims(request: HttpRequest) -> QuerySet:
    user = _caller(request)
    return WarrantyClaim.objects.filter(
        Q(customer=user) | Q(order__provider__user=user)
    ).select_related("order", "redo_order")


@router.get(
    "/warranty-claims/{claim_id}",
    response=WarrantyClaimOut,
    summary="Get a warranty claim",
)
def get_warranty_claim(request: HttpRequest, claim_id: str):
    return claims.access_warranty_claim(_caller(request), claim_id)


@router.post(
    "/warranty-claims/{claim_id}/redo-offer",
    response=WarrantyClaimOut,
    summary="Offer a free redo (provider)",
    description="At a time free on your calendar, by the rules of a booking.",
)
def offer_redo(request: HttpRequest, claim_id: str, payload: RedoOfferIn):
    claim = claims.offer_redo(
        claim_id=claim_id,
        provider_user=_caller(request),
        starts_at=payload.starts_at,
        note=payload.note,
    )
    return claim


@router.post(
    "/warranty-claims/{claim_id}/decline",
    response=WarrantyClaimOut,
    summary="Decline a warranty claim (provider): ops decide",
)
def decline_claim(request: HttpRequest, claim_id: str, payload: ClaimDeclineIn):
    claim = claims.decline_claim(
        claim_id=claim_id, provider_user=_caller(request), note=payload.note
    )
    return claim


@router.post(
    "/warranty-claims/{claim_id}/accept-redo",
    response=WarrantyClaimOut,
    summary="Accept the offered redo (customer): a free order is booked",
)
@may_raise(only_a_free_redo)
def accept_redo(request: HttpRequest, claim_id: str):
    claim = claims.accept_redo(claim_id=claim_id, customer=_caller(request))
    return claim


@router.post(
    "/warranty-claims/{claim_id}/decline-redo",
    response=WarrantyClaimOut,
    summary="Decline the offered redo (customer): ops decide",
)
def decline_redo(request: HttpRequest, claim_id: str):
    claim = claims.decline_redo(claim_id=claim_id, customer=_caller(request))
    return claim


@router.post(
    "/orders/{order_id}/guarantee-claims",
    response={201: GuaranteeClaimOut},
    summary="Claim under the platform guarantee (damage)",
    description="`multipart/form-data`: `description`, `amount` (minor units, "
    "at most the guarantee's cap) and up to 6 `photos`. Within the guarantee's "
    "window after the service.",
)
def file_guarantee_claim(
    request: HttpRequest,
    order_id: str,
    description: str = Form(..., min_length=1, max_length=claims.TEXT_MAX),
    amount: int = Form(..., gt=0, le=1_000_000_000),
    photos: File[list[UploadedFile]] = None,
):
    claim = claims.file_guarantee_claim(
        customer=_caller(request),
        order_id=order_id,
        description=description,
        amount=amount,
        photos=photos or [],
    )
    return Status(201, claim)


@router.get(
    "/guarantee-claims",
    response=list[GuaranteeClaimOut],
    summary="List your guarantee claims",
)
@paginate(CursorPagination)
def list_guarantee_claims(request: HttpRequest) -> QuerySet:
    return GuaranteeClaim.objects.filter(customer=_caller(request)).select_related(
        "order"
    )


@router.get(
    "/guarantee-claims/{claim_id}",
    response=GuaranteeClaimOut,
    summary="Get a guarantee claim",
)
def get_guarantee_claim(request: HttpRequest, claim_id: str):
    return claims.access_guarantee_claim(_caller(request), claim_id)


# --- Ops ----------------------------------------------------------------------------


def _ops(request: HttpRequest) -> User:
    user = require_back_office(request)
    require_ops_permission(user, OpsPermission.DECIDE_DISPUTES)
    return user


def _ops_claim(model, claim_id: str):
    claim = model.objects.select_related("order").filter(public_id=claim_id).first()
    if claim is None:
        raise NotFound("claim_not_found", _("No such claim."))
    return claim


@router.get(
    "/ops/warranty-claims",
    response=list[WarrantyClaimOut],
    summary="List warranty claims (ops)",
    description="Filter with `status` (e.g. `escalated`: waiting for ops).",
)
@paginate(CursorPagination)
def ops_list_warranty_claims(request: HttpRequest, status: str = "") -> QuerySet:
    _ops(request)
    found = WarrantyClaim.objects.select_related("order", "redo_order")
    return found.filter(status=status) if status else found


@router.get(
    "/ops/warranty-claims/{claim_id}",
    response=WarrantyClaimOut,
    summary="Get a warranty claim (ops)",
)
def ops_get_warranty_claim(request: HttpRequest, claim_id: str):
    _ops(request)
    return _ops_claim(WarrantyClaim, claim_id)


@router.post(
    "/ops/warranty-claims/{claim_id}/decision",
    response=WarrantyClaimOut,
    summary="Decide a warranty claim (ops)",
    description="A free redo at `starts_at`, a refund of `amount` (taken back "
    "from the provider after release) or a rejection, with a `reason`; audited.",
)
@may_raise(only_a_free_redo)
def ops_decide_warranty_claim(
    request: HttpRequest, claim_id: str, payload: WarrantyDecisionIn
):
    user = _ops(request)
    claim = claims.decide_warranty_claim(
        claim_id=claim_id,
        user=user,
        outcome=payload.outcome,
        reason=payload.reason,
        amount=payload.amount,
        starts_at=payload.starts_at,
    )
    return claim


@router.get(
    "/ops/guarantee-claims",
    response=list[GuaranteeClaimOut],
    summary="List guarantee claims (ops)",
    description="Filter with `status` (`filed`: waiting for ops).",
)
@paginate(CursorPagination)
def ops_list_guarantee_claims(request: HttpRequest, status: str = "") -> QuerySet:
    _ops(request)
    found = GuaranteeClaim.objects.select_related("order")
    return found.filter(status=status) if status else found


@router.get(
    "/ops/guarantee-claims/{claim_id}",
    response=GuaranteeClaimOut,
    summary="Get a guarantee claim (ops)",
)
def ops_get_guarantee_claim(request: HttpRequest, claim_id: str):
    _ops(request)
    return _ops_claim(GuaranteeClaim, claim_id)


@router.post(
    "/ops/guarantee-claims/{claim_id}/decision",
    response=GuaranteeClaimOut,
    summary="Decide a guarantee claim (ops)",
    description="Approve an `amount` (at most the cap and the claim), paid from "
    "the guarantee fund to the customer's card, or reject; with a `reason`; "
    "audited.",
)
def ops_decide_guarantee_claim(
    request: HttpRequest, claim_id: str, payload: GuaranteeDecisionIn
):
    user = _ops(request)
    claim = claims.decide_guarantee_claim(
        claim_id=claim_id,
        user=user,
        outcome=payload.outcome,
        reason=payload.reason,
        amount=payload.amount,
    )
    return claim
