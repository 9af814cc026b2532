"""A small world for the log: a completed order with a public review, a
journal entry, and a helper that appends everything at once."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.payments.ledger import Leg, ledger_account, post_entry
from doorstep.payments.models import AccountKind, JournalEntry
from doorstep.reviews.models import Review, ReviewWindow
from doorstep.reviews.services import close_review_window, submit_review
from doorstep.transparency.services import append_all_pending, publish_checkpoint
from tests.factories import make_completed_order, make_listing, make_provider

_slot = itertools.count(1)


def settle_and_append() -> int:
    """Append everything written so far (no settle window in tests)."""
    return append_all_pending(settle=timedelta(0), now=timezone.now())


def make_public_review(text: str = "Spotless, thank you") -> Review:
    order = make_completed_order(
        listing=make_listing(provider=make_provider()),
        starts_in=timedelta(days=2, hours=3 * next(_slot)),
    )
    review = submit_review(order=order, author=order.customer, stars=5, text=text)
    window = ReviewWindow.objects.get(order=order)
    close_review_window(window_id=window.pk, now=window.closes_at + timedelta(1))
    review.refresh_from_db()
    assert review.revealed_at is not None
    return review


def make_journal_entry(amount: int = 1500, key: str | None = None) -> JournalEntry:
    funds = ledger_account(kind=AccountKind.GATEWAY_FUNDS, currency="CNY")
    revenue = ledger_account(kind=AccountKind.SERVICE_FEE_REVENUE, currency="CNY")
    return post_entry(
        kind="test_fee",
        legs=[Leg(funds, amount), Leg(revenue, -amount)],
        idempotency_key=key or f"test:{next(_slot)}",
    )


@pytest.fixture
def review() -> Review:
    return make_public_review()


@pytest.fixture
def published(review):
    """The review and a journal entry, logged, with a checkpoint."""
    entry = make_journal_entry()
    settle_and_append()
    return review, entry, publish_checkpoint()
