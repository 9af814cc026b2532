"""Reads of paid promotion: what each of a listing's promotions earned and
cost, in total and per day, and which promoted listings a search leaves out."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from doorstep.catalog.models import Listing
from doorstep.core.geo import distance_km
from doorstep.core.money import Money
from doorstep.orders.models import Order
from doorstep.promotions.models import Promotion, PromotionDay


def _day_sum(field: str) -> Coalesce:
    return Coalesce(
        Subquery(
            PromotionDay.objects.filter(promotion=OuterRef("pk"))
            .values("promotion")
            .annotate(total=Sum(field))
            .values("total")
        ),
        0,
    )


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class DayFigures:
    """What a promotion earned and cost on one day (in its time zone)."""

    day: date
    impressions: int
    clicks: int
    bookings: int
    spend: Money

    @property
    def click_through_rate(self) -> float | None:
        return _ratio(self.clicks, self.impressions)

    @property
    def cost_per_booking(self) -> Money | None:
        if not self.bookings:
            return None
        return Money(self.spend.amount // self.bookings, self.spend.currency)


@dataclass(frozen=True)
class PromotionReport:
    promotion: Promotion
    total: Money  # paid up front (fixed days); 0 for a daily budget
    impressions: int
    clicks: int
    # Orders of the listing placed while the promotion ran.
    bookings: int
    # What it cost: fixed days less the refund, or the daily budget's spend.
    spend: Money = None  # type: ignore[assignment]
    refunded: Money = None  # type: ignore[assignment]

    @property
    def starts_at(self) -> datetime:
        return self.promotion.starts_at

    @property
    def click_through_rate(self) -> float | None:
        return _ratio(self.clicks, self.impressions)

    @property
    def cost_per_booking(self) -> Money | None:
        if not self.bookings:
            return None
        return Money(self.spend.amount // self.bookings, self.spend.currency)


def _ran_until(promotion: Promotion) -> datetime:
    """When it stopped showing for good: cancelled early, or its end."""
    if promotion.status == Promotion.Status.CANCELLED and promotion.stopped_at:
        return min(promotion.stopped_at, promotion.ends_at)
    return promotion.ends_at


def _booking_times(promotion: Promotion) -> list[datetime]:
    return list(
        Order.objects.filter(
            listing_id=promotion.listing_id,
            created_at__gte=promotion.starts_at,
            created_at__lt=_ran_until(promotion),
        ).values_list("created_at", flat=True)
    )


def promotion_days(promotion: Promotion) -> list[DayFigures]:
    """Day by day, oldest first: impressions, valid clicks, bookings (orders of
    the listing placed that day while it ran) and spend. A fixed-days
    promotion's price is spread over its paid days (day k is the 24 hours
    from its start plus k days, labelled with the date it begins on); a daily
    budget's spend is what that day's clicks cost."""
    zone = ZoneInfo(promotion.time_zone)
    counted = {row.day: row for row in promotion.days_counted.all()}
    spend: dict[date, int] = {}
    if promotion.is_daily_budget:
        spend = {day: row.spend for day, row in counted.items()}
    else:
        for k in range(promotion.days - promotion.refunded_days):
            begins = timezone.localtime(promotion.starts_at + timedelta(days=k), zone)
            spend[begins.date()] = spend.get(begins.date(), 0) + promotion.day_price
    bookings: dict[date, int] = {}
    for created_at in _booking_times(promotion):
        day = timezone.localtime(created_at, zone).date()
        bookings[day] = bookings.get(day, 0) + 1
    return [
        DayFigures(
            day=day,
            impressions=counted[day].impressions if day in counted else 0,
            clicks=counted[day].clicks if day in counted else 0,
            bookings=bookings.get(day, 0),
            spend=Money(spend.get(day, 0), promotion.currency),
        )
        for day in sorted(set(counted) | set(spend) | set(bookings))
    ]


def promotion_reports(listing: Listing) -> list[PromotionReport]:
    """Each promotion of ``listing``, newest first, with its impressions,
    clicks, bookings and spend."""
    rows = (
        Promotion.objects.filter(listing=listing)
        .select_related("listing")
        .prefetch_related("cities", "categories")
        .annotate(
            impressions_total=_day_sum("impressions"),
            clicks_total=_day_sum("clicks"),
            spend_total=_day_sum("spend"),
        )
        .order_by("-starts_at", "-pk")
    )
    reports = []
    for row in rows:
        refunded = row.refunded_days * row.day_price
        spend = row.spend_total if row.is_daily_budget else row.total - refunded
        reports.append(
            PromotionReport(
                promotion=row,
                total=Money(row.total, row.currency),
                impressions=row.impressions_total,
                clicks=row.clicks_total,
                bookings=len(_booking_times(row)),
                spend=Money(spend, row.currency),
                refunded=Money(refunded, row.currency),
            )
        )
    return reports


@dataclass(frozen=True)
class CurrencyTotals:
    currency: str
    impressions: int
    clicks: int
    bookings: int
    spend: Money

    @property
    def click_through_rate(self) -> float | None:
        return _ratio(self.clicks, self.impressions)

    @property
    def cost_per_booking(self) -> Money | None:
        if not self.bookings:
            return None
        return Money(self.spend.amount // self.bookings, self.currency)


def totals_by_currency(reports: list[PromotionReport]) -> list[CurrencyTotals]:
    """The reports added up per currency (never across currencies)."""
    sums: dict[str, list[int]] = {}
    for report in reports:
        figures = sums.setdefault(report.spend.currency, [0, 0, 0, 0])
        figures[0] += report.impressions
        figures[1] += report.clicks
        figures[2] += report.bookings
        figures[3] += report.spend.amount
    return [
        CurrencyTotals(
            currency=currency,
            impressions=impressions,
            clicks=clicks,
            bookings=bookings,
            spend=Money(spend, currency),
        )
        for currency, (impressions, clicks, bookings, spend) in sorted(sums.items())
    ]


def own_promotions_days_csv(listing: Listing) -> str:
    """The provider's export: one line per promotion and day."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "promotion",
            "mode",
            "day",
            "impressions",
            "clicks",
            "click_through_rate",
            "bookings",
            "spend",
            "cost_per_booking",
            "currency",
        ]
    )
    for report in promotion_reports(listing):
        promotion = report.promotion
        for figures in promotion_days(promotion):
            rate = figures.click_through_rate
            per_booking = figures.cost_per_booking
            writer.writerow(
                [
                    promotion.public_id,
                    promotion.mode,
                    figures.day.isoformat(),
                    figures.impressions,
                    figures.clicks,
                    "" if rate is None else f"{rate:.4f}",
                    figures.bookings,
                    figures.spend.major,
                    "" if per_booking is None else per_booking.major,
                    promotion.currency,
                ]
            )
    return out.getvalue()


def running_promotion_filter(now: datetime) -> Q:
    return Q(status=Promotion.Status.ACTIVE, starts_at__lte=now, ends_at__gt=now)


def _in_scope(
    *,
    cities: list[tuple[float, float, float]],
    categories: set[int],
    point: tuple[float, float] | None,
    category_path: list[int],
) -> bool:
    """Whether a search at ``point`` in the category ``category_path`` (the
    chosen one, then its ancestors) is within a promotion's targets: no
    ``cities`` (latitude, longitude, radius), or the point within one of them;
    no ``categories``, or the chosen category one of them or below one."""
    if cities and (
        point is None
        or not any(
            distance_km(point[0], point[1], latitude, longitude) <= radius_km
            for latitude, longitude, radius_km in cities
        )
    ):
        return False
    return not categories or bool(categories & set(category_path))


def hidden_promoted_listings(
    *,
    now: datetime,
    point: tuple[float, float] | None,
    category_path: list[int],
) -> frozenset[int]:
    """The promoted listings a search must not show as promoted: every
    running promotion they have is targeted elsewhere (or a daily budget
    spent for the day). One query when no running promotion is targeted."""
    # Every search asks this: plain values, not model instances (the cities'
    # and categories' rows are wide), so that it costs its SQL and little more.
    targeted = (
        Promotion.objects.filter(running_promotion_filter(now))
        .filter(Q(cities__isnull=False) | Q(categories__isnull=False))
        .order_by()
        .values_list("listing_id", flat=True)
        .distinct()
    )
    listing_ids = set(targeted)
    if not listing_ids:
        return frozenset()
    running = dict(
        Promotion.objects.filter(running_promotion_filter(now))
        .filter(listing_id__in=listing_ids)
        .order_by()
        .values_list("pk", "listing_id")
    )
    cities: dict[int, list[tuple[float, float, float]]] = {}
    for promotion_id, *city in Promotion.cities.through.objects.filter(
        promotion_id__in=running
    ).values_list(
        "promotion_id", "city__latitude", "city__longitude", "city__radius_km"
    ):
        cities.setdefault(promotion_id, []).append(tuple(city))
    categories: dict[int, set[int]] = {}
    for promotion_id, category_id in Promotion.categories.through.objects.filter(
        promotion_id__in=running
    ).values_list("promotion_id", "category_id"):
        categories.setdefault(promotion_id, set()).add(category_id)
    shown = {
        listing_id
        for promotion_id, listing_id in running.items()
        if _in_scope(
            cities=cities.get(promotion_id, []),
            categories=categories.get(promotion_id, set()),
            point=point,
            category_path=category_path,
        )
    }
    return frozenset(listing_ids - shown)
