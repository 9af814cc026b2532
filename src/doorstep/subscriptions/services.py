"""Every write of provider plans: a provider subscribes, changes plan,
cancels, resumes or picks the card to charge; ops create, edit and archive
plans. Charging is ``billing``'s; these functions decide, record and then
hand the charge to it (after commit: no gateway call inside a transaction).

Locks: the provider's profile row (subscribing), or the subscription row.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, User
from doorstep.audit.services import record
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.core.money import known_currencies
from doorstep.payments import methods
from doorstep.payments.flows import PaymentError
from doorstep.payments.gateways import get_gateway
from doorstep.payments.gateways.base import GatewayError, IntentResult
from doorstep.subscriptions import audit_actions, billing
from doorstep.subscriptions.models import (
    LIVE_STATUSES,
    Interval,
    Plan,
    PlanPrice,
    Subscription,
    SubscriptionCharge,
    SubscriptionStatus,
)
from doorstep.subscriptions.pricing import add_interval, prorate

Reason = SubscriptionCharge.Reason
ChargeStatus = SubscriptionCharge.Status


# --- Access -------------------------------------------------------------------------


def provider_of(user: User) -> ProviderProfile:
    provider = ProviderProfile.objects.filter(user=user).first()
    if provider is None:
        raise NotFound("not_a_provider", _("You have no provider profile yet."))
    return provider


def current_subscription(provider: ProviderProfile) -> Subscription | None:
    return (
        Subscription.objects.select_related("plan", "payment_method")
        .filter(provider=provider, status__in=LIVE_STATUSES)
        .first()
    )


def _lock_current(user: User) -> Subscription:
    provider = provider_of(user)
    subscription = (
        Subscription.objects.select_for_update()
        .filter(provider=provider, status__in=LIVE_STATUSES)
        .first()
    )
    if subscription is None:
        raise NotFound("subscription_not_found", _("You have no current plan."))
    return subscription


def _offered_plan(plan_id: str) -> Plan:
    plan = Plan.objects.filter(public_id=str(plan_id)).first()
    if plan is None:
        raise NotFound("plan_not_found", _("No such plan."))
    if not plan.is_active:
        raise Conflict("plan_not_available", _("This plan is no longer offered."))
    return plan


def _price(plan: Plan, *, currency: str, interval: str) -> PlanPrice:
    if interval not in Interval.values:
        message = _("Choose monthly or yearly.")
        raise DomainError(
            "invalid_input", message, status=400, fields={"interval": [message]}
        )
    price = plan.prices.filter(currency=currency, interval=interval).first()
    if price is None:
        raise Conflict(
            "plan_not_available",
            _("This plan has no %(interval)s price in %(currency)s.")
            % {"interval": Interval(interval).label.lower(), "currency": currency},
        )
    return price


def _payment_failed(charge: SubscriptionCharge) -> PaymentError:
    return PaymentError(GatewayError(charge.failure_code or GatewayError.CARD_DECLINED))


# --- Provider actions -----------------------------------------------------------------


def subscribe(
    *,
    user: User,
    plan_id: str,
    interval: str,
    currency: str,
    method_id: str = "",
    now: datetime | None = None,
) -> Subscription:
    """Put ``user``'s provider profile on a plan, paying the first period now
    with their saved card ``method_id`` (else their default card). A plan with
    a trial starts free for a provider's first plan; the card is charged when
    the trial ends.

    Raises ``NotFound`` (no provider profile, no such plan or card),
    ``Conflict`` ``subscription_active`` (change the plan instead) or
    ``plan_not_available``, ``DomainError`` ``card_required`` (no saved card),
    and ``PaymentError`` when the card is refused (nothing stays)."""
    now = now or timezone.now()
    provider = provider_of(user)
    if currency not in known_currencies():
        message = _("Choose the currency to pay in.")
        raise DomainError("currency_not_taken", message, fields={"currency": [message]})
    plan = _offered_plan(plan_id)
    price = _price(plan, currency=currency, interval=interval)
    method = (
        methods.access_method(user=user, method_id=method_id)
        if method_id
        else methods.default_method(user)
    )
    if method is None:
        raise DomainError(
            "card_required", _("Add a card to pay for your plan."), status=422
        )
    methods.usable_token(method)
    with transaction.atomic():
        provider = ProviderProfile.objects.select_for_update().get(pk=provider.pk)
        if Subscription.objects.filter(
            provider=provider, status__in=LIVE_STATUSES
        ).exists():
            raise Conflict(
                "subscription_active",
                _("You already have a plan: change it instead."),
            )
        trial = plan.trial_days and not provider.subscriptions.exists()
        end = (
            now + timedelta(days=plan.trial_days)
            if trial
            else add_interval(now, interval)
        )
        try:
            with transaction.atomic():
                subscription = Subscription.objects.create(
                    provider=provider,
                    plan=plan,
                    interval=interval,
                    currency=currency,
                    amount=price.amount,
                    status=(
                        SubscriptionStatus.TRIALING
                        if trial
                        else SubscriptionStatus.ACTIVE
                    ),
                    current_period_start=now,
                    current_period_end=end,
                    payment_method=method,
                )
        except IntegrityError:
            raise Conflict(
                "subscription_active",
                _("You already have a plan: change it instead."),
            ) from None
        charge = None
        if not trial:
            charge = SubscriptionCharge.objects.create(
                subscription=subscription,
                reason=Reason.FIRST,
                plan=plan,
                interval=interval,
                plan_amount=price.amount,
                period_start=now,
                period_end=end,
                amount=price.amount,
                currency=currency,
                idempotency_key=billing.charge_key(subscription, Reason.FIRST, now),
            )
        billing.subscription_event(
            subscription, "started", trial_ends_at=end.isoformat() if trial else ""
        )
    if charge is not None:
        charge = billing.attempt_charge(charge_id=charge.pk, now=now)
        if charge.status == ChargeStatus.FAILED:
            raise _payment_failed(charge)
    subscription.refresh_from_db()
    return subscription


def start_subscription_with_new_card(
    *, user: User, plan_id: str, interval: str, currency: str, return_url: str
) -> IntentResult:
    """The first period paid with a card typed on the gateway's page (card
    data never reaches us): open a payment intent for it. The gateway sends
    the provider back to ``return_url``; ``finish_subscription_with_new_card``
    then asks the gateway how it stands. Raises as ``subscribe`` does, and
    ``DomainError`` ``new_card_at_checkout_only`` when the gateway has no page
    of its own to take the card on."""
    provider = provider_of(user)
    if currency not in known_currencies():
        message = _("Choose the currency to pay in.")
        raise DomainError("currency_not_taken", message, fields={"currency": [message]})
    plan = _offered_plan(plan_id)
    price = _price(plan, currency=currency, interval=interval)
    if current_subscription(provider) is not None:
        raise Conflict(
            "subscription_active", _("You already have a plan: change it instead.")
        )
    try:
        intent = get_gateway().create_intent(
            amount=price.amount,
            currency=currency,
            idempotency_key=f"sub-intent:{user.public_id}:{secrets.token_hex(8)}",
            metadata={
                "provider": user.public_id,
                "plan": plan.public_id,
                "interval": interval,
                "currency": currency,
            },
            return_url=return_url,
        )
    except GatewayError as error:
        raise PaymentError(error) from error
    if not intent.next_action_url:
        # Nowhere to send the provider to type the card: the intent stays
        # unconfirmed at the gateway (no money moves) and is never handed out.
        raise DomainError(
            "new_card_at_checkout_only",
            _(
                "This payment service takes new cards at checkout only: "
                "use a saved card."
            ),
        )
    return intent


def finish_subscription_with_new_card(
    *, user: User, intent_id: str, now: datetime | None = None
) -> Subscription:
    """Back from the gateway's page: read the intent from the gateway (never
    the browser's word), then subscribe on the plan it was opened for, take
    the money it holds, and save the card for the renewals. Safe to repeat:
    a repeat answers the same subscription, with ``replayed`` set.
    Raises ``NotFound`` for someone else's intent and ``PaymentError`` when
    the card was refused."""
    now = now or timezone.now()
    provider = provider_of(user)
    gateway = get_gateway()
    try:
        intent = gateway.retrieve_intent(intent_id=intent_id)
    except GatewayError as error:
        raise PaymentError(error) from error
    metadata = intent.metadata
    if metadata.get("provider") != user.public_id:
        raise NotFound("subscription_not_found", _("You have no current plan."))
    charge, replayed = _open_first_period(
        provider=provider, user=user, gateway=gateway, intent=intent, now=now
    )
    charge = billing.capture_intent_charge(
        charge_id=charge.pk, gateway_charge_id=intent.charge.charge_id, now=now
    )
    if charge.status == ChargeStatus.FAILED:
        raise _payment_failed(charge)
    subscription = charge.subscription
    subscription.replayed = replayed
    return subscription


@transaction.atomic
def _open_first_period(
    *, provider: ProviderProfile, user: User, gateway, intent, now: datetime
) -> tuple[SubscriptionCharge, bool]:
    """The first period's subscription and charge for ``intent``, or the ones
    an earlier completion of it made (``True`` beside them). Looked up under
    the provider's lock, so two completions arriving together make one plan:
    the second waits for the first and answers what it made."""
    ProviderProfile.objects.select_for_update().get(pk=provider.pk)
    key = f"sub-intent:{intent.intent_id}"
    charge = SubscriptionCharge.objects.filter(idempotency_key=key).first()
    if charge is not None:
        return charge, True
    if not intent.authorised:
        raise PaymentError(
            GatewayError(intent.failure_code or GatewayError.CARD_DECLINED)
        )
    if Subscription.objects.filter(
        provider=provider, status__in=LIVE_STATUSES
    ).exists():
        raise Conflict(
            "subscription_active", _("You already have a plan: change it instead.")
        )
    method = methods.save_method(
        user=user,
        gateway=gateway.name,
        token=intent.charge.payment_method,
        brand=intent.charge.card_brand,
        last4=intent.charge.card_last4,
    )
    plan = Plan.objects.get(public_id=intent.metadata["plan"])
    interval, currency = intent.metadata["interval"], intent.metadata["currency"]
    amount = intent.amount
    end = add_interval(now, interval)
    subscription = Subscription.objects.create(
        provider=provider,
        plan=plan,
        interval=interval,
        currency=currency,
        amount=amount,
        status=SubscriptionStatus.ACTIVE,
        current_period_start=now,
        current_period_end=end,
        payment_method=method,
    )
    billing.subscription_event(subscription, "started", trial_ends_at="")
    charge = SubscriptionCharge.objects.create(
        subscription=subscription,
        reason=Reason.FIRST,
        plan=plan,
        interval=interval,
        plan_amount=amount,
        period_start=now,
        period_end=end,
        amount=amount,
        currency=currency,
        idempotency_key=key,
    )
    return charge, False


@dataclass(frozen=True)
class PlanChangeQuote:
    """What changing plan now costs: ``net`` > 0 charged, < 0 refunded."""

    plan: Plan
    interval: str
    plan_amount: int
    credit: int
    charge: int
    period_start: datetime
    period_end: datetime

    @property
    def net(self) -> int:
        return self.charge - self.credit


def quote_change(
    subscription: Subscription,
    *,
    plan: Plan,
    interval: str,
    now: datetime,
) -> PlanChangeQuote:
    """The proration of moving ``subscription`` to ``plan``/``interval`` at
    ``now`` (``pricing.prorate``). A trial has paid nothing: no credit, no
    charge, the trial runs on."""
    price = _price(plan, currency=subscription.currency, interval=interval)
    if subscription.status == SubscriptionStatus.TRIALING:
        return PlanChangeQuote(
            plan,
            interval,
            price.amount,
            0,
            0,
            subscription.current_period_start,
            subscription.current_period_end,
        )
    figures = prorate(
        old_amount=subscription.amount,
        new_amount=price.amount,
        period_start=subscription.current_period_start,
        period_end=subscription.current_period_end,
        at=now,
        new_interval_end=(
            add_interval(now, interval) if interval != subscription.interval else None
        ),
    )
    return PlanChangeQuote(
        plan,
        interval,
        price.amount,
        figures.credit,
        figures.charge,
        figures.period_start,
        figures.period_end,
    )


def change_plan(
    *,
    user: User,
    plan_id: str,
    interval: str = "",
    now: datetime | None = None,
) -> Subscription:
    """Move the provider's subscription to another plan (or interval) now,
    prorated (``quote_change``): a dearer plan is charged the difference at
    once and takes effect when paid (a refused card changes nothing); a
    cheaper one takes effect at once and the difference goes back to the card.

    Raises ``NotFound`` (no current plan, no such plan), ``Conflict``
    ``plan_unchanged``, ``plan_not_available``, ``conflict`` (a failed renewal
    must be paid first), and ``PaymentError``."""
    now = now or timezone.now()
    plan = _offered_plan(plan_id)
    refunds: list[SubscriptionCharge] = []
    charge = None
    with transaction.atomic():
        subscription = _lock_current(user)
        interval = interval or subscription.interval
        if plan.pk == subscription.plan_id and interval == subscription.interval:
            raise Conflict("plan_unchanged", _("You are already on this plan."))
        if subscription.status == SubscriptionStatus.PAST_DUE:
            raise Conflict(
                "conflict",
                _("Your last payment failed: update your card before changing plan."),
            )
        quote = quote_change(subscription, plan=plan, interval=interval, now=now)
        subscription.plan_changes += 1
        subscription.save(update_fields=["plan_changes", "updated_at"])
        key = (
            f"sub:{subscription.public_id}:change{subscription.plan_changes}:"
            f"{int(now.timestamp())}"
        )
        charge = SubscriptionCharge(
            subscription=subscription,
            reason=Reason.CHANGE,
            plan=plan,
            interval=interval,
            plan_amount=quote.plan_amount,
            period_start=quote.period_start,
            period_end=quote.period_end,
            amount=max(quote.net, 0),
            currency=subscription.currency,
            credit=quote.credit,
            idempotency_key=key,
        )
        if quote.net > 0:
            charge.save()
        else:
            # Nothing to take: the change is recorded as a paid charge of 0.
            charge.status = ChargeStatus.SUCCEEDED
            charge.save()
            billing.apply_plan(subscription, charge)
            if quote.net < 0:
                refunds = billing.plan_refunds(subscription, amount=-quote.net, key=key)
    if charge.status == ChargeStatus.PENDING:
        charge = billing.attempt_charge(charge_id=charge.pk, now=now)
        if charge.status == ChargeStatus.FAILED:
            raise _payment_failed(charge)
    for refund in refunds:
        billing.attempt_charge(charge_id=refund.pk, now=now)
    subscription.refresh_from_db()
    return subscription


@transaction.atomic
def cancel_subscription(
    *, user: User, at_once: bool = False, now: datetime | None = None
) -> Subscription:
    """Cancel at the end of the paid period (perks until then; ``resume``
    undoes it), or at once (perks end now; the unused time is not refunded,
    as the plans page says)."""
    now = now or timezone.now()
    subscription = _lock_current(user)
    if at_once:
        subscription.status = SubscriptionStatus.CANCELLED
        subscription.ended_at = now
        subscription.cancel_at_period_end = False
        subscription.save(
            update_fields=["status", "ended_at", "cancel_at_period_end", "updated_at"]
        )
        billing.abandon_open_charges(subscription)
        billing.subscription_event(subscription, "ended")
    elif not subscription.cancel_at_period_end:
        subscription.cancel_at_period_end = True
        subscription.save(update_fields=["cancel_at_period_end", "updated_at"])
        billing.subscription_event(
            subscription,
            "cancelled",
            ends_at=subscription.current_period_end.isoformat(),
        )
    return subscription


@transaction.atomic
def resume_subscription(*, user: User) -> Subscription:
    """Take back a cancellation at period end: it renews again."""
    subscription = _lock_current(user)
    if subscription.cancel_at_period_end:
        subscription.cancel_at_period_end = False
        subscription.save(update_fields=["cancel_at_period_end", "updated_at"])
        billing.subscription_event(subscription, "resumed")
    return subscription


@transaction.atomic
def set_subscription_card(*, user: User, method_id: str) -> Subscription:
    """Charge the plan to the saved card ``method_id`` from now on; a failed
    renewal is tried again with it at the billing job's next run."""
    subscription = _lock_current(user)
    method = methods.access_method(user=user, method_id=method_id)
    methods.usable_token(method)
    subscription.payment_method = method
    subscription.save(update_fields=["payment_method", "updated_at"])
    if subscription.status == SubscriptionStatus.PAST_DUE:
        subscription.charges.filter(
            status=ChargeStatus.FAILED, reason=Reason.RENEWAL
        ).update(next_retry_at=timezone.now())
    return subscription


# --- Ops: plans -------------------------------------------------------------------


PLAN_FIELDS = (
    "name_en",
    "name_zh_hans",
    "name_zh_hant",
    "description_en",
    "description_zh_hans",
    "description_zh_hant",
    "badge_en",
    "badge_zh_hans",
    "badge_zh_hant",
    "commission_discount_bps",
    "extra_quote_leads",
    "extra_photos",
    "trial_days",
    "position",
)


def _plan_fields(plan: Plan) -> dict:
    return {
        **{name: getattr(plan, name) for name in PLAN_FIELDS},
        "status": plan.status,
        "prices": sorted(
            f"{p.amount} {p.currency}/{p.interval}" for p in plan.prices.all()
        ),
    }


def _check_plan(fields: Mapping[str, object], prices: Mapping[tuple[str, str], int]):
    errors: dict[str, list[str]] = {}
    if not str(fields.get("name_en") or "").strip():
        errors["name_en"] = [_("Give the plan a name.")]
    bps = fields.get("commission_discount_bps", 0)
    if not isinstance(bps, int) or not 0 <= bps <= 10_000:
        errors["commission_discount_bps"] = [
            _("The discount is between 0 and 10000 basis points.")
        ]
    for name in ("extra_quote_leads", "extra_photos", "trial_days", "position"):
        value = fields.get(name, 0)
        if not isinstance(value, int) or value < 0:
            errors[name] = [_("Enter a whole number, zero or more.")]
    if isinstance(fields.get("trial_days"), int) and fields["trial_days"] > 90:
        errors["trial_days"] = [_("A trial is at most 90 days.")]
    if not prices:
        errors["prices"] = [_("Give at least one price.")]
    for (currency, interval), amount in prices.items():
        if currency not in known_currencies() or interval not in Interval.values:
            errors["prices"] = [_("Unknown currency or interval.")]
        elif not isinstance(amount, int) or amount <= 0:
            errors["prices"] = [_("Prices are above zero.")]
    if errors:
        raise DomainError(
            "invalid_input",
            _("Some fields are not valid."),
            status=400,
            fields=errors,
        )


def _set_prices(plan: Plan, prices: Mapping[tuple[str, str], int]) -> None:
    plan.prices.exclude(
        pk__in=[p.pk for p in plan.prices.all() if (p.currency, p.interval) in prices]
    ).delete()
    for (currency, interval), amount in prices.items():
        PlanPrice.objects.update_or_create(
            plan=plan, currency=currency, interval=interval, defaults={"amount": amount}
        )


@transaction.atomic
def create_plan(
    *,
    user: User,
    fields: Mapping[str, object],
    prices: Mapping[tuple[str, str], int],
) -> Plan:
    """A new plan offered to providers. ``prices``: ``{(currency, interval):
    amount}``. Audited."""
    require_ops_permission(user, OpsPermission.MANAGE_SETTINGS)
    _check_plan(fields, prices)
    plan = Plan.objects.create(**{k: fields[k] for k in PLAN_FIELDS if k in fields})
    _set_prices(plan, prices)
    record(
        actor=user,
        action=audit_actions.CREATE_PLAN,
        target=plan,
        after=_plan_fields(plan),
    )
    return plan


def _ops_plan(plan_id: str) -> Plan:
    plan = Plan.objects.select_for_update().filter(public_id=str(plan_id)).first()
    if plan is None:
        raise NotFound("plan_not_found", _("No such plan."))
    return plan


@transaction.atomic
def update_plan(
    *,
    user: User,
    plan_id: str,
    fields: Mapping[str, object],
    prices: Mapping[tuple[str, str], int],
    reason: str = "",
) -> Plan:
    """Change a plan's wording, perks and prices. Current subscribers keep
    the price they pay until they change plan; perks change for all at once.
    Audited with before and after."""
    require_ops_permission(user, OpsPermission.MANAGE_SETTINGS)
    plan = _ops_plan(plan_id)
    _check_plan(fields, prices)
    before = _plan_fields(plan)
    for name in PLAN_FIELDS:
        if name in fields:
            setattr(plan, name, fields[name])
    plan.save()
    _set_prices(plan, prices)
    record(
        actor=user,
        action=audit_actions.UPDATE_PLAN,
        target=plan,
        reason=reason,
        before=before,
        after=_plan_fields(plan),
    )
    return plan


@transaction.atomic
def set_plan_status(*, user: User, plan_id: str, status: str, reason: str) -> Plan:
    """Archive a plan (no new subscribers; the current ones keep it) or offer
    it again. Audited."""
    require_ops_permission(user, OpsPermission.MANAGE_SETTINGS)
    plan = _ops_plan(plan_id)
    if status not in Plan.Status.values:
        message = _("Choose offered or archived.")
        raise DomainError(
            "invalid_input", message, status=400, fields={"status": [message]}
        )
    if not reason.strip():
        message = _("Say why.")
        raise DomainError(
            "invalid_input", message, status=400, fields={"reason": [message]}
        )
    before = {"status": plan.status}
    plan.status = status
    plan.save(update_fields=["status", "updated_at"])
    record(
        actor=user,
        action=audit_actions.ARCHIVE_PLAN,
        target=plan,
        reason=reason,
        before=before,
        after={"status": status},
    )
    return plan
