"""The growth API: discounts on an order waiting for payment (a code, credit
and points), your points and credit, and your invitation to friends.

An order that is not yours answers 404, like one that does not exist; the
discounts are the customer's alone (the provider of the order gets 404 too).
"""

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router

from doorstep.accounts.models import User
from doorstep.core.money import Money
from doorstep.growth import checkout, queries, referrals, rewards
from doorstep.growth.models import Coupon, Referral
from doorstep.growth.schemas import (
    DiscountsIn,
    DiscountsOut,
    InvitedFriendOut,
    ReferralOut,
    RewardBalanceOut,
    RewardLotOut,
    RewardMoveOut,
    RewardsOut,
    WelcomeOfferOut,
)
from doorstep.orders import queries as order_queries
from doorstep.orders.models import Order
from doorstep.orders.process import Actor
from doorstep.orders.schemas import MoneyOut

router = Router(tags=["growth"])


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def _money(amount: int, currency: str) -> MoneyOut:
    return MoneyOut(amount=amount, currency=currency)


def _discounts_out(order: Order, perks: checkout.Perks) -> DiscountsOut:
    currency = perks.currency
    return DiscountsOut(
        order_id=order.public_id,
        code=perks.code,
        code_discount=_money(perks.code_amount, currency),
        code_funded_by=perks.code_funded_by,
        credit=_money(perks.credit_amount, currency),
        points=perks.points_spent,
        points_value=_money(perks.points_spent, currency),
        total_discount=_money(perks.total_amount, currency),
        order_total=_money(order.total_amount, order.currency),
        credit_available=_money(perks.credit_available, currency),
        points_available=perks.points_available,
    )


def _customers_order(user: User, order_id: str) -> Order:
    return order_queries.access_order(user, order_id, as_role=Actor.CUSTOMER)


@router.get(
    "/orders/{order_id}/discounts",
    response=DiscountsOut,
    summary="What is taken off one of your orders",
    description="The code, credit and points on the order, and the credit and "
    "points you could still use on it.",
)
def get_discounts(request: HttpRequest, order_id: str) -> DiscountsOut:
    order = _customers_order(_caller(request), order_id)
    return _discounts_out(order, checkout.perks_of(order))


@router.put(
    "/orders/{order_id}/discounts",
    response=DiscountsOut,
    summary="Choose the discounts on an order waiting for payment",
    description=(
        "A replacement, so repeating it changes nothing more (no "
        "`Idempotency-Key`): what the order had is given back, then the code, "
        "credit and points asked for are taken, in one go. The order's total "
        "and its payment follow; pay afterwards with `POST "
        "/orders/{id}/payment`.\n\n"
        "Refused, nothing changes: 422 `promo_code_not_found`, "
        "`promo_code_not_applicable` (with the reason on `code`), "
        "`not_enough_points` (on `points`); 409 `promo_code_used_up`, "
        "`order_not_payable` (paid, or no longer waiting for payment)."
    ),
)
def put_discounts(
    request: HttpRequest, order_id: str, payload: DiscountsIn
) -> DiscountsOut:
    user = _caller(request)
    order = _customers_order(user, order_id)
    perks = checkout.apply(
        order=order,
        user=user,
        code=payload.code,
        use_credit=payload.use_credit,
        points=payload.points,
    )
    order.refresh_from_db()
    return _discounts_out(order, perks)


@router.get(
    "/me/rewards",
    response=RewardsOut,
    summary="Your points and credit",
    description="Balances per currency (unexpired), every lot you earned with "
    "its expiry, and what happened to them, newest first, linked to orders.",
)
def get_rewards(request: HttpRequest) -> RewardsOut:
    user = _caller(request)
    return RewardsOut(
        balances=[
            RewardBalanceOut(
                currency=held.currency,
                credit=MoneyOut(**held.credit.as_json()),
                points=held.points,
                points_value=MoneyOut(**held.points_value.as_json()),
            )
            for held in queries.holdings(user)
        ],
        lots=[
            RewardLotOut(
                id=lot.public_id,
                kind=lot.kind,
                source=lot.source,
                currency=lot.currency,
                amount=lot.amount,
                remaining=lot.remaining,
                earned_at=lot.earned_at,
                expires_at=lot.expires_at,
                expired_at=lot.expired_at,
            )
            for lot in rewards.lots(user)
        ],
        history=[
            RewardMoveOut(
                kind=move.kind,
                lot_id=move.lot.public_id,
                lot_kind=move.lot.kind,
                currency=move.lot.currency,
                change=move.change,
                order_id=move.order.public_id if move.order else None,
                at=move.at,
            )
            for move in rewards.history(user)
        ],
    )


def _offer_out(coupon: Coupon | None) -> WelcomeOfferOut | None:
    if coupon is None:
        return None
    fixed = coupon.kind == Coupon.Kind.FIXED
    return WelcomeOfferOut(
        kind=coupon.kind,
        amount=_money(coupon.amount, coupon.currency) if fixed else None,
        percent_bps=None if fixed else coupon.percent_bps,
        cap=(
            _money(coupon.cap_amount, coupon.currency)
            if not fixed and coupon.cap_amount
            else None
        ),
        text=queries.offer_text(coupon),
    )


def _friend_out(friend: Referral) -> InvitedFriendOut:
    rewarded = friend.status == Referral.Status.REWARDED and friend.reward_amount
    return InvitedFriendOut(
        # Nothing else of the friend: their first name is what the inviter knows.
        first_name=friend.invitee.get_short_name(),
        status=friend.status,
        joined_at=friend.created_at,
        reward=_money(friend.reward_amount, friend.currency) if rewarded else None,
    )


@router.get(
    "/me/referral",
    response=ReferralOut,
    summary="Your invitation to friends",
    description="Your code (made on first ask), the link to share and a "
    "message to send with it, what a friend gets and what you get, and the "
    "friends who joined through it (first names only) with how far they are.",
)
def get_referral(request: HttpRequest) -> ReferralOut:
    user = _caller(request)
    code = referrals.code_for(user)
    coupon = queries.welcome_coupon()
    campaign = coupon.campaign if coupon else None
    return ReferralOut(
        code=code.code,
        share_url=request.build_absolute_uri(
            reverse("growth:landing", args=[code.code])
        ),
        share_text=queries.invitation_text(user, coupon),
        welcome_offer=_offer_out(coupon),
        reward=(
            MoneyOut(**Money(campaign.reward_amount, campaign.currency).as_json())
            if campaign and campaign.reward_amount
            else None
        ),
        invited=[_friend_out(friend) for friend in queries.invited_friends(user)],
        earned=[
            MoneyOut(**amount.as_json()) for amount in queries.earned_from_friends(user)
        ],
    )
