"""Growth's money on the double-entry ledger, in one place.

- Earning points or credit is the platform's expense now and its debt until
  spent: ``REWARDS_EXPENSE`` → ``POINTS_LIABILITY`` / ``CREDIT_LIABILITY``.
- Spending them on an order moves the debt to the promotions account, which
  funds the discount into the order's escrow at capture like any
  platform-funded discount (``payments.flows.record_capture``); when the order
  falls through the same amount goes back, and when a lot expires the debt
  is written back to the rewards expense (breakage).
- A provider's reward (a provider they invited did their jobs) and a code
  owner's share go to the provider's pending balance, cleared and paid out
  like earnings.

Each entry is keyed by what caused it, so a repeat posts nothing. The sum of
the open lots of a currency equals its liability account (tested).
"""

from doorstep.accounts.models import ProviderProfile
from doorstep.growth.models import RewardLot
from doorstep.orders.models import Order
from doorstep.payments.ledger import Leg, ledger_account, post_entry
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import JournalEntry

REWARD_EARNED = "reward_earned"
REWARD_SPENT = "reward_spent"
REWARD_RETURNED = "reward_returned"
REWARD_EXPIRED = "reward_expired"
PROVIDER_REWARD = "provider_reward"

LIABILITY = {
    RewardLot.Kind.POINTS: K.POINTS_LIABILITY,
    RewardLot.Kind.CREDIT: K.CREDIT_LIABILITY,
}


def _liability(lot: RewardLot):
    return ledger_account(kind=LIABILITY[lot.kind], currency=lot.currency)


def earned(lot: RewardLot) -> JournalEntry:
    """The platform owes a new lot."""
    return post_entry(
        kind=REWARD_EARNED,
        legs=[
            Leg(
                ledger_account(kind=K.REWARDS_EXPENSE, currency=lot.currency),
                lot.amount,
            ),
            Leg(_liability(lot), -lot.amount),
        ],
        idempotency_key=f"reward_earned:{lot.public_id}",
        description=lot.public_id,
    )


def spent(lot: RewardLot, *, amount: int, order: Order, key: str) -> JournalEntry:
    """``amount`` of the lot pays part of ``order``: the debt becomes the
    promotions budget that funds the discount at capture."""
    return post_entry(
        kind=REWARD_SPENT,
        legs=[
            Leg(_liability(lot), amount),
            Leg(
                ledger_account(kind=K.PROMOTIONS_EXPENSE, currency=lot.currency),
                -amount,
            ),
        ],
        order=order,
        idempotency_key=f"reward_spent:{key}",
        description=lot.public_id,
    )


def returned(lot: RewardLot, *, amount: int, order: Order, key: str) -> JournalEntry:
    """What ``spent`` took for an order that fell through is owed again."""
    return post_entry(
        kind=REWARD_RETURNED,
        legs=[
            Leg(
                ledger_account(kind=K.PROMOTIONS_EXPENSE, currency=lot.currency),
                amount,
            ),
            Leg(_liability(lot), -amount),
        ],
        order=order,
        idempotency_key=f"reward_returned:{key}",
        description=lot.public_id,
    )


def expired(lot: RewardLot, *, amount: int, key: str = "") -> JournalEntry:
    """An expired lot's remainder is no longer owed (``key`` tells apart what
    came back to a lot after it expired)."""
    return post_entry(
        kind=REWARD_EXPIRED,
        legs=[
            Leg(_liability(lot), amount),
            Leg(ledger_account(kind=K.REWARDS_EXPENSE, currency=lot.currency), -amount),
        ],
        idempotency_key=f"reward_expired:{lot.public_id}{key}",
        description=lot.public_id,
    )


def pay_provider(
    *,
    provider: ProviderProfile,
    amount: int,
    currency: str,
    key: str,
    order: Order | None = None,
) -> JournalEntry:
    """A reward or share in money to a provider's pending balance."""
    return post_entry(
        kind=PROVIDER_REWARD,
        legs=[
            Leg(ledger_account(kind=K.REWARDS_EXPENSE, currency=currency), amount),
            Leg(
                ledger_account(
                    kind=K.PROVIDER_PENDING, currency=currency, provider=provider
                ),
                -amount,
            ),
        ],
        order=order,
        idempotency_key=key,
        description=key,
    )
