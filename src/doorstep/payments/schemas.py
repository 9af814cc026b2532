from datetime import datetime

from ninja import Field, Schema

from doorstep.api.schemas import MoneyOut
from doorstep.catalog.schemas import Currency


class PaymentIntentOut(Schema):
    """The order's payment, to be confirmed with the gateway (never with us)."""

    status: str = Field(
        description="The gateway's word: requires_payment_method (no card yet, "
        "or the last was refused: see failure_code), requires_action, "
        "requires_capture (authorised), succeeded, canceled."
    )
    amount: MoneyOut
    client_secret: str = Field(
        description="For the gateway's SDK (Stripe: confirmPayment)."
    )
    next_action_url: str | None = Field(
        description="The gateway's page to send the customer to, when it has one "
        "(the sandbox's hosted card page)."
    )
    failure_code: str
    pay_by: datetime | None = Field(
        description="Unpaid by then, the order lapses and its time is freed."
    )


class TipIn(Schema):
    """Charged off session to the card the order was paid with."""

    amount: int = Field(gt=0, le=10_000_000)


class ExtraChargeIn(Schema):
    amount: int = Field(gt=0, le=10_000_000)
    description: str = Field(min_length=1, max_length=200)


class ExtraChargeOut(Schema):
    id: str
    kind: str
    status: str
    description: str
    amount: MoneyOut


class WalletOut(Schema):
    currency: str
    pending: int
    available: int
    requested: int
    withdrawable: int
    in_transit: int
    paid_out: int


class StatementLineOut(Schema):
    id: int
    created_at: datetime
    entry: str
    kind: str
    order: str
    account: str
    amount: MoneyOut
    balance: MoneyOut


class StatementOut(Schema):
    items: list[StatementLineOut]
    next: str | None


class PayoutIn(Schema):
    amount: int = Field(gt=0, le=1_000_000_000)
    currency: Currency | None = None


class PayoutOut(Schema):
    id: str
    status: str
    # Why a failed payout failed, e.g. ``payouts_not_enabled`` (the provider's
    # payout account cannot receive payouts) or ``insufficient_funds``.
    failure_code: str = ""
    amount: MoneyOut
    created_at: datetime


class PayoutAccountOut(Schema):
    """Whether payouts can reach the provider: ``not_started`` (no account yet),
    ``incomplete`` (the gateway still needs ``requirements_due``) or ``enabled``."""

    status: str
    payouts_enabled: bool
    requirements_due: list[str]
    disabled_reason: str


class OnboardingLinkOut(Schema):
    """Open ``url`` (the gateway's onboarding) in a browser; it expires within
    minutes, so ask for a new one each time."""

    url: str


class BatchIn(Schema):
    payout_ids: list[str] = Field(min_length=1, max_length=500)
    # Optional: kept in the audit trail with each payout's decision.
    reason: str = Field("", max_length=500)


class BatchOut(Schema):
    id: str
    payouts: list[PayoutOut]


class RefundIn(Schema):
    amount: int = Field(gt=0, le=1_000_000_000)
    reason: str = Field("", max_length=200)


class RefundOut(Schema):
    order: str
    refunded: MoneyOut


# --- An agency's staff ------------------------------------------------------------


class StaffBalanceOut(Schema):
    currency: str
    pending: int = Field(description="Minor units, still clearing.")
    available: int = Field(
        description="Minor units, cleared: the agency pays it to you and records it."
    )


class StaffEarningOut(Schema):
    order_id: str
    title: str
    amount: MoneyOut = Field(description="Your part of the order's earnings.")
    released_at: datetime


class StaffEarningsOut(Schema):
    staff_id: str
    agency_name: str
    balances: list[StaffBalanceOut]
    orders: list[StaffEarningOut]


class StaffMemberBalanceOut(Schema):
    staff_id: str
    display_name: str
    role: str
    balances: list[StaffBalanceOut]


class AgencyStaffBalancesOut(Schema):
    agency_id: str
    staff_share_bps: int
    staff: list[StaffMemberBalanceOut]


class StaffShareIn(Schema):
    share_bps: int = Field(
        ge=0,
        le=10_000,
        description="The staff member's part of an order's earnings after "
        "commission, in basis points (6000 = 60%); applies to later releases.",
    )


class StaffPayoutIn(Schema):
    amount: int = Field(gt=0, description="Minor units.")
    currency: Currency
    reference: str = Field(
        "",
        max_length=60,
        description="Your name for this payment (e.g. a transfer number): "
        "recording the same reference again changes nothing.",
    )


class StaffPayoutOut(Schema):
    entry_id: str
    staff_id: str
    amount: MoneyOut
