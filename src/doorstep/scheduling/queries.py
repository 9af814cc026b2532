"""Reads of availability, policies and calendar feeds."""

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q, QuerySet

from doorstep.accounts.models import ProviderProfile
from doorstep.orders.models import BuyingMode, Order
from doorstep.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    CalendarFeed,
    SchedulingPolicy,
)


def provider_zone(provider: ProviderProfile) -> ZoneInfo:
    """The zone the provider's availability is written in (UTC if theirs is not
    a known zone name)."""
    try:
        return ZoneInfo(provider.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def policy_for(provider: ProviderProfile) -> SchedulingPolicy:
    """The provider's policy; an unsaved one with the defaults if they never
    set one (a read never writes: ``services.update_policy`` saves it)."""
    policy = SchedulingPolicy.objects.filter(provider=provider).first()
    return policy or SchedulingPolicy(provider=provider)


def weekly_rules(provider: ProviderProfile) -> QuerySet[AvailabilityRule]:
    """The provider's own weekly hours (not their staff's), by weekday and time."""
    return AvailabilityRule.objects.filter(provider=provider, staff__isnull=True)


def upcoming_exceptions(
    provider: ProviderProfile, *, today: date
) -> QuerySet[AvailabilityException]:
    return AvailabilityException.objects.filter(
        provider=provider, staff__isnull=True, date__gte=today
    )


def live_calendar_feed(provider: ProviderProfile) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(
        provider=provider, revoked_at__isnull=True
    ).first()


def calendar_feed_by_token(raw_token: str) -> CalendarFeed | None:
    """The live feed a URL token opens, or ``None`` (unknown or revoked)."""
    return (
        CalendarFeed.objects.select_related("provider__user")
        .filter(digest=CalendarFeed.digest_of(raw_token), revoked_at__isnull=True)
        .first()
    )


def _open_states() -> Q:
    """Orders in a state their process does not end in, whatever the mode."""
    from doorstep.orders.processes import process_for

    condition = Q(pk__in=[])
    for mode in BuyingMode.values:
        try:
            process = process_for(mode)
        except KeyError:  # a buying mode whose process is not written yet
            continue
        open_states = [state.name for state in process.states if not state.terminal]
        condition |= Q(mode=mode, state__in=open_states)
    return condition


def calendar_orders(
    provider: ProviderProfile, *, now: datetime, limit: int = 500
) -> QuerySet[Order]:
    """The provider's jobs that have not ended and are not over (cancelled,
    declined, completed…), soonest first. An order not paid for yet is not a
    job: the provider does not hear of it."""
    from doorstep.orders.states import UNPAID_STATES

    return (
        Order.objects.filter(_open_states(), provider=provider, ends_at__gt=now)
        .exclude(state__in=UNPAID_STATES)
        .order_by("starts_at")
        .only(
            "public_id",
            "title",
            "state",
            "mode",
            "starts_at",
            "ends_at",
            "address",
            "latitude",
            "longitude",
            "notes",
            "state_changed_at",
            "created_at",
        )[:limit]
    )
