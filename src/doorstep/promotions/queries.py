"""Reads of paid promotion: what each of a listing's promotions earned."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from doorstep.catalog.models import Listing
from doorstep.core.money import Money
from doorstep.orders.models import Order
from doorstep.promotions.models import Promotion, PromotionDay


@dataclass(frozen=True)
class PromotionReport:
    promotion: Promotion
    total: Money
    impressions: int
    clicks: int
    # Orders of the listing placed while the promotion ran.
    bookings: int

    @property
    def starts_at(self) -> datetime:
        return self.promotion.starts_at


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


def promotion_reports(listing: Listing) -> list[PromotionReport]:
    """Each promotion of ``listing``, newest first, with its impressions,
    clicks and bookings: one query."""
    bookings = Coalesce(
        Subquery(
            Order.objects.filter(
                listing_id=OuterRef("listing_id"),
                created_at__gte=OuterRef("starts_at"),
                created_at__lt=OuterRef("ends_at"),
            )
            .values("listing_id")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )
    rows = Promotion.objects.filter(listing=listing).annotate(
        impressions_total=_day_sum("impressions"),
        clicks_total=_day_sum("clicks"),
        bookings_total=bookings,
    )
    return [
        PromotionReport(
            promotion=row,
            total=Money(row.total, row.currency),
            impressions=row.impressions_total,
            clicks=row.clicks_total,
            bookings=row.bookings_total,
        )
        for row in rows.order_by("-starts_at", "-pk")
    ]


def running_promotion_filter(now: datetime) -> Q:
    return Q(status=Promotion.Status.ACTIVE, starts_at__lte=now, ends_at__gt=now)
