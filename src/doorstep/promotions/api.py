"""The paid-promotion API: a provider promotes one of their services for some
days and reads what each promotion earned. Someone else's service answers 404."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.catalog.services import access_own_listing
from doorstep.promotions.models import MAX_DAYS, MIN_DAYS, Promotion
from doorstep.promotions.queries import promotion_reports
from doorstep.promotions.services import buy_promotion

router = Router(tags=["promotions"])


class PromotionIn(InputSchema):
    days: int = Field(ge=MIN_DAYS, le=MAX_DAYS, description="Days to promote it for.")


class PromotionOut(Schema):
    id: str
    listing: str
    days: int
    starts_at: datetime
    ends_at: datetime
    price_per_day: MoneyOut
    total: MoneyOut
    status: str


class PromotionReportOut(PromotionOut):
    impressions: int = Field(description="Times shown on a results page.")
    clicks: int = Field(description="Times opened from a results page.")
    bookings: int = Field(description="Orders of the service while it ran.")


def _out(promotion: Promotion) -> dict:
    return {
        "id": promotion.public_id,
        "listing": promotion.listing.public_id,
        "days": promotion.days,
        "starts_at": promotion.starts_at,
        "ends_at": promotion.ends_at,
        "price_per_day": {
            "amount": promotion.day_price,
            "currency": promotion.currency,
        },
        "total": {"amount": promotion.total, "currency": promotion.currency},
        "status": promotion.status,
    }


@router.post(
    "/me/listings/{listing_id}/promotions",
    response={201: PromotionOut},
    summary="Promote a service",
    description=(
        "Buys `days` (1–30) of promotion, after the running one if any; the price "
        "is taken from your balance (what it cannot cover is owed). Only a "
        "published service (409 `not_published`). Send an `Idempotency-Key` "
        "header to make retries safe: a repeat buys nothing more."
    ),
)
def promote_listing(
    request: HttpRequest, listing_id: str, payload: PromotionIn
) -> Status:
    promotion = buy_promotion(
        user=request.auth,  # type: ignore[attr-defined]
        listing_id=listing_id,
        days=payload.days,
        request_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _out(promotion))


@router.get(
    "/me/listings/{listing_id}/promotions",
    response=list[PromotionReportOut],
    summary="A service's promotions and what each earned",
)
def list_promotions(request: HttpRequest, listing_id: str) -> list[dict]:
    listing = access_own_listing(
        actor=request.auth,  # type: ignore[attr-defined]
        listing_id=listing_id,
    )
    return [
        {
            **_out(report.promotion),
            "impressions": report.impressions,
            "clicks": report.clicks,
            "bookings": report.bookings,
        }
        for report in promotion_reports(listing)
    ]
