"""Standards enforcement: penalty rules fire on what the order process records
(a provider no-show, a late cancellation by the provider) and on quality
complaints ops uphold; each gives strikes and a fine taken through the ledger.
Strikes past a threshold warn, restrict (no new orders) or suspend the
provider; the provider may appeal a strike once, and ops decide.

How the pieces meet:

* ``on_order_event`` consumes the order events (``events.consumers``), so the
  orders app never imports trust. Delivery is at least once: a strike is unique
  per (provider, trigger, order) and a fine is keyed by its id in the ledger.
* ``penalise`` writes the strike, the fine (``payments.flows.charge_fine``) and
  reviews the provider's standing, in one transaction.
* ``ProviderStanding.level`` is reflected on ``ProviderProfile.status``
  (restricted / suspended), which is what search and booking read; a suspension
  also cancels the provider's future orders through the order process, as the
  system, free for the customers and refunded in full.
* Every ops action is checked (``ENFORCE_STANDARDS``) and audited here; notices
  go out from ``standards.*`` events (``trust.standards_notices``).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile, User
from doorstep.audit.services import record as audit
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.events.models import Event
from doorstep.events.services import record_event
from doorstep.orders.engine import apply_transition
from doorstep.orders.models import Order
from doorstep.orders.processes.book_provider import is_late_change
from doorstep.orders.queries import ops_order
from doorstep.orders.states import OrderState
from doorstep.payments import flows
from doorstep.trust import audit_actions as actions
from doorstep.trust.standards_models import (
    MANUAL_REASON_CODES,
    Appeal,
    Fine,
    PenaltyRule,
    PenaltyTrigger,
    ProviderStanding,
    ReasonCode,
    StandingLevel,
    Strike,
)

# How long a strike counts (Urban Company and Uber count a rolling window).
STRIKE_WINDOW = timedelta(days=getattr(settings, "DOORSTEP_STRIKE_WINDOW_DAYS", 90))


@dataclass(frozen=True)
class Threshold:
    level: StandingLevel
    points: int
    reason_code: ReasonCode


# Live strike points that put a provider at a level, highest first.
THRESHOLDS = (
    Threshold(StandingLevel.SUSPENDED, 6, ReasonCode.STRIKES_SUSPENSION),
    Threshold(StandingLevel.RESTRICTED, 4, ReasonCode.STRIKES_RESTRICTION),
    Threshold(StandingLevel.WARNED, 2, ReasonCode.STRIKES_WARNING),
)

# What a rule is until ops change it.
DEFAULT_RULES: dict[str, dict[str, Any]] = {
    PenaltyTrigger.NO_SHOW: {"fine_bps": 2000, "fine_fixed": {}, "strikes": 2},
    PenaltyTrigger.LATE_CANCELLATION: {
        "fine_bps": 1000,
        "fine_fixed": {},
        "strikes": 1,
    },
    PenaltyTrigger.QUALITY_COMPLAINT: {"fine_bps": 0, "fine_fixed": {}, "strikes": 1},
}

MAX_TEXT = 4000
# Orders a suspension cancels: paid for, not started.
CANCELLABLE_ON_SUSPENSION = (OrderState.REQUESTED, OrderState.ACCEPTED)
PROFILE_STATUS = {
    StandingLevel.GOOD: ProviderProfile.Status.ACTIVE,
    StandingLevel.WARNED: ProviderProfile.Status.ACTIVE,
    StandingLevel.RESTRICTED: ProviderProfile.Status.RESTRICTED,
    StandingLevel.SUSPENDED: ProviderProfile.Status.SUSPENDED,
}


# --- Rules -------------------------------------------------------------------------


def penalty_rules() -> list[PenaltyRule]:
    """Every trigger's rule, made with the defaults the first time."""
    rules = []
    for trigger in PenaltyTrigger:
        rule, _created = PenaltyRule.objects.get_or_create(
            trigger=trigger, defaults=DEFAULT_RULES[trigger]
        )
        rules.append(rule)
    return rules


def _rule_snapshot(rule: PenaltyRule) -> dict[str, Any]:
    return {
        "active": rule.active,
        "fine_bps": rule.fine_bps,
        "fine_fixed": dict(rule.fine_fixed),
        "strikes": rule.strikes,
    }


def _invalid(field: str, message: str) -> DomainError:
    return DomainError("invalid_input", message, fields={field: [message]})


def _clean_fixed(fine_fixed: dict[str, Any]) -> dict[str, int]:
    clean: dict[str, int] = {}
    for currency, amount in (fine_fixed or {}).items():
        code = str(currency).strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise _invalid("fine_fixed", _("Use three-letter currency codes."))
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise _invalid(
                "fine_fixed", _("Amounts are whole minor units, zero or more.")
            )
        if amount:
            clean[code] = amount
    return clean


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            "reason_missing",
            _("Give a reason."),
            fields={"reason": [_("Give a reason.")]},
        )
    if len(reason) > MAX_TEXT:
        raise DomainError(
            "reason_too_long",
            _("The reason is too long."),
            fields={"reason": [_("The reason is too long.")]},
        )
    return reason


@transaction.atomic
def update_penalty_rule(
    *,
    user: User,
    trigger: str,
    active: bool,
    fine_bps: int,
    fine_fixed: dict[str, Any],
    strikes: int,
    reason: str,
) -> PenaltyRule:
    """Ops change what a trigger costs. Raises ``PermissionDenied`` without
    ``ENFORCE_STANDARDS``, ``DomainError`` for bad values; audited with the
    rule before and after. Applies to what happens from now on."""
    require_ops_permission(user, OpsPermission.ENFORCE_STANDARDS)
    if trigger not in PenaltyTrigger.values:
        raise NotFound("not_found", _("No such penalty rule."))
    if not isinstance(fine_bps, int) or not 0 <= fine_bps <= 10_000:
        raise _invalid("fine_bps", _("Between 0 and 10000 basis points."))
    if not isinstance(strikes, int) or not 0 <= strikes <= 10:
        raise _invalid("strikes", _("Between 0 and 10 strikes."))
    fixed = _clean_fixed(fine_fixed)
    reason = _required_reason(reason)
    penalty_rules()
    rule = PenaltyRule.objects.select_for_update().get(trigger=trigger)
    before = _rule_snapshot(rule)
    rule.active = bool(active)
    rule.fine_bps = fine_bps
    rule.fine_fixed = fixed
    rule.strikes = strikes
    rule.save()
    audit(
        actor=user,
        action=actions.PENALTY_RULE_CHANGED,
        target=rule,
        reason=reason,
        before=before,
        after=_rule_snapshot(rule),
    )
    return rule


# --- Strikes and fines -----------------------------------------------------------


def _standing(provider: ProviderProfile, *, lock: bool = False) -> ProviderStanding:
    standing, _created = ProviderStanding.objects.get_or_create(provider=provider)
    if lock:
        standing = ProviderStanding.objects.select_for_update().get(pk=standing.pk)
    return standing


def penalise(
    *,
    provider: ProviderProfile,
    trigger: str,
    order: Order,
    reason: str = "",
    user: User | None = None,
    now: datetime | None = None,
) -> Strike | None:
    """Apply ``trigger``'s rule to ``provider`` for ``order``: strikes, a fine
    through the ledger, a notice, and a review of the standing. Once per
    (provider, trigger, order): a repeat returns the first strike. ``None``
    when the rule is switched off or gives nothing."""
    now = now or timezone.now()
    rule = next(rule for rule in penalty_rules() if rule.trigger == trigger)
    if not rule.active:
        return None
    with transaction.atomic():
        _standing(provider, lock=True)  # serialises a provider's penalties
        existing = Strike.objects.filter(
            provider=provider, trigger=trigger, order=order
        ).first()
        if existing is not None:
            return existing
        amount = rule.fine_for(price=order.subtotal_amount, currency=order.currency)
        if rule.strikes == 0 and amount == 0:
            return None
        try:
            with transaction.atomic():
                strike = Strike.objects.create(
                    provider=provider,
                    trigger=trigger,
                    order=order,
                    points=rule.strikes,
                    reason=reason,
                    issued_at=now,
                    expires_at=now + STRIKE_WINDOW,
                    recorded_by=user,
                )
        except IntegrityError:  # a concurrent delivery of the same event
            return Strike.objects.get(provider=provider, trigger=trigger, order=order)
        if amount > 0:
            fine = Fine.objects.create(
                strike=strike,
                provider=provider,
                order=order,
                amount=amount,
                currency=order.currency,
                charged_at=now,
            )
            flows.charge_fine(order=order, fine_id=fine.public_id, amount=amount)
        audit(
            actor=user,
            action=actions.STRIKE_GIVEN,
            target=strike,
            reason=reason or str(PenaltyTrigger(trigger).label),
            after={
                "provider": provider.public_id,
                "order": order.public_id,
                "points": strike.points,
                "fine": {"amount": amount, "currency": order.currency},
            },
        )
        record_event(
            topic="standards.strike",
            subject=strike.public_id,
            payload={"provider": provider.public_id, "fine": amount},
        )
        review_standing(provider=provider, now=now)
    return strike


def on_order_event(event: Event) -> None:
    """The consumer of order events (``events.consumers``): a provider no-show,
    or a cancellation by the provider of an accepted order inside the
    free-cancellation window, fires its rule. Idempotent (see ``penalise``)."""
    if event.topic not in {"order.report_provider_no_show", "order.cancel"}:
        return
    order = Order.objects.select_related("provider").filter(public_id=event.subject)
    order = order.first()
    if order is None or order.provider is None:
        return
    if event.topic == "order.report_provider_no_show":
        penalise(
            provider=order.provider,
            trigger=PenaltyTrigger.NO_SHOW,
            order=order,
            now=event.occurred_at,
        )
        return
    late = (
        event.payload.get("actor") == "provider"
        and event.payload.get("from") == OrderState.ACCEPTED
        and is_late_change(order, event.occurred_at)
    )
    if late:
        penalise(
            provider=order.provider,
            trigger=PenaltyTrigger.LATE_CANCELLATION,
            order=order,
            now=event.occurred_at,
        )


# An upheld complaint is about work that happened.
COMPLAINABLE_STATES = frozenset(
    {
        OrderState.DELIVERED,
        OrderState.COMPLETED,
        OrderState.DISPUTED,
        OrderState.REFUNDED,
    }
)


def uphold_quality_complaint(*, user: User, order: Order, reason: str) -> Strike | None:
    """Ops record that a customer's complaint about ``order`` is upheld: the
    quality rule applies to its provider. Audited. (The support app will call
    this when it decides a complaint.)"""
    require_ops_permission(user, OpsPermission.ENFORCE_STANDARDS)
    reason = _required_reason(reason)
    if order.provider is None or order.state not in COMPLAINABLE_STATES:
        raise Conflict(
            "illegal_transition",
            _("A complaint can be upheld only on work that was delivered."),
        )
    with transaction.atomic():
        audit(
            actor=user,
            action=actions.COMPLAINT_UPHELD,
            target=order,
            reason=reason,
            after={"provider": order.provider.public_id},
        )
        return penalise(
            provider=order.provider,
            trigger=PenaltyTrigger.QUALITY_COMPLAINT,
            order=order,
            reason=reason,
            user=user,
        )


def uphold_complaint_against(
    *, user: User, provider: ProviderProfile, order_id: str, reason: str
) -> Strike | None:
    """As :func:`uphold_quality_complaint`, for ops who name the order by its id
    from the provider's record: ``NotFound`` ``order_not_found`` unless it is
    one of ``provider``'s orders."""
    require_ops_permission(user, OpsPermission.ENFORCE_STANDARDS)
    order = ops_order((order_id or "").strip())
    if order.provider_id != provider.pk:
        raise NotFound("order_not_found", _("No such order of this provider."))
    return uphold_quality_complaint(user=user, order=order, reason=reason)


# --- Standing ----------------------------------------------------------------------


def live_strikes(
    provider: ProviderProfile, *, now: datetime | None = None
) -> QuerySet[Strike]:
    """Strikes that count now: not removed, not expired, since the last lift."""
    now = now or timezone.now()
    strikes = Strike.objects.filter(
        provider=provider, removed_at__isnull=True, expires_at__gt=now
    )
    counts_from = (
        ProviderStanding.objects.filter(provider=provider)
        .values_list("counts_from", flat=True)
        .first()
    )
    if counts_from is not None:
        strikes = strikes.filter(issued_at__gte=counts_from)
    return strikes


def live_points(provider: ProviderProfile, *, now: datetime | None = None) -> int:
    return live_strikes(provider, now=now).aggregate(s=Sum("points"))["s"] or 0


def _earned(points: int) -> Threshold | None:
    return next((t for t in THRESHOLDS if points >= t.points), None)


def review_standing(
    *, provider: ProviderProfile, now: datetime | None = None
) -> ProviderStanding:
    """Bring the provider's level in line with their live strikes (never below
    the level ops set by hand). Raising or lowering it changes what customers
    can book; see ``_move_to``."""
    now = now or timezone.now()
    with transaction.atomic():
        standing = _standing(provider, lock=True)
        earned = _earned(live_points(provider, now=now))
        automatic = earned.level if earned else StandingLevel.GOOD
        target = max(automatic, standing.floor)
        if target == standing.level:
            return standing
        if target > standing.level and earned is not None and earned.level == target:
            code = earned.reason_code
        else:
            code = ReasonCode.STRIKES_EXPIRED
        _move_to(standing, level=target, code=code, reason="", user=None, now=now)
    return standing


def _move_to(
    standing: ProviderStanding,
    *,
    level: int,
    code: str,
    reason: str,
    user: User | None,
    now: datetime,
) -> None:
    """Set the level and reflect it where search and booking read it; a new
    suspension cancels the future orders. Audited; the provider is told."""
    provider = ProviderProfile.objects.select_for_update().get(pk=standing.provider_id)
    before = {"level": standing.level, "status": provider.status}
    was = standing.level
    standing.level = level
    standing.reason_code = code
    standing.reason = reason
    standing.changed_at = now
    standing.save()
    # A closed account stays closed whatever its standing.
    if provider.user.is_active:
        provider.status = PROFILE_STATUS[StandingLevel(level)]
        provider.save(update_fields=["status", "updated_at"])
        _reindex_after_commit(provider)
    cancelled: list[str] = []
    if level == StandingLevel.SUSPENDED and was < StandingLevel.SUSPENDED:
        cancelled = _cancel_future_orders(provider, now=now)
    audit(
        actor=user,
        action=actions.STANDING_CHANGED,
        target=provider,
        reason=reason or str(ReasonCode(code).label),
        before=before,
        after={"level": level, "status": provider.status, "cancelled": cancelled},
    )
    record_event(
        topic="standards.standing",
        subject=provider.public_id,
        payload={"from": was, "to": level, "reason_code": code},
    )


def _reindex_after_commit(provider: ProviderProfile) -> None:
    from doorstep.search.indexing import index_provider

    transaction.on_commit(lambda: index_provider(provider))


def _cancel_future_orders(provider: ProviderProfile, *, now: datetime) -> list[str]:
    """Cancel each paid, not yet started order of a suspended provider through
    the order process, as the system: no fee, refunded in full (the process's
    ``settle_cancellation`` after commit); the customer is told and offered
    the same category from other providers."""
    cancelled = []
    orders = Order.objects.filter(
        provider=provider, state__in=CANCELLABLE_ON_SUSPENSION, starts_at__gt=now
    ).select_related("listing__category")
    for order in orders.order_by("starts_at"):
        try:
            apply_transition(
                order_id=order.pk,
                name="cancel",
                user=None,
                system=True,
                data={"reason": "provider_suspended"},
            )
        except DomainError:  # the order moved on meanwhile: nothing to cancel
            continue
        category = order.listing.category if order.listing_id else None
        record_event(
            topic="standards.order_cancelled",
            subject=order.public_id,
            payload={"category": category.slug if category else ""},
        )
        cancelled.append(order.public_id)
    return cancelled


def _check_level(level: int) -> StandingLevel:
    try:
        chosen = StandingLevel(int(level))
    except (TypeError, ValueError):
        chosen = StandingLevel.GOOD
    if chosen == StandingLevel.GOOD:
        raise _invalid("level", _("Choose warn, restrict or suspend."))
    return chosen


def set_standing(
    *,
    user: User,
    provider: ProviderProfile,
    level: int,
    reason_code: str,
    reason: str,
    now: datetime | None = None,
) -> ProviderStanding:
    """Ops warn, restrict or suspend a provider by hand, with a reason code and
    a reason the provider reads. The level then stays at least there until ops
    lift it. Audited."""
    require_ops_permission(user, OpsPermission.ENFORCE_STANDARDS)
    chosen = _check_level(level)
    if reason_code not in MANUAL_REASON_CODES:
        raise _invalid("reason_code", _("Choose a reason code."))
    reason = _required_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        standing = _standing(provider, lock=True)
        before = {"level": standing.level, "floor": standing.floor}
        standing.floor = chosen
        standing.save(update_fields=["floor"])
        target = max(chosen, standing.level)
        _move_to(
            standing, level=target, code=reason_code, reason=reason, user=user, now=now
        )
        audit(
            actor=user,
            action=actions.STANDING_SET,
            target=provider,
            reason=reason,
            before=before,
            after={"level": standing.level, "floor": standing.floor},
        )
    return standing


def lift_standing(
    *,
    user: User,
    provider: ProviderProfile,
    reason: str,
    now: datetime | None = None,
) -> ProviderStanding:
    """Ops lift a warning, restriction or suspension: back to good standing,
    published listings bookable again. Strikes stay on the record but those
    before now no longer count towards the thresholds. Audited."""
    require_ops_permission(user, OpsPermission.ENFORCE_STANDARDS)
    reason = _required_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        standing = _standing(provider, lock=True)
        if standing.level == StandingLevel.GOOD and standing.floor == 0:
            raise Conflict(
                "standing_already_good",
                _("This provider is in good standing: there is nothing to lift."),
            )
        before = {"level": standing.level, "floor": standing.floor}
        standing.floor = StandingLevel.GOOD
        standing.counts_from = now
        standing.save(update_fields=["floor", "counts_from"])
        _move_to(
            standing,
            level=StandingLevel.GOOD,
            code=ReasonCode.LIFTED,
            reason=reason,
            user=user,
            now=now,
        )
        audit(
            actor=user,
            action=actions.STANDING_LIFTED,
            target=provider,
            reason=reason,
            before=before,
            after={"level": StandingLevel.GOOD, "floor": StandingLevel.GOOD},
        )
    return standing


# --- Appeals -----------------------------------------------------------------------


def access_strike(user: User, strike_id: str) -> Strike:
    """The one access check for a provider's strike: ``NotFound`` for anyone
    but the provider it was given to."""
    strike = (
        Strike.objects.select_related("provider", "order")
        .filter(public_id=strike_id, provider__user=user)
        .first()
        if user is not None and user.is_authenticated
        else None
    )
    if strike is None:
        raise NotFound("strike_not_found", _("No such strike."))
    return strike


def file_appeal(
    *, user: User, strike_id: str, text: str, now: datetime | None = None
) -> Appeal:
    """The provider contests one of their strikes, once, in writing. Raises
    ``NotFound`` for someone else's strike, ``Conflict`` if it was appealed or
    removed already, ``DomainError`` for an empty or too long text."""
    strike = access_strike(user, strike_id)
    text = (text or "").strip()
    if not text:
        message = _("Say why the strike is wrong.")
        raise DomainError("text_missing", message, fields={"text": [message]})
    if len(text) > MAX_TEXT:
        message = _("The text is too long.")
        raise DomainError("text_too_long", message, fields={"text": [message]})
    with transaction.atomic():
        strike = Strike.objects.select_for_update().get(pk=strike.pk)
        if strike.removed_at is not None:
            raise Conflict("strike_removed", _("This strike was removed already."))
        if Appeal.objects.filter(strike=strike).exists():
            raise Conflict("appeal_exists", _("You already appealed this strike."))
        appeal = Appeal.objects.create(
            strike=strike,
            provider=strike.provider,
            text=text,
            filed_at=now or timezone.now(),
        )
        record_event(
            topic="standards.appeal_filed",
            subject=appeal.public_id,
            payload={"provider": strike.provider.public_id},
        )
    return appeal


def decide_appeal(
    *,
    user: User,
    appeal_id: str,
    overturn: bool,
    reason: str,
    now: datetime | None = None,
) -> Appeal:
    """Ops decide an open appeal. Overturned: the strike is removed, its fine
    given back through the ledger and the standing reviewed. Upheld: the
    strike stands. Either way the provider is told the reason. Audited."""
    require_ops_permission(user, OpsPermission.ENFORCE_STANDARDS)
    reason = _required_reason(reason)
    now = now or timezone.now()
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update()
            .select_related("strike__provider")
            .filter(public_id=appeal_id)
            .first()
        )
        if appeal is None:
            raise NotFound("appeal_not_found", _("No such appeal."))
        if appeal.status != Appeal.Status.OPEN:
            raise Conflict("appeal_decided", _("This appeal was decided already."))
        strike = appeal.strike
        appeal.status = Appeal.Status.OVERTURNED if overturn else Appeal.Status.UPHELD
        appeal.decided_at = now
        appeal.decided_by = user
        appeal.decision_reason = reason
        appeal.save()
        refunded = 0
        if overturn:
            strike.removed_at = now
            strike.removed_reason = reason[:500]
            strike.save(update_fields=["removed_at", "removed_reason"])
            fine = Fine.objects.filter(strike=strike, refunded_at__isnull=True).first()
            if fine is not None:
                flows.refund_fine(order=fine.order, fine_id=fine.public_id)
                fine.refunded_at = now
                fine.save(update_fields=["refunded_at"])
                refunded = fine.amount
        audit(
            actor=user,
            action=actions.APPEAL_OVERTURNED if overturn else actions.APPEAL_UPHELD,
            target=appeal,
            reason=reason,
            before={"status": Appeal.Status.OPEN},
            after={
                "status": appeal.status,
                "strike": strike.public_id,
                "fine_refunded": refunded,
            },
        )
        record_event(
            topic="standards.appeal_decided",
            subject=appeal.public_id,
            payload={"overturned": overturn},
        )
        if overturn:
            review_standing(provider=strike.provider, now=now)
    return appeal


# --- Periodic jobs -----------------------------------------------------------------


def review_standing_of_all(*, now: datetime | None = None) -> dict[str, int]:
    """Periodic job ``review_provider_standing``: strikes expire on their own,
    so a provider above good standing whose strikes no longer justify it comes
    back down (listings restored) without anyone acting."""
    now = now or timezone.now()
    lowered = 0
    standings = ProviderStanding.objects.filter(
        Q(level__gt=StandingLevel.GOOD)
    ).select_related("provider")
    for standing in standings:
        before = standing.level
        after = review_standing(provider=standing.provider, now=now).level
        lowered += after < before
    return {"lowered": lowered}


def collect_all_fine_debts() -> dict[str, int]:
    """Periodic job ``collect_fine_debts``."""
    return {"collected": flows.collect_fine_debts()}
