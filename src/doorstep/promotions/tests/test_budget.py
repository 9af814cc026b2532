"""A daily budget: each valid click costs the bid, a day's clicks never cost
more than the budget (also under concurrent clicks, on PostgreSQL), the
listing stops being promoted for the rest of a spent day and comes back the
next, invalid clicks are free, and each finished day is charged once."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.db.models import Sum
from django.utils import timezone

from doorstep.core.errors import Conflict, DomainError
from doorstep.payments import flows
from doorstep.payments.models import AccountKind, JournalEntry, LedgerAccount, Posting
from doorstep.promotions import services
from doorstep.promotions.models import Promotion, PromotionClick, PromotionDay
from doorstep.promotions.services import (
    buy_promotion,
    charge_finished_days,
    count_click,
    end_finished_promotions,
)
from doorstep.search.models import SearchDocument
from tests.factories import make_listing, make_user

K = AccountKind


def _budget(listing, *, budget=300, cpc=100, **extra) -> Promotion:
    return buy_promotion(
        user=listing.provider.user,
        listing_id=listing.public_id,
        days=7,
        mode=Promotion.Mode.DAILY_BUDGET,
        daily_budget=budget,
        cost_per_click=cpc,
        **extra,
    )


def _today(promotion) -> PromotionDay:
    return PromotionDay.objects.get(
        promotion=promotion, day=services.local_day(promotion, timezone.now())
    )


def _promoted(listing) -> bool:
    listing.refresh_from_db()
    document = SearchDocument.objects.get(listing_id=listing.pk)
    assert document.promoted_until == listing.promoted_until
    return listing.is_promoted


def _revenue() -> int:
    account = LedgerAccount.objects.filter(kind=K.PROMOTION_REVENUE).first()
    return account.balance if account else 0


@pytest.mark.django_db
def test_clicks_cost_the_bid_until_the_days_budget_is_spent():
    # given a daily budget of 300 at 100 a click, in the provider's time zone
    listing = make_listing()
    listing.provider.time_zone = "Asia/Shanghai"
    listing.provider.save(update_fields=["time_zone"])
    promotion = _budget(listing)
    assert promotion.time_zone == "Asia/Shanghai"
    assert (promotion.total, promotion.charged_entry_key) == (0, "")
    assert _promoted(listing)
    # when four different visitors open it from the results
    outcomes = [
        count_click(listing_id=listing.pk, visitor=f"v{n}").outcome for n in range(3)
    ]
    # then three are charged, and the budget is spent: not promoted any more
    assert outcomes == [PromotionClick.Outcome.COUNTED] * 3
    day = _today(promotion)
    assert (day.clicks, day.spend, day.budget) == (3, 300, 300)
    assert day.day == timezone.localtime(timezone=promotion_zone(promotion)).date()
    assert not _promoted(listing)
    # and a click that still arrives (a page opened before) is not charged
    late = count_click(listing_id=listing.pk, visitor="v9")
    assert late is None or late.outcome == PromotionClick.Outcome.BUDGET_SPENT
    assert _today(promotion).spend == 300
    # nothing is charged before the day is over
    assert charge_finished_days() == 0
    assert _revenue() == 0


def promotion_zone(promotion):
    from zoneinfo import ZoneInfo

    return ZoneInfo(promotion.time_zone)


@pytest.mark.django_db
def test_a_budget_not_a_multiple_of_the_bid_stops_when_one_more_click_does_not_fit():
    listing = make_listing()
    promotion = _budget(listing, budget=250, cpc=100)
    for n in range(2):
        count_click(listing_id=listing.pk, visitor=f"v{n}")
    assert _today(promotion).spend == 200
    assert not _promoted(listing)


@pytest.mark.django_db
def test_the_next_day_it_is_promoted_again_and_the_spent_day_is_charged_once():
    # given a day whose budget was spent
    listing = make_listing()
    promotion = _budget(listing, budget=200, cpc=100)
    for n in range(2):
        count_click(listing_id=listing.pk, visitor=f"v{n}")
    assert not _promoted(listing)
    # when the day is over (moved back a day: the clock cannot be)
    yesterday = services.local_day(promotion, timezone.now()) - timedelta(days=1)
    PromotionDay.objects.filter(promotion=promotion).update(day=yesterday)
    Promotion.objects.filter(pk=promotion.pk).update(spent_out_on=yesterday)
    end_finished_promotions()
    # then it is promoted again, and yesterday's 200 were charged to the provider
    assert _promoted(listing)
    day = PromotionDay.objects.get(promotion=promotion)
    assert day.charged_entry_key == flows.promotion_key(
        services.day_charge_id(promotion, yesterday)
    )
    assert _revenue() == 200
    owed = LedgerAccount.objects.get(
        kind=K.PROVIDER_RECEIVABLE, provider=listing.provider
    )
    assert owed.balance == 200
    # and a second run charges nothing more
    before = JournalEntry.objects.count()
    assert charge_finished_days() == 0
    end_finished_promotions()
    assert JournalEntry.objects.count() == before
    assert _revenue() == 200


@pytest.mark.django_db
def test_a_cancelled_budget_has_its_last_day_charged_at_once():
    listing = make_listing()
    promotion = _budget(listing)
    count_click(listing_id=listing.pk, visitor="v1")
    services.cancel_promotion(
        user=listing.provider.user, promotion_id=promotion.public_id
    )
    assert not _promoted(listing)
    assert count_click(listing_id=listing.pk, visitor="v2") is None
    assert charge_finished_days() == 1
    assert _revenue() == 100


@pytest.mark.django_db
def test_repeat_and_own_clicks_are_recorded_but_not_charged(monkeypatch):
    listing = make_listing()
    promotion = _budget(listing, budget=1_000)
    customer = make_user()
    # the same visitor twice within the window: one charge
    first = count_click(listing_id=listing.pk, visitor="same", user=customer)
    again = count_click(listing_id=listing.pk, visitor="same", user=customer)
    # the provider opening their own listing: free
    own = count_click(
        listing_id=listing.pk, visitor="provider", user=listing.provider.user
    )
    assert [c.outcome for c in (first, again, own)] == [
        PromotionClick.Outcome.COUNTED,
        PromotionClick.Outcome.REPEAT,
        PromotionClick.Outcome.OWN,
    ]
    assert [c.cost for c in (first, again, own)] == [100, 0, 0]
    assert (_today(promotion).clicks, _today(promotion).spend) == (1, 100)
    # after the window the same visitor counts again
    PromotionClick.objects.filter(pk=first.pk).update(
        at=timezone.now() - timedelta(minutes=services.REPEAT_CLICK_MINUTES + 1)
    )
    later = count_click(listing_id=listing.pk, visitor="same", user=customer)
    assert later.outcome == PromotionClick.Outcome.COUNTED
    assert _today(promotion).spend == 200


@pytest.mark.django_db
def test_the_listing_page_charges_a_click_from_search_once_per_visitor(client):
    listing = make_listing()
    promotion = _budget(listing, budget=1_000)
    url = f"/services/{listing.public_id}/?from=search&promoted=1"
    # a link from a page where it was not promoted (out of scope) is free
    client.get(f"/services/{listing.public_id}/?from=search")
    assert not PromotionDay.objects.filter(promotion=promotion).exists()
    for _ in range(2):
        assert client.get(url).status_code == 200
    client.force_login(listing.provider.user)
    assert client.get(url).status_code == 200
    assert (_today(promotion).clicks, _today(promotion).spend) == (1, 100)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("budget", "cpc", "field"),
    [(0, 100, "daily_budget"), (100, 0, "cost_per_click"), (50, 100, "daily_budget")],
)
def test_a_budget_that_cannot_pay_a_click_is_refused(budget, cpc, field):
    listing = make_listing()
    with pytest.raises(DomainError) as refused:
        _budget(listing, budget=budget, cpc=cpc)
    assert (refused.value.code, refused.value.status) == ("invalid_budget", 422)
    assert field in refused.value.fields
    assert not Promotion.objects.exists()


@pytest.mark.django_db
def test_one_live_daily_budget_per_listing():
    listing = make_listing()
    _budget(listing)
    with pytest.raises(Conflict) as refused:
        _budget(listing)
    assert refused.value.code == "promotion_budget_running"
    assert Promotion.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
)
def test_concurrent_clicks_never_spend_more_than_the_budget():
    # given a budget of 10 clicks
    listing = make_listing()
    promotion = _budget(listing, budget=1_000, cpc=100)

    def click(n: int) -> str | None:
        try:
            made = count_click(listing_id=listing.pk, visitor=f"visitor-{n}")
            return made.outcome if made else None
        finally:
            connections.close_all()

    # when 40 visitors click at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(click, range(40)))
    # then exactly 10 were charged and the day's spend is the budget
    charged = [o for o in outcomes if o == PromotionClick.Outcome.COUNTED]
    assert len(charged) == 10
    day = _today(promotion)
    assert (day.clicks, day.spend) == (10, 1_000)
    assert (
        PromotionClick.objects.filter(promotion=promotion).aggregate(t=Sum("cost"))["t"]
        == 1_000
    )
    assert not _promoted(listing)
    # and charging the day moves exactly the budget
    services.cancel_promotion(
        user=listing.provider.user, promotion_id=promotion.public_id
    )
    assert charge_finished_days() == 1
    assert _revenue() == 1_000
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
