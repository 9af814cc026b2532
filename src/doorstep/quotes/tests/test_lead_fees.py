"""Lead fees keep the ledger whole: whatever the provider holds (available,
pending, nothing) and whichever fees are refunded, every entry balances, no
restricted balance goes below zero, the platform's lead-fee revenue is the sum
of the fees kept, and what the provider holds less what they owe falls by
exactly that sum. Charging or refunding twice posts once."""

import pytest
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.core.ids import new_public_id
from doorstep.payments import flows
from doorstep.payments.ledger import Leg, ledger_account, post_entry
from doorstep.payments.models import AccountKind, LedgerAccount, Posting
from tests.factories import make_provider

K = AccountKind
CURRENCY = "CNY"


def _balance(kind, provider=None) -> int:
    account = LedgerAccount.objects.filter(
        kind=kind, currency=CURRENCY, provider=provider
    ).first()
    return account.balance if account else 0


def _fund(provider, kind, amount: int) -> None:
    if amount:
        post_entry(
            kind="test_funding",
            legs=[
                Leg(
                    ledger_account(kind=K.PROMOTIONS_EXPENSE, currency=CURRENCY), amount
                ),
                Leg(
                    ledger_account(kind=kind, currency=CURRENCY, provider=provider),
                    -amount,
                ),
            ],
        )


@pytest.mark.django_db
@settings(max_examples=40, deadline=None)
@given(
    available=st.integers(0, 5_000),
    pending=st.integers(0, 5_000),
    fees=st.lists(
        st.tuples(st.integers(1, 3_000), st.booleans()), min_size=1, max_size=6
    ),
)
def test_charging_and_refunding_lead_fees_keeps_the_books(available, pending, fees):
    provider = make_provider()
    _fund(provider, K.PROVIDER_AVAILABLE, available)
    _fund(provider, K.PROVIDER_PENDING, pending)
    revenue_before = _balance(K.LEAD_FEE_REVENUE)

    kept = 0
    for amount, refunded in fees:
        quote_id = new_public_id("quo")
        flows.charge_lead_fee(
            provider=provider, quote_id=quote_id, amount=amount, currency=CURRENCY
        )
        flows.charge_lead_fee(  # a repeat posts nothing
            provider=provider, quote_id=quote_id, amount=amount, currency=CURRENCY
        )
        if refunded:
            flows.refund_lead_fee(provider=provider, quote_id=quote_id)
            flows.refund_lead_fee(provider=provider, quote_id=quote_id)
        else:
            kept += amount

    held = (
        _balance(K.PROVIDER_AVAILABLE, provider)
        + _balance(K.PROVIDER_PENDING, provider)
        - _balance(K.PROVIDER_RECEIVABLE, provider)
    )
    assert held == available + pending - kept
    assert _balance(K.LEAD_FEE_REVENUE) - revenue_before == kept
    assert not LedgerAccount.objects.filter(
        may_go_negative=False, balance__lt=0
    ).exists()
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
