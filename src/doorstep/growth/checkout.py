"""Discounts at checkout: a code (or a friend's referral code), credit and
points on an order waiting for payment — the one place their rules are.

Stacking: one code per order (a promo code, a partner's or influencer's code,
or the referral code of the friend who invited you on your first order);
credit and points may be spent beside it unless the code says no. The code
comes off the service price first, then credit, then points. Discounts never
take off the service fee and always leave something to pay (the gateway
needs an amount).

Applying is a whole replacement: what the order had is given back, then the
new choice is taken, in one transaction — so a customer can change their
mind until they pay, and the order's stored figures (``orders.pricing``) and
its payment always agree with what is applied. Uses of a code and campaign
budgets are counted by conditional updates (the database refuses the 33rd
use of a 32-use code whatever the concurrency); lots are locked while spent.
When the order falls through (``growth.consumers``) everything is given back.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.catalog.models import Category
from doorstep.core.errors import Conflict, DomainError, NotFound
from doorstep.core.money import Money
from doorstep.growth import ledger
from doorstep.growth.models import (
    Campaign,
    Coupon,
    Redemption,
    Referral,
    ReferralCode,
    RewardLot,
    RewardMove,
)
from doorstep.growth.referrals import welcome_coupon
from doorstep.marketplace.queries import city_near
from doorstep.orders.models import Order
from doorstep.orders.states import UNPAID_STATES, OrderState
from doorstep.payments.flows import set_order_discounts
from doorstep.search.categories import load_categories, subtree_ids


@dataclass(frozen=True)
class Perks:
    """What an order has off, and what the customer could still use."""

    currency: str
    code: str = ""
    code_amount: int = 0
    code_funded_by: str = ""
    credit_amount: int = 0
    points_spent: int = 0
    credit_available: int = 0
    points_available: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def total_amount(self) -> int:
        return self.code_amount + self.credit_amount + self.points_spent

    @property
    def code_discount(self) -> Money:
        return Money(self.code_amount, self.currency)

    @property
    def credit(self) -> Money:
        return Money(self.credit_amount, self.currency)

    @property
    def points_value(self) -> Money:
        return Money(self.points_spent, self.currency)

    @property
    def credit_balance(self) -> Money:
        return Money(self.credit_available, self.currency)

    @property
    def points_balance_value(self) -> Money:
        return Money(self.points_available, self.currency)


def normalise(code: str) -> str:
    return "".join((code or "").split()).upper()


def most_off(order: Order) -> int:
    """The most all discounts together may take: the service price, less one
    minor unit when there is no fee to pay."""
    return max(order.subtotal_amount - (0 if order.service_fee_amount else 1), 0)


def order_category(order: Order) -> Category | None:
    """The category the order's service is in, whichever way it was bought."""
    if order.listing_id:
        return order.listing.category
    job = getattr(order, "dispatch_job", None)
    if job is not None:
        return job.category
    quote = getattr(order, "quote", None)
    if quote is not None:
        return quote.request.category
    return None


def balances(user: User, currency: str, *, now: datetime) -> dict[str, int]:
    """What ``user`` holds in ``currency``: credit and points, unexpired."""
    rows = (
        _open_lots(user, currency, now=now)
        .values("kind")
        .annotate(total=Sum("remaining"))
    )
    held = {row["kind"]: row["total"] or 0 for row in rows}
    return {
        RewardLot.Kind.CREDIT: held.get(RewardLot.Kind.CREDIT, 0),
        RewardLot.Kind.POINTS: held.get(RewardLot.Kind.POINTS, 0),
    }


def _open_lots(user: User, currency: str, *, now: datetime):
    return RewardLot.objects.filter(
        user=user, currency=currency, remaining__gt=0, expired_at__isnull=True
    ).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def perks_of(order: Order, *, now: datetime | None = None) -> Perks:
    """What is applied to ``order`` now, and the customer's balances."""
    now = now or timezone.now()
    redemption = (
        Redemption.objects.filter(order=order, status=Redemption.Status.ACTIVE)
        .select_related("coupon", "referral__code")
        .first()
    )
    spent = (
        RewardMove.objects.filter(
            order=order, kind=RewardMove.Kind.SPENT, reversal__isnull=True
        )
        .values("lot__kind")
        .annotate(total=Sum("change"))
    )
    used = {row["lot__kind"]: -(row["total"] or 0) for row in spent}
    held = balances(order.customer, order.currency, now=now)
    return Perks(
        currency=order.currency,
        code=_code_of(redemption) if redemption else "",
        code_amount=redemption.amount if redemption else 0,
        code_funded_by=redemption.funded_by if redemption else "",
        credit_amount=used.get(RewardLot.Kind.CREDIT, 0),
        points_spent=used.get(RewardLot.Kind.POINTS, 0),
        credit_available=held[RewardLot.Kind.CREDIT],
        points_available=held[RewardLot.Kind.POINTS],
    )


def _code_of(redemption: Redemption) -> str:
    """What the customer typed: the friend's code, else the coupon's."""
    if redemption.referral_id:
        return redemption.referral.code.code
    return redemption.coupon.code


def _not_applicable(message: str) -> DomainError:
    return DomainError("promo_code_not_applicable", message, fields={"code": [message]})


def _used_up() -> Conflict:
    message = _("This code has been used up.")
    return Conflict("promo_code_used_up", message, fields={"code": [message]})


def _discount(coupon: Coupon, price: int) -> int:
    if coupon.kind == Coupon.Kind.FIXED:
        off = coupon.amount
    else:
        off = price * coupon.percent_bps // 10_000
        if coupon.cap_amount is not None:
            off = min(off, coupon.cap_amount)
    return min(off, price)


def _has_paid_order(user: User, *, besides: Order) -> bool:
    return (
        Order.objects.filter(customer=user)
        .exclude(pk=besides.pk)
        .exclude(state__in=UNPAID_STATES)
        .exclude(redo_of__isnull=False)
        .exists()
    )


def check_coupon(coupon: Coupon, *, order: Order, user: User, now: datetime) -> int:
    """The discount ``coupon`` gives on ``order`` for ``user``, or the reason
    it does not apply (``DomainError`` on the field ``code``)."""
    campaign = coupon.campaign
    if campaign.status != Campaign.Status.ACTIVE:
        raise _not_applicable(_("This code is no longer offered."))
    if coupon.valid_from > now or campaign.starts_at > now:
        raise _not_applicable(_("This code cannot be used yet."))
    ends = [at for at in (coupon.valid_until, campaign.ends_at) if at]
    if ends and min(ends) <= now:
        raise _not_applicable(_("This code has expired."))
    if coupon.for_user_id and coupon.for_user_id != user.pk:
        raise _not_applicable(_("This code is someone else's."))
    if coupon.currency != order.currency:
        raise _not_applicable(_("This code is for prices in another currency."))
    if campaign.provider_id and (
        order.provider_id != campaign.provider_id or order.listing_id is None
    ):
        raise _not_applicable(_("This code is only for that provider's services."))
    if order.subtotal_amount < coupon.min_spend_amount:
        raise _not_applicable(
            _("This code needs a price of at least %(amount)s.")
            % {
                "amount": Money(coupon.min_spend_amount, coupon.currency).format(
                    get_language() or "en"
                )
            }
        )
    if coupon.category_id:
        category = order_category(order)
        allowed = subtree_ids(load_categories(), coupon.category_id) | {
            coupon.category_id
        }
        if category is None or category.pk not in allowed:
            raise _not_applicable(
                _("This code is only for %(category)s.")
                % {"category": coupon.category.name}
            )
    if coupon.city_id:
        city = city_near(order.latitude, order.longitude)
        if city is None or city.slug != coupon.city.slug:
            raise _not_applicable(
                _("This code is only for %(city)s.") % {"city": coupon.city.name}
            )
    if coupon.first_order_only and _has_paid_order(user, besides=order):
        raise _not_applicable(_("This code is for a first order only."))
    used = (
        Redemption.objects.filter(
            coupon=coupon, user=user, status=Redemption.Status.ACTIVE
        )
        .exclude(order=order)
        .count()
    )
    if used >= coupon.per_user_limit:
        raise _not_applicable(_("You have already used this code."))
    off = _discount(coupon, order.subtotal_amount)
    if off <= 0:
        raise _not_applicable(_("This code takes nothing off this order."))
    return off


def _referral_coupon(
    code: ReferralCode, *, order: Order, user: User
) -> tuple[Referral, Coupon]:
    """A friend's referral code used as a code: only by the person it
    brought in, on their first order, with the programme's welcome offer in
    the order's currency."""
    referral = Referral.objects.filter(code=code, invitee=user).first()
    if referral is None:
        if code.user_id == user.pk:
            raise _not_applicable(_("This is your own code: share it with friends."))
        raise _not_applicable(
            _("A friend's code works when you join through their link.")
        )
    coupon = welcome_coupon(order.currency)
    if coupon is None:
        raise _not_applicable(_("There is no welcome offer in this currency."))
    return referral, coupon


def _find(code: str) -> Coupon | ReferralCode:
    coupon = Coupon.objects.select_related("campaign").filter(code=code).first()
    if coupon is not None:
        return coupon
    referral_code = ReferralCode.objects.filter(code=code).first()
    if referral_code is not None:
        return referral_code
    message = _("There is no such code. Check the spelling.")
    raise DomainError("promo_code_not_found", message, fields={"code": [message]})


def _take_use(coupon: Coupon, amount: int) -> None:
    """Count one use and ``amount`` against the budget, or refuse: conditional
    updates, so concurrent checkouts cannot overspend."""
    uses = Coupon.objects.filter(pk=coupon.pk)
    if coupon.max_uses is not None:
        uses = uses.filter(uses__lt=F("max_uses"))
    if not uses.update(uses=F("uses") + 1):
        raise _used_up()
    budget = Campaign.objects.filter(
        pk=coupon.campaign_id, status=Campaign.Status.ACTIVE
    )
    budget = budget.filter(
        Q(budget_amount__isnull=True) | Q(budget_amount__gte=F("spent_amount") + amount)
    )
    if not budget.update(spent_amount=F("spent_amount") + amount):
        raise BudgetSpent(coupon.campaign_id)


class BudgetSpent(Exception):
    """A campaign's budget cannot pay this discount: the campaign is marked
    spent (after the refused checkout rolls back) and the code refused."""

    def __init__(self, campaign_id: int) -> None:
        super().__init__(campaign_id)
        self.campaign_id = campaign_id


def release(order: Order, *, now: datetime) -> None:
    """Give back what ``order`` had: its code's use and budget, and the credit
    and points spent on it. Idempotent."""
    with transaction.atomic():
        for redemption in Redemption.objects.select_for_update().filter(
            order=order, status=Redemption.Status.ACTIVE
        ):
            if redemption.coupon_id:
                Coupon.objects.filter(pk=redemption.coupon_id, uses__gt=0).update(
                    uses=F("uses") - 1
                )
            Campaign.objects.filter(
                pk=redemption.campaign_id, spent_amount__gte=redemption.amount
            ).update(spent_amount=F("spent_amount") - redemption.amount)
            # Budget came back: a campaign stopped for want of it runs again.
            Campaign.objects.filter(
                pk=redemption.campaign_id, status=Campaign.Status.SPENT
            ).update(status=Campaign.Status.ACTIVE)
            redemption.status = Redemption.Status.RETURNED
            redemption.returned_at = now
            redemption.save(update_fields=["status", "returned_at"])
        for move in RewardMove.objects.filter(
            order=order, kind=RewardMove.Kind.SPENT, reversal__isnull=True
        ).order_by("pk"):
            lot = RewardLot.objects.select_for_update().get(pk=move.lot_id)
            amount = -move.change
            RewardLot.objects.filter(pk=lot.pk).update(
                remaining=F("remaining") + amount
            )
            RewardMove.objects.create(
                lot=lot,
                kind=RewardMove.Kind.RETURNED,
                change=amount,
                order=order,
                reverses=move,
                at=now,
            )
            ledger.returned(lot, amount=amount, order=order, key=f"{move.pk}")
            if lot.expired_at is not None:
                # Back to a lot that expired meanwhile: expired again at once.
                RewardLot.objects.filter(pk=lot.pk).update(
                    remaining=F("remaining") - amount
                )
                RewardMove.objects.create(
                    lot=lot, kind=RewardMove.Kind.EXPIRED, change=-amount, at=now
                )
                ledger.expired(lot, amount=amount, key=f":returned:{move.pk}")


def _spend(user: User, order: Order, kind: str, wanted: int, *, now: datetime) -> int:
    """Spend up to ``wanted`` of ``kind`` on ``order``, oldest lots first
    (those that expire soonest first among them)."""
    left = wanted
    lots = (
        _open_lots(user, order.currency, now=now)
        .filter(kind=kind)
        .select_for_update()
        .order_by(F("expires_at").asc(nulls_last=True), "earned_at", "pk")
    )
    for lot in lots:
        if left <= 0:
            break
        take = min(lot.remaining, left)
        if not RewardLot.objects.filter(pk=lot.pk, remaining__gte=take).update(
            remaining=F("remaining") - take
        ):
            continue
        move = RewardMove.objects.create(
            lot=lot, kind=RewardMove.Kind.SPENT, change=-take, order=order, at=now
        )
        ledger.spent(lot, amount=take, order=order, key=f"{move.pk}")
        left -= take
    return wanted - left


def apply(
    *,
    order: Order,
    user: User,
    code: str = "",
    use_credit: bool = False,
    points: int = 0,
    now: datetime | None = None,
) -> Perks:
    """Make ``order``'s discounts: ``code`` (blank for none), the customer's
    credit (all that helps) and up to ``points`` points. Only the order's
    customer, only while it waits for payment. Refuses with the reason and
    changes nothing when a code does not apply or points are short."""
    now = now or timezone.now()
    if order.customer_id != user.pk:
        raise NotFound("order_not_found", _("No such order of yours."))
    if points < 0:
        raise DomainError(
            "invalid_amount",
            _("Points must be zero or more."),
            fields={"points": [_("Points must be zero or more.")]},
        )
    try:
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order.pk)
            if order.state != OrderState.AWAITING_PAYMENT:
                raise Conflict(
                    "order_not_payable",
                    _("Discounts can be changed only before the order is paid."),
                )
            release(order, now=now)
            budget = most_off(order)
            platform: dict[str, int] = {}
            provider_funded = 0
            code = normalise(code)
            allows_rewards = True
            if code:
                found = _find(code)
                referral = None
                if isinstance(found, ReferralCode):
                    referral, coupon = _referral_coupon(found, order=order, user=user)
                    if _has_paid_order(user, besides=order):
                        raise _not_applicable(
                            _("A friend's code is for a first order only.")
                        )
                else:
                    coupon = found
                    if coupon.campaign.kind == Campaign.Kind.REFERRAL:
                        raise _not_applicable(
                            _(
                                "This offer comes with a friend's invitation: use "
                                "their code."
                            )
                        )
                off = min(check_coupon(coupon, order=order, user=user, now=now), budget)
                _take_use(coupon, off)
                campaign = coupon.campaign
                Redemption.objects.create(
                    order=order,
                    user=user,
                    # A friend's code uses the programme's welcome coupon: its use
                    # is counted, and given back, like any code's.
                    coupon=coupon,
                    referral=referral,
                    campaign=campaign,
                    funded_by=campaign.funded_by,
                    amount=off,
                    currency=order.currency,
                    created_at=now,
                )
                if campaign.funded_by == Campaign.FundedBy.PROVIDER:
                    provider_funded = off
                else:
                    platform[f"code:{code}"] = off
                budget -= off
                allows_rewards = coupon.stacks_with_rewards
            if (use_credit or points) and not allows_rewards:
                message = _("This code cannot be combined with credit or points.")
                raise _not_applicable(message)
            if use_credit and budget > 0:
                credit = _spend(user, order, RewardLot.Kind.CREDIT, budget, now=now)
                if credit:
                    platform["credit"] = credit
                    budget -= credit
            if points:
                held = balances(user, order.currency, now=now)[RewardLot.Kind.POINTS]
                if points > held:
                    message = _("You hold %(count)d points for this currency.") % {
                        "count": held
                    }
                    raise DomainError(
                        "not_enough_points", message, fields={"points": [message]}
                    )
                spent = _spend(
                    user, order, RewardLot.Kind.POINTS, min(points, budget), now=now
                )
                if spent:
                    platform["points"] = spent
            set_order_discounts(
                order=order, platform=platform, provider_funded=provider_funded
            )
    except BudgetSpent as refused:
        # The campaign stops: its budget is spent (ops see it, and resume it
        # with more budget).
        Campaign.objects.filter(
            pk=refused.campaign_id, status=Campaign.Status.ACTIVE
        ).update(status=Campaign.Status.SPENT)
        raise _used_up() from None
    return perks_of(order, now=now)
