from datetime import datetime

from ninja import Field, Schema

from doorstep.api.schemas import MoneyOut


class CardIn(Schema):
    card: str = Field(
        min_length=4,
        max_length=40,
        description="A sandbox test card number or a gateway payment method id.",
    )


class PaymentOut(Schema):
    id: str
    status: str
    amount: MoneyOut
    service_fee: MoneyOut
    discount: MoneyOut
    card_brand: str
    card_last4: str


class TipIn(Schema):
    amount: int = Field(gt=0, le=10_000_000)
    card: str | None = Field(None, max_length=40)


class ExtraChargeIn(Schema):
    amount: int = Field(gt=0, le=10_000_000)
    description: str = Field(min_length=1, max_length=200)


class ApproveIn(Schema):
    card: str | None = Field(None, max_length=40)


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
    currency: str | None = Field(None, min_length=3, max_length=3)


class PayoutOut(Schema):
    id: str
    status: str
    amount: MoneyOut
    created_at: datetime


class BatchIn(Schema):
    payout_ids: list[str] = Field(min_length=1, max_length=500)


class BatchOut(Schema):
    id: str
    payouts: list[PayoutOut]


class RefundIn(Schema):
    amount: int = Field(gt=0, le=1_000_000_000)
    reason: str = Field("", max_length=200)


class RefundOut(Schema):
    order: str
    refunded: MoneyOut
