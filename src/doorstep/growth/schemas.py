"""The growth API's shapes: an order's discounts, a person's points and
credit, their invitation and the friends who came through it."""

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from doorstep.api.schemas import InputSchema, MoneyOut


class DiscountsIn(InputSchema):
    """What to take off an order waiting for payment. A replacement: what the
    order had is given back first, so send everything you want to keep."""

    code: Annotated[str, Field(max_length=32)] = Field(
        "",
        description="A promo code, or the code of the friend who invited you "
        "(first order only); empty for none. Spaces and case do not matter.",
    )
    use_credit: bool = Field(
        False, description="Spend your credit in the order's currency (all that helps)."
    )
    points: Annotated[int, Field(ge=0)] = Field(
        0,
        description="Points to spend, at most what you hold (one point is one "
        "minor unit of the order's currency).",
    )


class DiscountsOut(Schema):
    order_id: str
    code: str = Field(description="The code applied, empty for none.")
    code_discount: MoneyOut
    code_funded_by: str = Field(
        description="`platform` or `provider` (a provider's own promotion); "
        "empty without a code."
    )
    credit: MoneyOut = Field(description="Credit spent on the order.")
    points: int = Field(description="Points spent on the order.")
    points_value: MoneyOut
    total_discount: MoneyOut
    order_total: MoneyOut = Field(description="What is left to pay.")
    credit_available: MoneyOut = Field(
        description="Credit you hold besides what this order uses."
    )
    points_available: int = Field(
        description="Points you hold besides what this order uses."
    )


class RewardBalanceOut(Schema):
    currency: str
    credit: MoneyOut
    points: int
    points_value: MoneyOut


class RewardLotOut(Schema):
    id: str
    kind: str = Field(description="`points` or `credit`.")
    source: str = Field(
        description="`order`, `first_review`, `shared_review`, `referral`, `goodwill`."
    )
    currency: str
    amount: int = Field(description="As earned (points, or credit in minor units).")
    remaining: int
    earned_at: datetime
    expires_at: datetime | None
    expired_at: datetime | None


class RewardMoveOut(Schema):
    kind: str = Field(description="`earned`, `spent`, `returned` or `expired`.")
    lot_id: str
    lot_kind: str
    currency: str
    change: int = Field(description="Signed: spent and expired are negative.")
    order_id: str | None
    at: datetime


class RewardsOut(Schema):
    balances: list[RewardBalanceOut] = Field(
        description="What you hold, unexpired, per currency."
    )
    lots: list[RewardLotOut] = Field(
        description="Everything you earned, those still holding something first."
    )
    history: list[RewardMoveOut] = Field(description="Newest first, the last 200.")


class WelcomeOfferOut(Schema):
    kind: str = Field(description="`fixed` or `percent`.")
    amount: MoneyOut | None = Field(description="For `fixed`.")
    percent_bps: int | None = Field(description="For `percent`: 2000 is 20%.")
    cap: MoneyOut | None = Field(description="For `percent`: the most it takes off.")
    text: str = Field(description="As people say it: CN¥30.00, 20% (up to CN¥50.00).")


class InvitedFriendOut(Schema):
    first_name: str
    status: str = Field(
        description="`joined`, `qualified`, `quarantined` (being checked), "
        "`rewarded` or `rejected`."
    )
    joined_at: datetime
    reward: MoneyOut | None = Field(description="What you earned for them.")


class ReferralOut(Schema):
    code: str
    share_url: str = Field(description="The link to share: its page says who invited.")
    share_text: str = Field(description="A message to send with the link.")
    welcome_offer: WelcomeOfferOut | None = Field(
        description="What a friend gets off their first booking."
    )
    reward: MoneyOut | None = Field(
        description="What you get per friend whose first booking is done."
    )
    invited: list[InvitedFriendOut]
    earned: list[MoneyOut] = Field(description="Rewards paid to you, per currency.")
