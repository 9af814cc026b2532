import contextlib
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from doorstep.core.errors import Conflict, DomainError
from doorstep.payments.ledger import (
    Leg,
    ledger_account,
    post_entry,
    recomputed_balance,
    reverse_entry,
)
from doorstep.payments.models import AccountKind, JournalEntry, LedgerAccount, Posting
from tests.factories import make_provider

K = AccountKind


def _platform(kind, currency="CNY"):
    return ledger_account(kind=kind, currency=currency)


def _capture(amount, key=None, currency="CNY"):
    """The customer's money arrives at the gateway and is held in escrow."""
    return post_entry(
        kind="capture",
        legs=[
            Leg(_platform(K.GATEWAY_FUNDS, currency), amount),
            Leg(_platform(K.ORDER_ESCROW, currency), -amount),
        ],
        idempotency_key=key,
    )


@pytest.mark.django_db
def test_a_balanced_entry_moves_natural_balances():
    _capture(12_000)

    assert _platform(K.GATEWAY_FUNDS).balance == 12_000
    assert _platform(K.ORDER_ESCROW).balance == 12_000  # a liability, credit-normal
    for account in LedgerAccount.objects.all():
        assert account.balance == recomputed_balance(account)


@pytest.mark.django_db
@pytest.mark.parametrize("amounts", [[100, -99], [100], [100, 0, -100], [1.5, -1.5]])
def test_an_unbalanced_or_malformed_entry_is_refused_in_code(amounts):
    accounts = [
        _platform(K.GATEWAY_FUNDS),
        _platform(K.ORDER_ESCROW),
        _platform(K.REFUNDS_PAID),
    ]
    legs = [Leg(accounts[i], amount) for i, amount in enumerate(amounts)]

    with pytest.raises(ValueError):  # noqa: PT011
        post_entry(kind="broken", legs=legs)

    assert JournalEntry.objects.count() == 0


@pytest.mark.django_db
def test_mixed_currencies_must_balance_each_currency():
    usd, cny = _platform(K.GATEWAY_FUNDS, "USD"), _platform(K.ORDER_ESCROW, "CNY")

    with pytest.raises(ValueError):  # noqa: PT011
        post_entry(kind="fx", legs=[Leg(usd, 100), Leg(cny, -100)])


@pytest.mark.django_db
def test_a_restricted_balance_cannot_go_negative_and_nothing_is_written():
    _capture(5_000)
    provider = make_provider()
    pending = ledger_account(kind=K.PROVIDER_PENDING, currency="CNY", provider=provider)

    with pytest.raises(Conflict) as error:
        post_entry(
            kind="release",
            legs=[Leg(_platform(K.ORDER_ESCROW), 6_000), Leg(pending, -6_000)],
        )

    assert error.value.code == "insufficient_funds"
    assert JournalEntry.objects.count() == 1
    assert _platform(K.ORDER_ESCROW).balance == 5_000
    assert pending.postings.count() == 0


@pytest.mark.django_db
def test_idempotent_repeats_post_once_and_mismatches_are_refused():
    first = _capture(7_000, key="capture:ord_1")
    again = _capture(7_000, key="capture:ord_1")

    assert again.pk == first.pk
    assert JournalEntry.objects.count() == 1
    with pytest.raises(DomainError) as error:
        _capture(7_001, key="capture:ord_1")
    assert error.value.code == "idempotency_mismatch"


@pytest.mark.django_db
def test_a_reversal_restores_every_balance():
    entry = _capture(3_000)

    reversal = reverse_entry(entry=entry)

    assert reversal.reverses == entry
    assert _platform(K.GATEWAY_FUNDS).balance == 0
    assert _platform(K.ORDER_ESCROW).balance == 0


@pytest.mark.django_db
class TestTheDatabaseItselfGuardsTheLedger:
    def test_postings_cannot_be_changed(self):
        _capture(1_000)

        with pytest.raises(IntegrityError), transaction.atomic():
            Posting.objects.update(amount=5)

    def test_postings_and_entries_cannot_be_deleted(self):
        entry = _capture(1_000)

        with pytest.raises(IntegrityError), transaction.atomic():
            Posting.objects.filter(entry=entry).delete()
        with pytest.raises(IntegrityError), transaction.atomic():
            JournalEntry.objects.filter(pk=entry.pk).delete()

    def test_a_sealed_entry_cannot_be_reopened_or_extended(self):
        entry = _capture(1_000)

        with pytest.raises(IntegrityError), transaction.atomic():
            JournalEntry.objects.filter(pk=entry.pk).update(sealed=False)
        with pytest.raises(IntegrityError), transaction.atomic():
            Posting.objects.create(
                entry=entry, account=_platform(K.REFUNDS_PAID), amount=1, currency="CNY"
            )

    def test_an_unbalanced_entry_cannot_be_sealed(self):
        with transaction.atomic():
            entry = JournalEntry.objects.create(kind="forged")
            Posting.objects.create(
                entry=entry,
                account=_platform(K.GATEWAY_FUNDS),
                amount=10,
                currency="CNY",
            )
            Posting.objects.create(
                entry=entry,
                account=_platform(K.ORDER_ESCROW),
                amount=-9,
                currency="CNY",
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            JournalEntry.objects.filter(pk=entry.pk).update(sealed=True)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_of_one_key_post_once():
    ledger_account(kind=K.GATEWAY_FUNDS, currency="CNY")
    ledger_account(kind=K.ORDER_ESCROW, currency="CNY")
    barrier = threading.Barrier(8)
    entries: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait()
            entry = _capture(4_000, key="capture:same")
            with lock:
                entries.append(entry.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(entries) == 8
    assert len(set(entries)) == 1
    assert _platform(K.GATEWAY_FUNDS).balance == 4_000


# --- Property: any sequence of valid movements keeps every invariant ---------------

KINDS = [
    K.GATEWAY_FUNDS,
    K.ORDER_ESCROW,
    K.PROVIDER_PENDING,
    K.COMMISSION_REVENUE,
    K.REFUNDS_PAID,
]
movement = st.tuples(
    st.sampled_from(range(len(KINDS))),
    st.sampled_from(range(len(KINDS))),
    st.integers(min_value=1, max_value=50_000),
).filter(lambda m: m[0] != m[1])


class TestLedgerProperties(HypothesisTestCase):
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.lists(movement, min_size=1, max_size=25))
    def test_balances_stay_consistent_whatever_is_posted(self, movements):
        accounts = [_platform(kind) for kind in KINDS]
        for debit, credit, amount in movements:
            # Conflict: refused, it would overdraw a restricted balance.
            with contextlib.suppress(Conflict):
                post_entry(
                    kind="move",
                    legs=[Leg(accounts[debit], amount), Leg(accounts[credit], -amount)],
                )

        grand_total = 0
        for account in LedgerAccount.objects.all():
            assert account.balance == recomputed_balance(account)
            if not account.may_go_negative:
                assert account.balance >= 0
            grand_total += sum(account.postings.values_list("amount", flat=True))
        assert grand_total == 0
        assert not JournalEntry.objects.filter(sealed=False).exists()
