"""Claiming and releasing a provider's time. The database guarantees that claims
never overlap; these functions translate its refusal into a 409 "slot taken"."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile
from doorstep.core.errors import Conflict
from doorstep.orders.models import Order
from doorstep.scheduling.models import TimeClaim


def _slot_taken() -> Conflict:
    return Conflict(
        "slot_taken",
        _("Sorry, this time was just booked by someone else. Please pick another."),
        fields={"starts_at": [_("This time is no longer available.")]},
    )


def _release_expired_holds(
    provider: ProviderProfile, staff_key: int, now: datetime
) -> None:
    TimeClaim.objects.filter(
        provider=provider,
        staff_key=staff_key,
        released_at__isnull=True,
        hold_expires_at__lte=now,
    ).update(released_at=now)


def claim_time(
    *,
    provider: ProviderProfile,
    starts_at: datetime,
    ends_at: datetime,
    staff_key: int = 0,
    order: Order | None = None,
    hold_minutes: int | None = None,
) -> TimeClaim:
    """Take ``[starts_at, ends_at)`` of the provider's time (buffers included by the
    caller). With ``hold_minutes``, the claim is a hold that lapses unless turned
    into an order's claim in time. Raises ``Conflict`` ``slot_taken``.

    Safe under any concurrency: the insert is the check. On PostgreSQL an exclusion
    constraint rejects an overlapping row (a concurrent inserter waits for the first
    to commit, then fails); on SQLite a trigger does, inside a write transaction
    that SQLite serialises.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            _release_expired_holds(provider, staff_key, now)
            return TimeClaim.objects.create(
                provider=provider,
                staff_key=staff_key,
                starts_at=starts_at,
                ends_at=ends_at,
                order=order,
                hold_token=secrets.token_urlsafe(16) if hold_minutes else "",
                hold_expires_at=now + timedelta(minutes=hold_minutes)
                if hold_minutes
                else None,
            )
    except IntegrityError as error:
        raise _slot_taken() from error


def hold_time(
    *,
    provider: ProviderProfile,
    starts_at: datetime,
    ends_at: datetime,
    staff_key: int = 0,
) -> TimeClaim:
    """Hold a slot while the customer completes payment."""
    return claim_time(
        provider=provider,
        starts_at=starts_at,
        ends_at=ends_at,
        staff_key=staff_key,
        hold_minutes=settings.DOORSTEP_HOLD_MINUTES,
    )


def convert_hold(
    *, provider: ProviderProfile, hold_token: str, order: Order
) -> TimeClaim:
    """Turn a live hold into the order's claim. Raises ``Conflict`` if it lapsed."""
    now = timezone.now()
    claim = (
        TimeClaim.objects.select_for_update()
        .filter(
            provider=provider,
            hold_token=hold_token,
            released_at__isnull=True,
            hold_expires_at__gt=now,
        )
        .first()
    )
    if not hold_token or claim is None:
        raise Conflict(
            "hold_expired",
            _("Your hold on this time has expired. Please pick the time again."),
        )
    claim.order = order
    claim.hold_token = ""
    claim.hold_expires_at = None
    claim.save(update_fields=["order", "hold_token", "hold_expires_at"])
    return claim


def release_order_time(*, order: Order, now: datetime | None = None) -> int:
    """Free every claim an order holds (it was cancelled, declined, expired…)."""
    return TimeClaim.objects.filter(order=order, released_at__isnull=True).update(
        released_at=now or timezone.now()
    )
