"""The paid-promotion API: a provider promotes one of their services (fixed
days or a daily budget, optionally targeted), pauses, resumes or cancels it
and reads what each promotion earned, in total and per day. Someone else's
service or promotion answers 404. Ops end a promotion with a reason."""

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from doorstep.api.schemas import InputSchema, MoneyOut
from doorstep.backoffice.access import require_back_office
from doorstep.catalog.services import access_own_listing
from doorstep.core.money import Money
from doorstep.promotions.models import MAX_DAYS, MIN_DAYS, Promotion
from doorstep.promotions.queries import (
    PromotionReport,
    promotion_days,
    promotion_reports,
)
from doorstep.promotions.services import (
    access_own_promotion,
    buy_promotion,
    cancel_promotion,
    end_promotion,
    pause_promotion,
    resume_promotion,
)

router = Router(tags=["promotions"])


class PromotionIn(InputSchema):
    days: int = Field(
        ge=MIN_DAYS,
        le=MAX_DAYS,
        description="Fixed days: days to buy. Daily budget: the most days it runs.",
    )
    mode: Promotion.Mode = Field(
        Promotion.Mode.FIXED_DAYS,
        description="`fixed_days` (paid up front) or `daily_budget` (per click).",
    )
    daily_budget: int = Field(
        0, ge=0, description="Daily budget only: the most a day's clicks cost."
    )
    cost_per_click: int = Field(
        0, ge=0, description="Daily budget only: what one valid click costs."
    )
    cities: list[str] = Field(
        default_factory=list,
        description="City slugs it is promoted in (none: everywhere).",
    )
    categories: list[str] = Field(
        default_factory=list,
        description="Category slugs (with their subcategories) it is promoted in.",
    )


class EndIn(InputSchema):
    reason: str = Field(min_length=1, max_length=500)


class PromotionOut(Schema):
    id: str
    listing: str
    mode: str
    days: int
    starts_at: datetime
    ends_at: datetime
    price_per_day: MoneyOut
    total: MoneyOut
    daily_budget: MoneyOut
    cost_per_click: MoneyOut
    cities: list[str]
    categories: list[str]
    status: str
    refunded_days: int


class PromotionReportOut(PromotionOut):
    impressions: int = Field(description="Times shown on a results page.")
    clicks: int = Field(description="Valid times opened from a results page.")
    click_through_rate: float | None
    bookings: int = Field(description="Orders of the service while it ran.")
    spend: MoneyOut = Field(description="What it cost, after any refund.")
    cost_per_booking: MoneyOut | None


class PromotionDayOut(Schema):
    day: date
    impressions: int
    clicks: int
    click_through_rate: float | None
    bookings: int
    spend: MoneyOut
    cost_per_booking: MoneyOut | None


def _money(amount: int, currency: str) -> dict:
    return {"amount": amount, "currency": currency}


def _json(money: Money | None) -> dict | None:
    return money.as_json() if money is not None else None


def _out(promotion: Promotion) -> dict:
    currency = promotion.currency
    return {
        "id": promotion.public_id,
        "listing": promotion.listing.public_id,
        "mode": promotion.mode,
        "days": promotion.days,
        "starts_at": promotion.starts_at,
        "ends_at": promotion.ends_at,
        "price_per_day": _money(promotion.day_price, currency),
        "total": _money(promotion.total, currency),
        "daily_budget": _money(promotion.daily_budget, currency),
        "cost_per_click": _money(promotion.cost_per_click, currency),
        "cities": sorted(city.slug for city in promotion.cities.all()),
        "categories": sorted(category.slug for category in promotion.categories.all()),
        "status": promotion.status,
        "refunded_days": promotion.refunded_days,
    }


def _report_out(report: PromotionReport) -> dict:
    return {
        **_out(report.promotion),
        "impressions": report.impressions,
        "clicks": report.clicks,
        "click_through_rate": report.click_through_rate,
        "bookings": report.bookings,
        "spend": report.spend.as_json(),
        "cost_per_booking": _json(report.cost_per_booking),
    }


@router.post(
    "/me/listings/{listing_id}/promotions",
    response={201: PromotionOut},
    summary="Promote a service",
    description=(
        "Fixed days: buys `days` (1–30) of promotion, after the running one if "
        "any; the price is taken from your balance (what it cannot cover is "
        "owed). Daily budget: runs from now for at most `days`, each valid click "
        "costs `cost_per_click` and a day's clicks never more than "
        "`daily_budget`; each day's spend is charged after the day (409 "
        "`promotion_budget_running` if the service has one already). `cities` and "
        "`categories` limit where it shows as promoted. Only a published service "
        "(409 `not_published`). Send an `Idempotency-Key` header to make retries "
        "safe: a repeat buys nothing more."
    ),
)
def promote_listing(
    request: HttpRequest, listing_id: str, payload: PromotionIn
) -> Status:
    promotion = buy_promotion(
        user=request.auth,  # type: ignore[attr-defined]
        listing_id=listing_id,
        days=payload.days,
        mode=payload.mode,
        daily_budget=payload.daily_budget,
        cost_per_click=payload.cost_per_click,
        cities=payload.cities,
        categories=payload.categories,
        request_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201, _out(promotion))


@router.get(
    "/me/listings/{listing_id}/promotions",
    response=list[PromotionReportOut],
    summary="A service's promotions and what each earned and cost",
)
def list_promotions(request: HttpRequest, listing_id: str) -> list[dict]:
    listing = access_own_listing(
        actor=request.auth,  # type: ignore[attr-defined]
        listing_id=listing_id,
    )
    return [_report_out(report) for report in promotion_reports(listing)]


@router.get(
    "/me/promotions/{promotion_id}/days",
    response=list[PromotionDayOut],
    summary="A promotion day by day",
    description="Impressions, clicks, click-through rate, bookings, spend and "
    "cost per booking for each day (in the promotion's time zone), oldest first.",
)
def promotion_day_report(request: HttpRequest, promotion_id: str) -> list[dict]:
    promotion = access_own_promotion(
        user=request.auth,  # type: ignore[attr-defined]
        promotion_id=promotion_id,
    )
    return [
        {
            "day": figures.day,
            "impressions": figures.impressions,
            "clicks": figures.clicks,
            "click_through_rate": figures.click_through_rate,
            "bookings": figures.bookings,
            "spend": figures.spend.as_json(),
            "cost_per_booking": _json(figures.cost_per_booking),
        }
        for figures in promotion_days(promotion)
    ]


@router.post(
    "/me/promotions/{promotion_id}/pause",
    response=PromotionOut,
    summary="Pause a promotion",
    description="Not shown as promoted and nothing spent until resumed; a "
    "fixed-days promotion's days keep passing. 409 `promotion_not_active` "
    "unless active.",
)
def pause(request: HttpRequest, promotion_id: str) -> dict:
    return _out(
        pause_promotion(
            user=request.auth,  # type: ignore[attr-defined]
            promotion_id=promotion_id,
        )
    )


@router.post(
    "/me/promotions/{promotion_id}/resume",
    response=PromotionOut,
    summary="Resume a paused promotion",
    description="409 `promotion_not_paused` unless paused.",
)
def resume(request: HttpRequest, promotion_id: str) -> dict:
    return _out(
        resume_promotion(
            user=request.auth,  # type: ignore[attr-defined]
            promotion_id=promotion_id,
        )
    )


@router.post(
    "/me/promotions/{promotion_id}/cancel",
    response=PromotionOut,
    summary="Cancel a promotion",
    description="Fixed days: the whole days not yet begun are refunded to your "
    "balance (first against what you owe). Daily budget: nothing more is "
    "spent. A repeat changes nothing; 409 `promotion_not_active` for an ended one.",
)
def cancel(request: HttpRequest, promotion_id: str) -> dict:
    return _out(
        cancel_promotion(
            user=request.auth,  # type: ignore[attr-defined]
            promotion_id=promotion_id,
        )
    )


@router.post(
    "/ops/promotions/{promotion_id}/end",
    response=PromotionOut,
    summary="End a provider's promotion (ops)",
    description="With a reason, audited, unused whole days refunded. Ops only, "
    "with a token minted after the TOTP code (403 `ops_mfa_required` without) "
    "and a role that enforces standards (403 `ops_permission_required`).",
)
def ops_end(request: HttpRequest, promotion_id: str, payload: EndIn) -> dict:
    user = require_back_office(request)
    return _out(
        end_promotion(actor=user, promotion_id=promotion_id, reason=payload.reason)
    )
