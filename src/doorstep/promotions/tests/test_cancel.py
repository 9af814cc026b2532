"""Pause, resume, cancel, ops end: search follows at once; a fixed-days
promotion cancelled early gives back its whole unused days through the
ledger (first against what the provider owes), once; ops need the right role
and a reason, and leave an audit entry."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from doorstep.audit.models import AuditEntry
from doorstep.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from doorstep.payments.ledger import Leg, ledger_account, post_entry
from doorstep.payments.models import AccountKind, JournalEntry, LedgerAccount, Posting
from doorstep.promotions import services
from doorstep.promotions.models import Promotion
from doorstep.promotions.services import (
    PROMOTION_REFUND,
    buy_promotion,
    cancel_promotion,
    end_promotion,
    pause_promotion,
    resume_promotion,
)
from tests.factories import make_listing, make_ops, make_provider

K = AccountKind
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _day_price(settings):
    settings.DOORSTEP_PROMOTION_DAY_PRICE = 500


def _balance(kind, provider=None) -> int:
    account = LedgerAccount.objects.filter(
        kind=kind, currency="CNY", provider=provider
    ).first()
    return account.balance if account else 0


def _fund(provider, amount: int) -> None:
    post_entry(
        kind="test_funding",
        legs=[
            Leg(ledger_account(kind=K.PROMOTIONS_EXPENSE, currency="CNY"), amount),
            Leg(
                ledger_account(
                    kind=K.PROVIDER_AVAILABLE, currency="CNY", provider=provider
                ),
                -amount,
            ),
        ],
    )


def _assert_books_balance() -> None:
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()


def _promoted(listing) -> bool:
    listing.refresh_from_db()
    return listing.is_promoted


def test_cancelling_early_refunds_the_whole_unused_days_once():
    # given 5 days bought (2,500) from a balance of 3,000, half a day in
    listing = make_listing()
    provider = listing.provider
    _fund(provider, 3_000)
    promotion = buy_promotion(user=provider.user, listing_id=listing.public_id, days=5)
    Promotion.objects.filter(pk=promotion.pk).update(
        starts_at=promotion.starts_at - timedelta(hours=12),
        ends_at=promotion.ends_at - timedelta(hours=12),
    )
    # when the provider cancels
    cancelled = cancel_promotion(user=provider.user, promotion_id=promotion.public_id)
    # then the 4 whole days not begun (2,000) come back, the half day is kept
    assert cancelled.status == Promotion.Status.CANCELLED
    assert cancelled.refunded_days == 4
    assert cancelled.refund_entry_key == services.refund_key(promotion.public_id)
    assert _balance(K.PROVIDER_AVAILABLE, provider) == 500 + 2_000
    assert _balance(K.PROMOTION_REVENUE) == 500
    assert not _promoted(listing)
    _assert_books_balance()
    # and cancelling again refunds nothing more
    entries = JournalEntry.objects.count()
    again = cancel_promotion(user=provider.user, promotion_id=promotion.public_id)
    assert again.refunded_days == 4
    assert JournalEntry.objects.count() == entries
    assert _balance(K.PROMOTION_REVENUE) == 500


def test_a_refund_first_cancels_what_the_provider_owes():
    # given a provider who could pay only 1,000 of a 2,500 purchase
    listing = make_listing()
    provider = listing.provider
    _fund(provider, 1_000)
    promotion = buy_promotion(user=provider.user, listing_id=listing.public_id, days=5)
    assert _balance(K.PROVIDER_RECEIVABLE, provider) == 1_500
    # when cancelled at once (the day begun is kept: 4 whole days come back)
    cancelled = cancel_promotion(user=provider.user, promotion_id=promotion.public_id)
    assert cancelled.refunded_days == 4
    # then the 2,000 cancel the 1,500 owed first, the other 500 to the balance
    entry = JournalEntry.objects.get(kind=PROMOTION_REFUND)
    assert entry.idempotency_key == services.refund_key(promotion.public_id)
    assert _balance(K.PROVIDER_RECEIVABLE, provider) == 0
    assert _balance(K.PROVIDER_AVAILABLE, provider) == 500
    assert _balance(K.PROMOTION_REVENUE) == 500
    _assert_books_balance()


def test_a_queued_purchase_cancelled_comes_back_whole_and_the_first_still_runs():
    listing = make_listing()
    user = listing.provider.user
    first = buy_promotion(user=user, listing_id=listing.public_id, days=2)
    second = buy_promotion(user=user, listing_id=listing.public_id, days=3)
    cancel_promotion(user=user, promotion_id=second.public_id)
    second.refresh_from_db()
    assert second.refunded_days == 3
    listing.refresh_from_db()
    assert listing.promoted_until == first.ends_at
    assert _balance(K.PROMOTION_REVENUE) == 1_000


def test_pause_hides_it_and_resume_shows_it_again():
    listing = make_listing()
    user = listing.provider.user
    promotion = buy_promotion(user=user, listing_id=listing.public_id, days=3)
    paused = pause_promotion(user=user, promotion_id=promotion.public_id)
    assert paused.status == Promotion.Status.PAUSED
    assert not _promoted(listing)
    with pytest.raises(Conflict) as refused:
        pause_promotion(user=user, promotion_id=promotion.public_id)
    assert refused.value.code == "promotion_not_active"
    resumed = resume_promotion(user=user, promotion_id=promotion.public_id)
    assert resumed.status == Promotion.Status.ACTIVE
    assert _promoted(listing)
    with pytest.raises(Conflict) as refused:
        resume_promotion(user=user, promotion_id=promotion.public_id)
    assert refused.value.code == "promotion_not_paused"


def test_an_ended_promotion_cannot_be_cancelled_or_refunded():
    listing = make_listing()
    user = listing.provider.user
    promotion = buy_promotion(user=user, listing_id=listing.public_id, days=1)
    services.end_finished_promotions(now=promotion.ends_at)
    with pytest.raises(Conflict):
        cancel_promotion(user=user, promotion_id=promotion.public_id)
    assert not JournalEntry.objects.filter(kind=PROMOTION_REFUND).exists()


@pytest.mark.parametrize(
    "action", [pause_promotion, resume_promotion, cancel_promotion]
)
def test_someone_else_cannot_touch_a_promotion(action):
    listing = make_listing()
    promotion = buy_promotion(
        user=listing.provider.user, listing_id=listing.public_id, days=3
    )
    with pytest.raises(NotFound):
        action(user=make_provider().user, promotion_id=promotion.public_id)
    promotion.refresh_from_db()
    assert promotion.status == Promotion.Status.ACTIVE
    assert not JournalEntry.objects.filter(kind=PROMOTION_REFUND).exists()


def test_ops_end_a_promotion_with_a_reason_refunded_and_audited():
    listing = make_listing()
    promotion = buy_promotion(
        user=listing.provider.user, listing_id=listing.public_id, days=3
    )
    ops = make_ops("Trust & safety")
    # without a reason, or without the role: nothing changes
    with pytest.raises(DomainError):
        end_promotion(actor=ops, promotion_id=promotion.public_id, reason=" ")
    with pytest.raises(PermissionDenied):
        end_promotion(
            actor=make_ops("Support"), promotion_id=promotion.public_id, reason="x"
        )
    with pytest.raises(PermissionDenied):
        end_promotion(
            actor=listing.provider.user, promotion_id=promotion.public_id, reason="x"
        )
    promotion.refresh_from_db()
    assert promotion.status == Promotion.Status.ACTIVE
    assert not AuditEntry.objects.filter(action="promotions.end").exists()
    # with both: ended, unused days refunded, audited with the reason
    ended = end_promotion(
        actor=ops, promotion_id=promotion.public_id, reason="Misleading photos"
    )
    assert ended.status == Promotion.Status.CANCELLED
    assert ended.end_reason == "Misleading photos"
    assert ended.refunded_days == 2
    assert _balance(K.PROMOTION_REVENUE) == 500
    entry = AuditEntry.objects.get(action="promotions.end")
    assert entry.reason == "Misleading photos"
    assert entry.actor == ops
    assert not _promoted(listing)
    _assert_books_balance()


def test_unused_days_counts_whole_days_only():
    listing = make_listing()
    promotion = buy_promotion(
        user=listing.provider.user, listing_id=listing.public_id, days=3
    )
    start = promotion.starts_at
    assert services.unused_days(promotion, start) == 3
    assert services.unused_days(promotion, start + timedelta(minutes=1)) == 2
    assert services.unused_days(promotion, start + timedelta(days=2, hours=1)) == 0
    assert services.unused_days(promotion, timezone.now() - timedelta(days=9)) == 3


def test_a_purchase_queued_behind_a_cancelled_one_is_promoted_when_it_starts():
    # given two days bought, then three more queued, and the first cancelled
    listing = make_listing()
    user = listing.provider.user
    first = buy_promotion(user=user, listing_id=listing.public_id, days=2)
    second = buy_promotion(user=user, listing_id=listing.public_id, days=3)
    cancel_promotion(user=user, promotion_id=first.public_id)
    assert not _promoted(listing)
    # when the periodic job runs after the second one's start
    services.end_finished_promotions(now=second.starts_at + timedelta(minutes=5))
    # then search shows it promoted until its end
    listing.refresh_from_db()
    assert listing.promoted_until == second.ends_at
