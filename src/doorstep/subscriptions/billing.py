"""Charging providers for their plans: off session, with their saved card,
through the gateway (authorise, then capture), and into the ledger.

Each ``SubscriptionCharge`` has a key derived from the subscription, its period
and the reason (``sub:<id>:renewal:<period start>``). One attempt sends
``<key>:try<n>`` to the gateway: a repeat of the same attempt (a crash after
the gateway acted, a retryable error) gets the gateway's first answer, while a
new attempt after a decline is a new request — a processor replays a refused
key's refusal. The ledger entry's key is ``<key>:ledger``, so an attempt
recorded twice posts once.

Ledger: a charge is ``GATEWAY_FUNDS`` (debit) ← ``SUBSCRIPTION_REVENUE``
(credit); a refund of unused time the reverse. No gateway call happens inside
a database transaction.

Dunning: a renewal that fails makes the subscription ``past_due``; it is tried
again ``RETRY_AFTER_DAYS`` after the first failure; perks stay for
``GRACE_DAYS``, then the subscription expires (``expire_overdue``). The
provider is told at each step (``subscription.*`` events, ``notices``).
"""

import contextlib
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError
from doorstep.events.services import record_event
from doorstep.payments import methods
from doorstep.payments.gateways import get_gateway
from doorstep.payments.gateways.base import ChargeResult, GatewayError
from doorstep.payments.ledger import Leg, ledger_account, post_entry
from doorstep.payments.models import AccountKind
from doorstep.subscriptions.models import (
    LIVE_STATUSES,
    Subscription,
    SubscriptionCharge,
    SubscriptionStatus,
)
from doorstep.subscriptions.pricing import add_interval

RETRY_AFTER_DAYS = (1, 3, 5)
GRACE_DAYS = 7
# A gateway that asked us to try later is tried again after this.
RETRY_LATER_AFTER = timedelta(hours=1)
# A charge still pending this long was left by a caller that died.
STUCK_AFTER = timedelta(minutes=10)

Reason = SubscriptionCharge.Reason
ChargeStatus = SubscriptionCharge.Status


def charge_key(subscription: Subscription, reason: str, moment: datetime) -> str:
    return f"sub:{subscription.public_id}:{reason}:{int(moment.timestamp())}"


def ledger_key(charge: SubscriptionCharge) -> str:
    return f"{charge.idempotency_key}:ledger"


def _payment_token(subscription: Subscription) -> tuple[str, str]:
    """(gateway, token) of the card to charge: the subscription's own, else
    the provider's default. ``DomainError`` ``card_required`` when none."""
    method = subscription.payment_method or methods.default_method(
        subscription.provider.user
    )
    if method is None:
        raise DomainError(
            "card_required", _("Add a card to pay for your plan."), status=422
        )
    return method.gateway, methods.usable_token(method)


def _lock(charge_id: int) -> tuple[Subscription, SubscriptionCharge]:
    """Lock the subscription, then its charge (always in this order)."""
    subscription_id = SubscriptionCharge.objects.values_list(
        "subscription_id", flat=True
    ).get(pk=charge_id)
    subscription = Subscription.objects.select_for_update().get(pk=subscription_id)
    charge = SubscriptionCharge.objects.select_for_update().get(pk=charge_id)
    return subscription, charge


def subscription_event(subscription: Subscription, step: str, **payload) -> None:
    record_event(
        topic=f"subscription.{step}",
        subject=subscription.public_id,
        payload={"plan": subscription.plan.public_id, **payload},
    )


# --- One attempt ------------------------------------------------------------------


def attempt_charge(
    *, charge_id: int, now: datetime | None = None
) -> SubscriptionCharge:
    """Try the charge once at the gateway and record what happened (paid,
    declined with the next retry, or "try later"). Call outside any
    transaction. Returns the charge as it stands."""
    now = now or timezone.now()
    charge = SubscriptionCharge.objects.select_related(
        "subscription__provider__user", "subscription__payment_method", "refund_of"
    ).get(pk=charge_id)
    if charge.status in {ChargeStatus.SUCCEEDED, ChargeStatus.ABANDONED}:
        return charge
    if charge.reason == Reason.REFUND:
        return _attempt_refund(charge, now)
    subscription = charge.subscription
    try:
        gateway_name, token = _payment_token(subscription)
    except DomainError as error:
        return _record_failure(charge.pk, error.code, now)
    gateway = get_gateway(gateway_name)
    key = f"{charge.idempotency_key}:try{charge.attempt_count + 1}"
    result: ChargeResult | None = None
    try:
        result = gateway.authorise(
            amount=charge.amount,
            currency=charge.currency,
            payment_method=token,
            idempotency_key=f"{key}:auth",
            metadata={
                "subscription": subscription.public_id,
                "charge": charge.public_id,
            },
        )
        if result.status == "authorised":
            result = gateway.capture(
                charge_id=result.charge_id,
                amount=None,
                idempotency_key=f"{key}:capture",
            )
    except GatewayError as error:
        if error.retryable:
            SubscriptionCharge.objects.filter(pk=charge.pk).update(
                next_retry_at=now + RETRY_LATER_AFTER, last_attempt_at=now
            )
            charge.refresh_from_db()
            return charge
        if result is not None and result.status == "authorised":
            _release(gateway, result.charge_id, key)
        return _record_failure(charge.pk, error.code, now)
    if result.status != "captured":
        return _record_failure(charge.pk, GatewayError.CAPTURE_FAILED, now)
    return record_paid(
        charge_id=charge.pk,
        gateway=gateway_name,
        gateway_charge_id=result.charge_id,
        now=now,
    )


def _release(gateway, gateway_charge_id: str, key: str) -> None:
    """Let go of a hold whose capture failed (best effort: an authorisation
    that is never captured lapses at the bank anyway)."""
    with contextlib.suppress(GatewayError):
        gateway.void(charge_id=gateway_charge_id, idempotency_key=f"{key}:void")


@transaction.atomic
def record_paid(
    *, charge_id: int, gateway: str, gateway_charge_id: str, now: datetime
) -> SubscriptionCharge:
    """The gateway took the money: post it and move the subscription on
    (first period, next period, or the new plan). Idempotent."""
    subscription, charge = _lock(charge_id)
    if charge.status == ChargeStatus.SUCCEEDED:
        return charge
    post_entry(
        kind="subscription_charge",
        legs=[
            Leg(
                ledger_account(
                    kind=AccountKind.GATEWAY_FUNDS, currency=charge.currency
                ),
                charge.amount,
            ),
            Leg(
                ledger_account(
                    kind=AccountKind.SUBSCRIPTION_REVENUE, currency=charge.currency
                ),
                -charge.amount,
            ),
        ],
        idempotency_key=ledger_key(charge),
        description=charge.public_id,
    )
    charge.status = ChargeStatus.SUCCEEDED
    charge.gateway = gateway
    charge.gateway_charge_id = gateway_charge_id
    charge.attempt_count += 1
    charge.last_attempt_at = now
    charge.next_retry_at = None
    charge.failure_code = ""
    charge.save(
        update_fields=[
            "status",
            "gateway",
            "gateway_charge_id",
            "attempt_count",
            "last_attempt_at",
            "next_retry_at",
            "failure_code",
        ]
    )
    if charge.reason == Reason.RENEWAL and subscription.is_live:
        recovered = subscription.status == SubscriptionStatus.PAST_DUE
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.current_period_start = charge.period_start
        subscription.current_period_end = charge.period_end
        subscription.past_due_since = None
        subscription.save(
            update_fields=[
                "status",
                "current_period_start",
                "current_period_end",
                "past_due_since",
                "updated_at",
            ]
        )
        subscription_event(
            subscription,
            "recovered" if recovered else "renewed",
            amount=charge.amount,
            currency=charge.currency,
            period_end=charge.period_end.isoformat(),
        )
    elif charge.reason == Reason.CHANGE and subscription.is_live:
        apply_plan(subscription, charge)
    return charge


def apply_plan(subscription: Subscription, charge: SubscriptionCharge) -> None:
    """Put the subscription on the plan, interval, price and period
    ``charge`` was for (call with the subscription locked)."""
    subscription.plan = charge.plan
    subscription.interval = charge.interval
    subscription.amount = charge.plan_amount
    subscription.current_period_start = charge.period_start
    subscription.current_period_end = charge.period_end
    subscription.save(
        update_fields=[
            "plan",
            "interval",
            "amount",
            "current_period_start",
            "current_period_end",
            "updated_at",
        ]
    )
    subscription_event(
        subscription, "changed", credit=charge.credit, amount=charge.amount
    )


@transaction.atomic
def _record_failure(charge_id: int, code: str, now: datetime) -> SubscriptionCharge:
    """A declined attempt. A first charge or a plan change fails for good
    (the provider is there to try another card); a renewal puts the
    subscription past due and schedules the next retry, if any is left."""
    subscription, charge = _lock(charge_id)
    if charge.status == ChargeStatus.SUCCEEDED:
        return charge
    charge.attempt_count += 1
    charge.failure_code = code[:40]
    charge.last_attempt_at = now
    charge.status = ChargeStatus.FAILED
    charge.next_retry_at = None
    if charge.reason == Reason.RENEWAL and subscription.is_live:
        if subscription.status != SubscriptionStatus.PAST_DUE:
            subscription.status = SubscriptionStatus.PAST_DUE
            subscription.past_due_since = now
            subscription.save(update_fields=["status", "past_due_since", "updated_at"])
        retries_done = charge.attempt_count - 1
        if retries_done < len(RETRY_AFTER_DAYS):
            charge.next_retry_at = subscription.past_due_since + timedelta(
                days=RETRY_AFTER_DAYS[retries_done]
            )
        subscription_event(
            subscription,
            "payment_failed",
            attempt=charge.attempt_count,
            retry_at=charge.next_retry_at.isoformat() if charge.next_retry_at else "",
            expires_at=expiry_of(subscription).isoformat(),
            amount=charge.amount,
            currency=charge.currency,
        )
    elif charge.reason == Reason.FIRST and subscription.is_live:
        # Never paid: the subscription ends before it began.
        subscription.status = SubscriptionStatus.EXPIRED
        subscription.ended_at = now
        subscription.save(update_fields=["status", "ended_at", "updated_at"])
    charge.save(
        update_fields=[
            "attempt_count",
            "failure_code",
            "last_attempt_at",
            "status",
            "next_retry_at",
        ]
    )
    return charge


def expiry_of(subscription: Subscription) -> datetime:
    """When a past-due subscription ends if still unpaid."""
    return (subscription.past_due_since or timezone.now()) + timedelta(days=GRACE_DAYS)


# --- Refunds of unused time (plan downgrades) ---------------------------------------


def _attempt_refund(charge: SubscriptionCharge, now: datetime) -> SubscriptionCharge:
    paid = charge.refund_of
    gateway = get_gateway(paid.gateway)
    try:
        gateway.refund(
            charge_id=paid.gateway_charge_id,
            amount=charge.amount,
            idempotency_key=charge.idempotency_key,
            metadata={
                "subscription": charge.subscription.public_id,
                "charge": paid.public_id,
            },
        )
    except GatewayError as error:
        SubscriptionCharge.objects.filter(pk=charge.pk).update(
            status=ChargeStatus.FAILED,
            failure_code=error.code[:40],
            last_attempt_at=now,
            attempt_count=F("attempt_count") + 1,
            next_retry_at=now + RETRY_LATER_AFTER if error.retryable else None,
        )
        charge.refresh_from_db()
        return charge
    return record_refunded(charge.pk, gateway.name, now)


@transaction.atomic
def record_refunded(charge_id: int, gateway: str, now: datetime) -> SubscriptionCharge:
    _subscription, charge = _lock(charge_id)
    if charge.status == ChargeStatus.SUCCEEDED:
        return charge
    post_entry(
        kind="subscription_refund",
        legs=[
            Leg(
                ledger_account(
                    kind=AccountKind.SUBSCRIPTION_REVENUE, currency=charge.currency
                ),
                charge.amount,
            ),
            Leg(
                ledger_account(
                    kind=AccountKind.GATEWAY_FUNDS, currency=charge.currency
                ),
                -charge.amount,
            ),
        ],
        idempotency_key=ledger_key(charge),
        description=charge.public_id,
    )
    SubscriptionCharge.objects.filter(pk=charge.refund_of_id).update(
        refunded_amount=F("refunded_amount") + charge.amount
    )
    charge.status = ChargeStatus.SUCCEEDED
    charge.gateway = gateway
    charge.attempt_count += 1
    charge.last_attempt_at = now
    charge.next_retry_at = None
    charge.failure_code = ""
    charge.save(
        update_fields=[
            "status",
            "gateway",
            "attempt_count",
            "last_attempt_at",
            "next_retry_at",
            "failure_code",
        ]
    )
    return charge


def plan_refunds(
    subscription: Subscription, *, amount: int, key: str
) -> list[SubscriptionCharge]:
    """Refund ``amount`` of the subscription's payments, newest first (call
    with the subscription locked; the refunds are attempted after commit)."""
    refunds: list[SubscriptionCharge] = []
    left = amount
    paid = subscription.charges.filter(
        status=ChargeStatus.SUCCEEDED,
        reason__in=[Reason.FIRST, Reason.RENEWAL, Reason.CHANGE],
    ).order_by("-created_at", "-pk")
    for index, charge in enumerate(paid):
        if left <= 0:
            break
        promised = sum(
            r.amount for r in charge.refunds.exclude(status=ChargeStatus.ABANDONED)
        )
        part = min(left, charge.amount - promised)
        if part <= 0:
            continue
        refunds.append(
            SubscriptionCharge.objects.create(
                subscription=subscription,
                reason=Reason.REFUND,
                plan=subscription.plan,
                interval=subscription.interval,
                plan_amount=subscription.amount,
                period_start=subscription.current_period_start,
                period_end=subscription.current_period_end,
                amount=part,
                currency=charge.currency,
                idempotency_key=f"{key}:refund{index}",
                refund_of=charge,
            )
        )
        left -= part
    return refunds


# --- The periodic job's steps ---------------------------------------------------------


def end_cancelled(now: datetime) -> int:
    """Subscriptions cancelled at period end whose period is over."""
    ended = 0
    for subscription_id in Subscription.objects.filter(
        status__in=LIVE_STATUSES,
        cancel_at_period_end=True,
        current_period_end__lte=now,
    ).values_list("pk", flat=True):
        with transaction.atomic():
            subscription = Subscription.objects.select_for_update().get(
                pk=subscription_id
            )
            if not subscription.is_live:
                continue
            subscription.status = SubscriptionStatus.CANCELLED
            subscription.ended_at = subscription.current_period_end
            subscription.save(update_fields=["status", "ended_at", "updated_at"])
            abandon_open_charges(subscription)
            subscription_event(subscription, "ended")
            ended += 1
    return ended


def open_renewals(now: datetime) -> list[int]:
    """A renewal charge for each subscription whose period is over (made
    once per period: the key is the new period's start)."""
    made = []
    for subscription_id in Subscription.objects.filter(
        status__in=[SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING],
        cancel_at_period_end=False,
        current_period_end__lte=now,
    ).values_list("pk", flat=True):
        with transaction.atomic():
            subscription = Subscription.objects.select_for_update().get(
                pk=subscription_id
            )
            if subscription.status not in {
                SubscriptionStatus.ACTIVE,
                SubscriptionStatus.TRIALING,
            }:
                continue
            start = subscription.current_period_end
            charge, _created = SubscriptionCharge.objects.get_or_create(
                idempotency_key=charge_key(subscription, Reason.RENEWAL, start),
                defaults={
                    "subscription": subscription,
                    "reason": Reason.RENEWAL,
                    "plan": subscription.plan,
                    "interval": subscription.interval,
                    "plan_amount": subscription.amount,
                    "period_start": start,
                    "period_end": add_interval(start, subscription.interval),
                    "amount": subscription.amount,
                    "currency": subscription.currency,
                },
            )
            made.append(charge.pk)
    return made


def due_attempts(now: datetime) -> list[int]:
    """Charges to try again now: failed renewals and refunds whose retry is
    due, and charges a dead caller left pending."""
    retry = SubscriptionCharge.objects.filter(
        status=ChargeStatus.FAILED,
        reason__in=[Reason.RENEWAL, Reason.REFUND],
        next_retry_at__lte=now,
    )
    stuck = SubscriptionCharge.objects.filter(
        status=ChargeStatus.PENDING, created_at__lte=now - STUCK_AFTER
    )
    later = SubscriptionCharge.objects.filter(
        status=ChargeStatus.PENDING, next_retry_at__lte=now
    )
    ids = set(retry.values_list("pk", flat=True))
    ids |= set(stuck.values_list("pk", flat=True))
    ids |= set(later.values_list("pk", flat=True))
    return sorted(ids)


def abandon_open_charges(subscription: Subscription) -> None:
    """The subscription ended: what it still owed is not collected."""
    subscription.charges.filter(
        status__in=[ChargeStatus.PENDING, ChargeStatus.FAILED]
    ).exclude(reason=Reason.REFUND).update(
        status=ChargeStatus.ABANDONED, next_retry_at=None
    )


def expire_overdue(now: datetime) -> int:
    """Past-due subscriptions whose grace period is over expire: perks end."""
    expired = 0
    cutoff = now - timedelta(days=GRACE_DAYS)
    for subscription_id in Subscription.objects.filter(
        status=SubscriptionStatus.PAST_DUE, past_due_since__lte=cutoff
    ).values_list("pk", flat=True):
        with transaction.atomic():
            subscription = Subscription.objects.select_for_update().get(
                pk=subscription_id
            )
            if subscription.status != SubscriptionStatus.PAST_DUE:
                continue
            subscription.status = SubscriptionStatus.EXPIRED
            subscription.ended_at = now
            subscription.save(update_fields=["status", "ended_at", "updated_at"])
            abandon_open_charges(subscription)
            subscription_event(subscription, "expired")
            expired += 1
    return expired


def run_billing(*, now: datetime | None = None) -> dict[str, int]:
    """The periodic job: end subscriptions cancelled at period end, open and
    charge due renewals, retry what is due, expire what dunning gave up on."""
    now = now or timezone.now()
    ended = end_cancelled(now)
    renewals = open_renewals(now)
    paid = failed = 0
    for charge_id in sorted(set(renewals) | set(due_attempts(now))):
        charge = attempt_charge(charge_id=charge_id, now=now)
        if charge.status == ChargeStatus.SUCCEEDED:
            paid += 1
        elif charge.status == ChargeStatus.FAILED:
            failed += 1
    expired = expire_overdue(now)
    return {"ended": ended, "paid": paid, "failed": failed, "expired": expired}


# --- A first period paid on the gateway's page (a new card) ---------------------------


def capture_intent_charge(
    *, charge_id: int, gateway_charge_id: str, now: datetime | None = None
) -> SubscriptionCharge:
    """Take the money a payment intent holds for a first charge (the provider
    typed a new card on the gateway's page) and record it. Call outside any
    transaction."""
    now = now or timezone.now()
    charge = SubscriptionCharge.objects.get(pk=charge_id)
    if charge.status in {ChargeStatus.SUCCEEDED, ChargeStatus.ABANDONED}:
        return charge
    gateway = get_gateway()
    try:
        result = gateway.capture(
            charge_id=gateway_charge_id,
            amount=None,
            idempotency_key=f"{charge.idempotency_key}:capture",
        )
    except GatewayError as error:
        if error.retryable:
            SubscriptionCharge.objects.filter(pk=charge.pk).update(last_attempt_at=now)
            charge.refresh_from_db()
            return charge
        return _record_failure(charge.pk, error.code, now)
    return record_paid(
        charge_id=charge.pk,
        gateway=gateway.name,
        gateway_charge_id=result.charge_id,
        now=now,
    )
