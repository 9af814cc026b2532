"""Buying a promotion: the owner of a published listing pays through the ledger
and the listing is promoted in search; anyone else, or an unpublished listing,
is refused with nothing written; a repeat of the same request buys once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.catalog.models import Listing
from doorstep.core.errors import DomainError, NotFound
from doorstep.events.models import Event
from doorstep.payments import flows
from doorstep.payments.ledger import Leg, ledger_account, post_entry
from doorstep.payments.models import AccountKind, JournalEntry, LedgerAccount
from doorstep.promotions.models import Promotion
from doorstep.promotions.services import buy_promotion, end_finished_promotions
from doorstep.search.models import SearchDocument
from tests.factories import make_listing, make_provider

K = AccountKind
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _day_price(settings):
    settings.DOORSTEP_PROMOTION_DAY_PRICE = 500


def _balance(kind, provider=None, currency="CNY") -> int:
    account = LedgerAccount.objects.filter(
        kind=kind, currency=currency, provider=provider
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


def _counts() -> tuple[int, int, int]:
    return (
        Promotion.objects.count(),
        JournalEntry.objects.filter(kind=flows.PROMOTION).count(),
        Event.objects.filter(topic="listing.promoted").count(),
    )


def test_the_owner_buys_days_paid_from_the_balance_and_the_listing_is_promoted():
    # given a published listing whose provider holds 2,000 available
    listing = make_listing()
    provider = listing.provider
    _fund(provider, 2_000)
    # when they buy 3 days
    promotion = buy_promotion(user=provider.user, listing_id=listing.public_id, days=3)
    # then 1,500 moved from their balance to promotion revenue
    assert (promotion.day_price, promotion.total, promotion.currency) == (
        500,
        1_500,
        "CNY",
    )
    assert promotion.charged_entry_key == flows.promotion_key(promotion.public_id)
    assert _balance(K.PROVIDER_AVAILABLE, provider) == 500
    assert _balance(K.PROMOTION_REVENUE) == 1_500
    # and the listing is promoted in the listing and its search document
    listing.refresh_from_db()
    assert listing.promoted_until == promotion.ends_at
    assert promotion.ends_at - promotion.starts_at == timedelta(days=3)
    document = SearchDocument.objects.get(listing_id=listing.pk)
    assert document.promoted_until == promotion.ends_at
    assert Event.objects.filter(
        topic="listing.promoted", subject=promotion.public_id
    ).exists()


def test_what_the_balance_cannot_pay_is_owed():
    listing = make_listing()
    provider = listing.provider
    _fund(provider, 200)
    buy_promotion(user=provider.user, listing_id=listing.public_id, days=2)
    assert _balance(K.PROVIDER_AVAILABLE, provider) == 0
    assert _balance(K.PROVIDER_RECEIVABLE, provider) == 800
    assert _balance(K.PROMOTION_REVENUE) == 1_000


def test_a_second_purchase_runs_after_the_first():
    listing = make_listing()
    user = listing.provider.user
    first = buy_promotion(user=user, listing_id=listing.public_id, days=2)
    second = buy_promotion(user=user, listing_id=listing.public_id, days=5)
    assert second.starts_at == first.ends_at
    listing.refresh_from_db()
    assert listing.promoted_until == second.ends_at


def test_a_repeated_request_buys_once():
    listing = make_listing()
    user = listing.provider.user
    first = buy_promotion(
        user=user, listing_id=listing.public_id, days=3, request_key="k1"
    )
    before = _counts()
    again = buy_promotion(
        user=user, listing_id=listing.public_id, days=3, request_key="k1"
    )
    assert again.pk == first.pk
    assert _counts() == before
    assert _balance(K.PROMOTION_REVENUE) == 1_500
    # and the charge itself is once per promotion
    flows.charge_promotion(
        provider=listing.provider,
        promotion_id=first.public_id,
        amount=first.total,
        currency="CNY",
    )
    assert _balance(K.PROMOTION_REVENUE) == 1_500


def test_someone_elses_listing_is_refused_and_nothing_is_charged():
    listing = make_listing()
    stranger = make_provider().user
    before = _counts()
    with pytest.raises(NotFound):
        buy_promotion(user=stranger, listing_id=listing.public_id, days=3)
    assert _counts() == before
    listing.refresh_from_db()
    assert listing.promoted_until is None


@pytest.mark.parametrize("status", [Listing.Status.DRAFT, Listing.Status.PAUSED])
def test_an_unpublished_listing_is_refused_and_nothing_is_charged(status):
    listing = make_listing(status=status)
    before = _counts()
    with pytest.raises(DomainError) as refused:
        buy_promotion(user=listing.provider.user, listing_id=listing.public_id, days=3)
    assert refused.value.code == "not_published"
    assert _counts() == before
    assert _balance(K.PROMOTION_REVENUE) == 0


@pytest.mark.parametrize("days", [0, 31, -1, "3", True])
def test_days_out_of_range_are_refused(days):
    listing = make_listing()
    before = _counts()
    with pytest.raises(DomainError) as refused:
        buy_promotion(
            user=listing.provider.user, listing_id=listing.public_id, days=days
        )
    assert refused.value.code == "invalid_input"
    assert _counts() == before


def test_a_free_promotion_writes_no_ledger_entry(settings):
    settings.DOORSTEP_PROMOTION_DAY_PRICE = 0
    listing = make_listing()
    promotion = buy_promotion(
        user=listing.provider.user, listing_id=listing.public_id, days=1
    )
    assert promotion.total == 0
    assert promotion.charged_entry_key == ""
    assert not JournalEntry.objects.filter(kind=flows.PROMOTION).exists()
    listing.refresh_from_db()
    assert listing.promoted_until > timezone.now()


def test_finished_promotions_are_marked_ended():
    listing = make_listing()
    promotion = buy_promotion(
        user=listing.provider.user, listing_id=listing.public_id, days=1
    )
    assert end_finished_promotions() == 0
    assert end_finished_promotions(now=promotion.ends_at) == 1
    promotion.refresh_from_db()
    assert promotion.status == Promotion.Status.ENDED
