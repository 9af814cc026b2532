"""Points and credit: earned, expired, and what an order earns once it is
safely done.

An order earns its rewards once its dispute window has passed (not at
completion): by then a refund is no longer expected, so nothing has to be
clawed back — the customer's points, the referral it qualifies (the friend's
first order, or a provider's Nth job), and the code owner's share. The sweep
(``settle_due``, a periodic job) does each order once (``OrderRewards``).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.events.services import record_event
from doorstep.growth import ledger
from doorstep.growth.models import (
    Campaign,
    OrderRewards,
    Redemption,
    RewardLot,
    RewardMove,
)
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState

SETTLE_BATCH = 500


def grant(
    *,
    user: User,
    kind: str,
    source: str,
    source_ref: str,
    amount: int,
    currency: str,
    now: datetime,
) -> RewardLot | None:
    """A new lot for ``user`` (points or credit), owed on the ledger; once per
    source and reason (``None`` when it was granted before, or is nothing)."""
    if amount <= 0:
        return None
    days = (
        settings.DOORSTEP_POINTS_VALID_DAYS
        if kind == RewardLot.Kind.POINTS
        else settings.DOORSTEP_CREDIT_VALID_DAYS
    )
    try:
        with transaction.atomic():
            lot = RewardLot.objects.create(
                user=user,
                kind=kind,
                source=source,
                source_ref=source_ref,
                currency=currency,
                amount=amount,
                remaining=amount,
                earned_at=now,
                expires_at=now + timedelta(days=days) if days else None,
            )
            RewardMove.objects.create(
                lot=lot, kind=RewardMove.Kind.EARNED, change=amount, at=now
            )
            ledger.earned(lot)
    except IntegrityError:
        return None
    return lot


def points_for(order: Order) -> int:
    """What ``order`` earns its customer: a share of what they paid."""
    return order.total_amount * settings.DOORSTEP_POINTS_EARN_BPS // 10_000


def settle_order(order: Order, *, now: datetime) -> bool:
    """Everything ``order`` earns, once (``False`` when done before)."""
    from doorstep.growth import referrals

    try:
        with transaction.atomic():
            OrderRewards.objects.create(order=order, settled_at=now)
            lot = grant(
                user=order.customer,
                kind=RewardLot.Kind.POINTS,
                source=RewardLot.Source.ORDER,
                source_ref=order.public_id,
                amount=points_for(order),
                currency=order.currency,
                now=now,
            )
            if lot is not None:
                record_event(topic="growth.points_earned", subject=lot.public_id)
            _pay_code_owner(order)
            referrals.qualify_by(order, now=now)
    except IntegrityError:
        return False
    return True


def _pay_code_owner(order: Order) -> None:
    """An influencer's or partner's share of an order their code brought in,
    on the price the customer's code was applied to."""
    redemption = (
        Redemption.objects.filter(order=order, status=Redemption.Status.ACTIVE)
        .select_related("campaign__owner")
        .first()
    )
    if redemption is None:
        return
    campaign = redemption.campaign
    if campaign.owner is None or not campaign.owner_share_bps:
        return
    share = order.subtotal_amount * campaign.owner_share_bps // 10_000
    if share <= 0:
        return
    # The share counts against the campaign's budget when there is room.
    Campaign.objects.filter(pk=campaign.pk).filter(
        Q(budget_amount__isnull=True) | Q(budget_amount__gte=F("spent_amount") + share)
    ).update(spent_amount=F("spent_amount") + share)
    ledger.pay_provider(
        provider=campaign.owner,
        amount=share,
        currency=order.currency,
        key=f"owner_share:{order.public_id}",
        order=order,
    )


def settle_due(*, now: datetime | None = None) -> int:
    """Settle completed orders whose dispute window has passed. Periodic."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.DOORSTEP_DISPUTE_WINDOW_DAYS)
    due = (
        Order.objects.filter(
            state=OrderState.COMPLETED,
            state_changed_at__lte=cutoff,
            growth_rewards__isnull=True,
            redo_of__isnull=True,
        )
        .select_related("customer", "provider__user")
        .order_by("state_changed_at", "pk")[:SETTLE_BATCH]
    )
    return sum(settle_order(order, now=now) for order in due)


def expire_due(*, now: datetime | None = None) -> int:
    """Lots past their date lose what is left of them (written off the
    ledger's liability). Periodic."""
    now = now or timezone.now()
    expired = 0
    lots = RewardLot.objects.filter(
        expires_at__lte=now, expired_at__isnull=True
    ).order_by("expires_at", "pk")
    for lot in lots[:SETTLE_BATCH]:
        with transaction.atomic():
            locked = RewardLot.objects.select_for_update().get(pk=lot.pk)
            if locked.expired_at is not None:
                continue
            left = locked.remaining
            locked.remaining = 0
            locked.expired_at = now
            locked.save(update_fields=["remaining", "expired_at"])
            if left:
                RewardMove.objects.create(
                    lot=locked, kind=RewardMove.Kind.EXPIRED, change=-left, at=now
                )
                ledger.expired(locked, amount=left)
            expired += 1
    return expired


def reward_shared_review(
    *, path: str, code: str, visitor: str, viewer: int | None = None
) -> RewardLot | None:
    """Someone opened a review through its author's share link: the author
    earns points for sharing it, once per review — only for their own
    published review, and not when the visitor is the author's own device."""
    from django.urls import Resolver404, resolve

    from doorstep.growth.models import ReferralCode, Sighting
    from doorstep.growth.referrals import keyed_hash
    from doorstep.reviews.models import Direction, Review

    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name != "reviews:detail":
        return None
    review = (
        Review.objects.filter(
            public_id=match.kwargs.get("review_id", ""),
            direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
            revealed_at__isnull=False,
            hidden_at__isnull=True,
        )
        .select_related("order")
        .first()
    )
    sharer = ReferralCode.objects.filter(code=code).values_list("user", flat=True)
    if review is None or review.author_id not in sharer or viewer == review.author_id:
        return None
    own_device = Sighting.objects.filter(
        user_id=review.author_id, device_hash=keyed_hash("device", visitor)
    )
    if own_device.exists():
        return None
    return grant(
        user=review.author,
        kind=RewardLot.Kind.POINTS,
        source=RewardLot.Source.SHARED_REVIEW,
        source_ref=review.public_id,
        amount=settings.DOORSTEP_POINTS_SHARED_REVIEW,
        currency=review.order.currency,
        now=timezone.now(),
    )


def history(user: User) -> list[RewardMove]:
    """Everything that happened to ``user``'s points and credit, newest first."""
    return list(
        RewardMove.objects.filter(lot__user=user)
        .select_related("lot", "order")
        .order_by("-at", "-pk")[:200]
    )


def lots(user: User) -> list[RewardLot]:
    """``user``'s lots, the ones still holding something first."""
    return list(
        RewardLot.objects.filter(user=user).order_by(
            F("expired_at").asc(nulls_first=True), "-earned_at"
        )
    )
