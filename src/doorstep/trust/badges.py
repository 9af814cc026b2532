"""Granting and taking away badges: the one place a provider's trust signals
change. Callers (document review, background checks, the top-provider rule)
pass where the badge came from; everything else reads ``live_badges``."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.trust.models import BadgeKind, ProviderBadge


def live_badges(at: datetime | None = None) -> QuerySet[ProviderBadge]:
    """Badges in force at ``at`` (now by default): not revoked, not expired."""
    at = at or timezone.now()
    return ProviderBadge.objects.filter(revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=at)
    )


def badges_of(provider: ProviderProfile) -> list[ProviderBadge]:
    return list(live_badges().filter(provider=provider).select_related("category"))


@transaction.atomic
def grant_badge(
    provider: ProviderProfile,
    kind: BadgeKind,
    *,
    source: str,
    category=None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> ProviderBadge:
    """Give ``provider`` the badge, replacing a live one of the same kind and
    category (a renewal moves the expiry). Idempotent for the same source."""
    now = now or timezone.now()
    current = (
        ProviderBadge.objects.select_for_update()
        .filter(
            provider=provider, kind=kind, category=category, revoked_at__isnull=True
        )
        .first()
    )
    if current is not None:
        if current.source == source and current.expires_at == expires_at:
            return current
        current.revoked_at = now
        current.revoked_reason = "renewed"
        current.save(update_fields=["revoked_at", "revoked_reason"])
    return ProviderBadge.objects.create(
        provider=provider,
        kind=kind,
        category=category,
        granted_at=now,
        expires_at=expires_at,
        source=source,
    )


@transaction.atomic
def revoke_badge(
    provider: ProviderProfile,
    kind: BadgeKind,
    *,
    reason: str,
    category=None,
    now: datetime | None = None,
) -> bool:
    """Take the badge away; ``False`` if the provider did not hold it."""
    changed = ProviderBadge.objects.filter(
        provider=provider, kind=kind, category=category, revoked_at__isnull=True
    ).update(revoked_at=now or timezone.now(), revoked_reason=reason[:200])
    return bool(changed)
