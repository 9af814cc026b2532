"""Warranty and guarantee claims: the windows, the free redo booked on the
provider's calendar and walked to completion with no money moving, ops refunds
after release taken back from the provider, guarantee payouts from the fund,
and who may do what."""

from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.orders.models import Order
from doorstep.orders.services import place_order
from doorstep.orders.states import OrderState
from doorstep.orders.tests.conftest import at, booking, photo_upload
from doorstep.payments import flows
from doorstep.payments.models import AccountKind, JournalEntry, LedgerAccount
from doorstep.payments.reconciliation import reconcile
from doorstep.scheduling.models import TimeClaim
from doorstep.support import claims
from doorstep.support.models import GuaranteeClaim, WarrantyClaim
from doorstep.support.redo import book_redo
from doorstep.support.tests.claims_helpers import (  # noqa: F401
    _marketplace,
    completed_order,
    walk_to_completion,
    warranty_listing,
)
from doorstep.trust.tests.standards.helpers import assert_ledger_balanced
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    return warranty_listing(days=7)


@pytest.fixture
def customer():
    return make_user(name="Cora Customer")


@pytest.fixture
def order(listing, customer):
    return completed_order(listing, customer)


def _balance(kind, **party) -> int:
    account = LedgerAccount.objects.filter(kind=kind, **party).first()
    return account.balance if account else 0


def _claim(order, **overrides) -> WarrantyClaim:
    return claims.file_warranty_claim(
        customer=order.customer,
        order_id=order.public_id,
        description=overrides.pop("description", "The tap still drips."),
        **overrides,
    )


def _run_flows(callable_, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return callable_(**kwargs)


# --- Windows -------------------------------------------------------------------


def test_a_claim_on_the_last_day_of_the_warranty_is_taken_with_its_photos(order):
    last_day = timezone.now() + timedelta(days=6, hours=23)

    claim = _claim(order, photos=[photo_upload()], now=last_day)

    assert claim.status == WarrantyClaim.Status.FILED
    assert claim.respond_by == last_day + timedelta(days=3)
    assert claim.photos.count() == 1


def test_a_day_too_late_is_refused_with_the_day_it_ended(order):
    a_day_late = timezone.now() + timedelta(days=8)

    with pytest.raises(DomainError) as refused:
        _claim(order, now=a_day_late)

    assert refused.value.code == "claim_window_closed"
    assert "7-day warranty on this order ended on" in refused.value.message
    assert not WarrantyClaim.objects.exists()


def test_a_service_without_warranty_or_an_unfinished_order_cannot_be_claimed(
    listing, customer
):
    order = completed_order(listing, customer)
    listing.category.warranty_days = 0
    listing.category.save(update_fields=["warranty_days"])
    with pytest.raises(DomainError) as refused:
        _claim(order)
    assert refused.value.code == "no_warranty"

    Order.objects.filter(pk=order.pk).update(state=OrderState.DELIVERED)
    with pytest.raises(DomainError) as refused:
        _claim(Order.objects.get(pk=order.pk))
    assert refused.value.code == "order_not_completed"


def test_blank_text_and_a_second_open_claim_are_refused(order):
    with pytest.raises(DomainError) as refused:
        _claim(order, description="  ")
    assert refused.value.fields == {"description": ["Say what is not right."]}

    _claim(order)
    with pytest.raises(Conflict) as refused:
        _claim(order)
    assert refused.value.code == "claim_exists"


# --- The redo --------------------------------------------------------------------


def test_the_redo_is_a_free_order_on_the_providers_calendar_done_with_no_money(
    order, listing, customer
):
    # given a claim, and the provider offering to come back at a free time
    claim = _claim(order)
    redo_at = at("14:00", days=4)
    claims.offer_redo(
        claim_id=claim.public_id, provider_user=listing.provider.user, starts_at=redo_at
    )
    entries_before = JournalEntry.objects.count()

    # when the customer accepts
    claim = claims.accept_redo(claim_id=claim.public_id, customer=customer)

    # then a free order is booked, linked to the first, holding its time
    redo = claim.redo_order
    assert claim.status == WarrantyClaim.Status.REDO_BOOKED
    assert (redo.state, redo.total_amount, redo.redo_of) == ("accepted", 0, order)
    assert redo.starts_at == redo_at
    assert TimeClaim.objects.filter(order=redo, released_at__isnull=True).exists()
    assert [event.transition for event in redo.events.all()] == ["create", "book_redo"]
    # and nobody else can have that time
    with pytest.raises(Conflict) as taken:
        place_order(**booking(listing, make_user(), starts_at=redo_at))
    assert taken.value.code == "slot_taken"

    # when the provider does it and the customer confirms
    redo = walk_to_completion(redo)

    # then it completes, no money moves, the books balance, the claim closes
    assert redo.state == OrderState.COMPLETED
    assert JournalEntry.objects.count() == entries_before
    assert_ledger_balanced()
    assert reconcile() == []
    assert claims.escalate_warranty_claims()["redone"] == 1
    claim.refresh_from_db()
    assert claim.status == WarrantyClaim.Status.REDONE


def test_a_redo_offer_at_a_taken_time_is_refused(order, listing, customer):
    taken_at = at("10:00", days=5)
    completed_order(listing, make_user(), day=5)  # holds 10:00–12:00 that day
    claim = _claim(order)

    with pytest.raises(Conflict) as refused:
        claims.offer_redo(
            claim_id=claim.public_id,
            provider_user=listing.provider.user,
            starts_at=taken_at,
        )

    assert refused.value.code == "slot_taken"
    claim.refresh_from_db()
    assert claim.status == WarrantyClaim.Status.FILED


def test_the_redo_time_is_claimed_once_when_two_redos_race_for_it(order, listing):
    redo_at = at("14:00", days=4)
    ops = make_ops("Support")
    book_redo(order=order, starts_at=redo_at, by=ops, reason="test")

    with pytest.raises(Conflict) as refused:
        book_redo(order=order, starts_at=redo_at, by=ops, reason="test")

    assert refused.value.code == "slot_taken"
    assert Order.objects.filter(redo_of=order).count() == 1


# --- Escalation and ops -------------------------------------------------------------


def test_an_unanswered_claim_goes_to_ops_after_the_response_days(order):
    claim = _claim(order)

    early = claims.escalate_warranty_claims(now=claim.respond_by - timedelta(minutes=1))
    due = claims.escalate_warranty_claims(now=claim.respond_by)

    assert early["unanswered"] == 0
    assert due["unanswered"] == 1
    claim.refresh_from_db()
    assert (claim.status, claim.escalation_reason) == ("escalated", "unanswered")


def test_ops_refund_after_completion_is_taken_back_from_the_provider(order, listing):
    # given a claim the provider declined, on an order whose money was released
    claim = _claim(order)
    claims.decline_claim(
        claim_id=claim.public_id,
        provider_user=listing.provider.user,
        note="It was like that before.",
    )
    provider = listing.provider
    pending = _balance(AccountKind.PROVIDER_PENDING, provider=provider)
    ops = make_ops("Support")

    # when ops refund part of it
    claim = _run_flows(
        claims.decide_warranty_claim,
        claim_id=claim.public_id,
        user=ops,
        outcome="refund",
        amount=3_000,
        reason="The drip is the fitting's fault.",
    )

    # then the customer gets it back, the provider gives it back, books balance
    assert claim.status == WarrantyClaim.Status.REFUNDED
    assert flows.order_payment(order).refunded_amount == 3_000
    assert _balance(AccountKind.PROVIDER_PENDING, provider=provider) == pending - 3_000
    assert _balance(AccountKind.ORDER_ESCROW, order=order) == 0
    assert_ledger_balanced()
    assert reconcile() == []
    entry = AuditEntry.objects.get(action="support.decide_warranty_claim")
    assert entry.reason == "The drip is the fitting's fault."
    assert entry.after["refund_amount"] == 3_000


def test_ops_may_order_a_redo_or_reject_and_refunds_are_bounded(order, customer):
    ops = make_ops("Support")
    claim = _claim(order)
    with pytest.raises(DomainError) as refused:
        claims.decide_warranty_claim(
            claim_id=claim.public_id,
            user=ops,
            outcome="refund",
            amount=order.total_amount + 1,
            reason="too much",
        )
    assert refused.value.code == "refund_too_large"

    claim = claims.decide_warranty_claim(
        claim_id=claim.public_id,
        user=ops,
        outcome="redo",
        starts_at=at("15:00", days=6),
        reason="Send them back.",
    )
    assert claim.redo_order.state == OrderState.ACCEPTED

    with pytest.raises(Conflict):
        claims.decide_warranty_claim(
            claim_id=claim.public_id, user=ops, outcome="reject", reason="no"
        )


def test_only_ops_who_decide_disputes_decide_and_strangers_see_nothing(order, listing):
    claim = _claim(order)
    with pytest.raises(PermissionDenied):
        claims.decide_warranty_claim(
            claim_id=claim.public_id,
            user=make_ops("Finance"),
            outcome="reject",
            reason="no",
        )
    for stranger in (make_user(), make_provider_user()):
        with pytest.raises(NotFound) as hidden:
            claims.access_warranty_claim(stranger, claim.public_id)
        assert hidden.value.code == "claim_not_found"
    with pytest.raises(NotFound):
        claims.offer_redo(
            claim_id=claim.public_id,
            provider_user=order.customer,  # the customer is not the provider
            starts_at=at("14:00", days=4),
        )
    with pytest.raises(NotFound):
        claims.accept_redo(claim_id=claim.public_id, customer=listing.provider.user)


def make_provider_user():
    from tests.factories import make_provider

    return make_provider().user


# --- The platform guarantee -----------------------------------------------------------


def _fund(amount: int):
    return flows.fund_guarantee(
        currency="CNY",
        amount=amount,
        user=make_ops("Finance"),
        reason="Quarterly reserve",
        key=f"test-{amount}",
    )


def test_a_guarantee_payout_comes_from_the_fund_and_the_books_balance(order, customer):
    _fund(100_000)
    claim = claims.file_guarantee_claim(
        customer=customer,
        order_id=order.public_id,
        description="A scratched floor.",
        amount=8_000,
        photos=[photo_upload()],
    )
    gateway_before = _balance(AccountKind.GATEWAY_FUNDS)

    claim = _run_flows(
        claims.decide_guarantee_claim,
        claim_id=claim.public_id,
        user=make_ops("Support"),
        outcome="approve",
        amount=5_000,
        reason="Photos show the scratch; repair quote 50.",
    )

    assert claim.status == GuaranteeClaim.Status.APPROVED
    assert flows.guarantee_fund_balance("CNY") == 95_000
    assert _balance(AccountKind.GATEWAY_FUNDS) == gateway_before - 5_000
    assert flows.order_payment(order).refunded_amount == 5_000
    assert _balance(AccountKind.ORDER_ESCROW, order=order) == 0
    assert_ledger_balanced()
    assert reconcile() == []
    assert AuditEntry.objects.filter(action="payments.fund_guarantee").exists()


def test_the_guarantee_cap_and_window_are_enforced(order, customer):
    with pytest.raises(DomainError) as refused:
        claims.file_guarantee_claim(
            customer=customer,
            order_id=order.public_id,
            description="A broken vase.",
            amount=50_001,
        )
    assert refused.value.code == "over_guarantee_cap"
    assert "amount" in refused.value.fields

    with pytest.raises(DomainError) as refused:
        claims.file_guarantee_claim(
            customer=customer,
            order_id=order.public_id,
            description="A broken vase.",
            amount=1_000,
            now=timezone.now() + timedelta(hours=73),
        )
    assert refused.value.code == "claim_window_closed"
    assert "within 72 hours of the service" in refused.value.message
    assert not GuaranteeClaim.objects.exists()


def test_ops_approve_at_most_the_claim_and_the_fund(order, customer):
    claim = claims.file_guarantee_claim(
        customer=customer,
        order_id=order.public_id,
        description="A broken vase.",
        amount=2_000,
    )
    ops = make_ops("Support")
    with pytest.raises(DomainError) as refused:
        claims.decide_guarantee_claim(
            claim_id=claim.public_id,
            user=ops,
            outcome="approve",
            amount=2_001,
            reason="x",
        )
    assert refused.value.code == "over_guarantee_cap"
    with pytest.raises(Conflict) as refused:
        claims.decide_guarantee_claim(
            claim_id=claim.public_id,
            user=ops,
            outcome="approve",
            amount=2_000,
            reason="x",
        )
    assert refused.value.code == "insufficient_funds"  # nothing funded yet

    claim = claims.decide_guarantee_claim(
        claim_id=claim.public_id, user=ops, outcome="reject", reason="Pre-existing."
    )
    assert claim.status == GuaranteeClaim.Status.REJECTED
    with pytest.raises(NotFound):
        claims.access_guarantee_claim(make_user(), claim.public_id)
