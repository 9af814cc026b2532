"""Every write of paid promotion: buying one, and counting what it earned."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.catalog.models import Listing
from doorstep.catalog.services import lock_own_listing
from doorstep.core.errors import DomainError
from doorstep.events.services import record_event
from doorstep.payments import flows
from doorstep.promotions.models import MAX_DAYS, MIN_DAYS, Promotion, PromotionDay
from doorstep.promotions.pricing import promotion_price
from doorstep.search.indexing import index_listing


def _check_days(days: object) -> int:
    if (
        isinstance(days, bool)
        or not isinstance(days, int)
        or not (MIN_DAYS <= days <= MAX_DAYS)
    ):
        message = _("Choose between %(low)d and %(high)d days.") % {
            "low": MIN_DAYS,
            "high": MAX_DAYS,
        }
        raise DomainError(
            "invalid_input", message, status=400, fields={"days": [message]}
        )
    return days


def buy_promotion(
    *, user: User, listing_id: str, days: int, request_key: str = ""
) -> Promotion:
    """Promote the user's published listing for ``days`` (1–30) more days:
    after its current promotion if one runs, from now otherwise. Charges the
    price (``pricing.promotion_price``) to the provider through the ledger,
    extends ``promoted_until`` and reindexes the listing, in one transaction.

    A repeat with the same ``request_key`` returns the first purchase and
    charges nothing. Raises ``NotFound`` unless ``user`` owns the listing,
    ``DomainError`` ``not_published`` for a listing not in search, and
    ``invalid_input`` for days out of range. Locks the listing row (the catalog's
    lock), then the provider's accounts (the ledger's)."""
    days = _check_days(days)
    request_key = (request_key or "")[:80]
    with transaction.atomic():
        listing = lock_own_listing(user, listing_id)
        if request_key:
            earlier = Promotion.objects.filter(
                listing=listing, request_key=request_key
            ).first()
            if earlier is not None:
                return earlier
        if listing.status != Listing.Status.PUBLISHED:
            raise DomainError(
                "not_published", _("Only a published service can be promoted.")
            )
        now = timezone.now()
        starts_at = max(now, listing.promoted_until or now)
        per_day, total = promotion_price(listing=listing, days=days)
        promotion = Promotion(
            listing=listing,
            days=days,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(days=days),
            day_price=per_day.amount,
            total=total.amount,
            currency=listing.currency,
            request_key=request_key,
        )
        try:
            with transaction.atomic():
                promotion.save()
        except IntegrityError:
            # The same request, committed by a concurrent twin after our read.
            return Promotion.objects.get(listing=listing, request_key=request_key)
        if total.amount > 0:
            entry = flows.charge_promotion(
                provider=listing.provider,
                promotion_id=promotion.public_id,
                amount=total.amount,
                currency=total.currency,
            )
            promotion.charged_entry_key = entry.idempotency_key
            promotion.save(update_fields=["charged_entry_key"])
        listing.promoted_until = promotion.ends_at
        listing.save(update_fields=["promoted_until", "updated_at"])
        index_listing(listing)
        record_event(
            topic="listing.promoted",
            subject=promotion.public_id,
            payload={
                "listing": listing.public_id,
                "days": days,
                "ends_at": promotion.ends_at.isoformat(),
                "total": total.amount,
                "currency": total.currency,
            },
        )
    return promotion


def end_finished_promotions(*, now=None) -> int:
    """Mark promotions whose last day passed as ended. Returns how many."""
    now = now or timezone.now()
    return Promotion.objects.filter(
        status=Promotion.Status.ACTIVE, ends_at__lte=now
    ).update(status=Promotion.Status.ENDED)


def _running_promotions(listing_ids: list[int], now) -> list[int]:
    if not listing_ids:
        return []
    return list(
        Promotion.objects.filter(
            listing_id__in=listing_ids,
            status=Promotion.Status.ACTIVE,
            starts_at__lte=now,
            ends_at__gt=now,
        ).values_list("pk", flat=True)
    )


def _count(promotion_ids: list[int], field: str, now) -> None:
    """One increment of ``field`` for each promotion today: make the day's rows
    that are missing, then one ``UPDATE``."""
    if not promotion_ids:
        return
    today = timezone.localdate(now)
    PromotionDay.objects.bulk_create(
        [PromotionDay(promotion_id=pk, day=today) for pk in promotion_ids],
        ignore_conflicts=True,
    )
    PromotionDay.objects.filter(promotion_id__in=promotion_ids, day=today).update(
        **{field: F(field) + 1}
    )


def count_impressions(*, listing_ids: list[int]) -> None:
    """The promoted hits a results page showed: one impression each for the
    promotion running now."""
    now = timezone.now()
    _count(_running_promotions(listing_ids, now), "impressions", now)


def count_click(*, listing_id: int) -> None:
    """A listing opened from a results page while promoted."""
    now = timezone.now()
    _count(_running_promotions([listing_id], now), "clicks", now)
