"""What a provider's plan gives them, for other apps to read.

Other apps (commission, quotes, catalog photos, listing cards) ask
``perks_of(provider)`` and nothing else of this app, so the rules of who has
which perk live here once. A subscription gives its perks while it is live:
trialing, active, or past due within its grace period (dunning ends it).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from doorstep.subscriptions.models import LIVE_STATUSES, Subscription


@dataclass(frozen=True)
class Perks:
    commission_discount_bps: int = 0
    extra_quote_leads: int = 0
    # The plan's badge in the active language ("" for none).
    badge: str = ""
    extra_photos: int = 0


NO_PERKS = Perks()


def perks_of(provider, at: datetime | None = None) -> Perks:
    """The perks ``provider`` (a ``ProviderProfile`` or its pk) has at ``at``
    (now by default): those of the subscription live then, else none. For a
    moment in the past, a subscription counts if it was made before then and
    had not ended by then."""
    provider_id = getattr(provider, "pk", provider)
    subscriptions = Subscription.objects.select_related("plan").filter(
        provider_id=provider_id
    )
    if at is None:
        subscription = subscriptions.filter(status__in=LIVE_STATUSES).first()
    else:
        subscription = (
            subscriptions.filter(created_at__lte=at)
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=at))
            .order_by("-created_at", "-pk")
            .first()
        )
    if subscription is None:
        return NO_PERKS
    plan = subscription.plan
    return Perks(
        commission_discount_bps=plan.commission_discount_bps,
        extra_quote_leads=plan.extra_quote_leads,
        badge=plan.badge,
        extra_photos=plan.extra_photos,
    )


def badges_of(provider_ids: list[int]) -> dict[int, str]:
    """The badge of each provider that has one now (for lists of cards: one
    query instead of one per card)."""
    return {
        subscription.provider_id: subscription.plan.badge
        for subscription in Subscription.objects.select_related("plan").filter(
            provider_id__in=provider_ids, status__in=LIVE_STATUSES
        )
        if subscription.plan.badge
    }
