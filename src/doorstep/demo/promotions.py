"""Paid promotion in the demo, built through the real services under the
moved clock (``demo.clock``), so every purchase, click and charge is where
the report and the ledger would have them:

* an ended fixed-days promotion (a week, three weeks ago) with its impressions
  and clicks, and one cancelled early by its provider (refunded pro rata);
* two running fixed-days promotions, one of the demo provider's services and
  one targeted at its city;
* a daily budget (pay per click) started five days ago, with clicks every
  day, one day spent out, the finished days charged by the periodic job.
"""

import random
from datetime import datetime, timedelta

from django.test import override_settings

from doorstep.accounts.models import User
from doorstep.catalog.models import Listing
from doorstep.core.geo import distance_km
from doorstep.demo.clock import moved_clock
from doorstep.demo.history import _quiet_settings
from doorstep.marketplace.models import City
from doorstep.promotions.models import Promotion, PromotionDay
from doorstep.promotions.services import (
    buy_promotion,
    cancel_promotion,
    count_click,
    count_impressions,
    end_finished_promotions,
)

BUDGET_DAYS = 5


def _listings(logins: dict[str, User], rng: random.Random) -> list[Listing]:
    """The demo provider's published services first, then a few others'."""
    published = Listing.objects.filter(status=Listing.Status.PUBLISHED)
    own = list(published.filter(provider__user=logins["provider"]).order_by("pk"))
    others = list(
        published.exclude(provider__user=logins["provider"])
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )
    picked = rng.sample(others, min(4, len(others)))
    return own + list(Listing.objects.filter(pk__in=picked).order_by("pk"))


def _traffic(
    listing: Listing, rng: random.Random, *, pages: int, clicks: int, tag: str
) -> None:
    """A day of results pages showing it and visitors opening it."""
    for _ in range(pages):
        count_impressions(listing_ids=[listing.pk])
    for n in range(clicks):
        count_click(listing_id=listing.pk, visitor=f"demo-{tag}-{n}-{rng.random()}")


def _city_of(listing: Listing) -> City | None:

    for city in City.objects.filter(is_active=True):
        if (
            distance_km(
                listing.latitude, listing.longitude, city.latitude, city.longitude
            )
            <= city.radius_km
        ):
            return city
    return None


def seed_promotions(*, logins: dict[str, User], seed: object, now: datetime) -> dict:
    """The promotions above, as of ``now``; returns what is there, by name."""
    rng = random.Random(f"{seed}:promotions")
    listings = _listings(logins, rng)
    if len(listings) < 4:
        return {}
    ended, running, targeted, budgeted = listings[:4]
    cancelled = listings[4] if len(listings) > 4 else None
    with (
        override_settings(**_quiet_settings()),
        moved_clock(now - timedelta(days=21)) as clock,
    ):
        first = buy_promotion(
            user=ended.provider.user, listing_id=ended.public_id, days=7
        )
        for day in range(7):
            clock.set(first.starts_at + timedelta(days=day, hours=3))
            _traffic(
                ended,
                rng,
                pages=rng.randint(20, 60),
                clicks=rng.randint(1, 6),
                tag=f"ended{day}",
            )
        if cancelled is not None:
            clock.set(now - timedelta(days=12))
            early = buy_promotion(
                user=cancelled.provider.user,
                listing_id=cancelled.public_id,
                days=10,
            )
            clock.set(early.starts_at + timedelta(days=3, hours=5))
            _traffic(cancelled, rng, pages=30, clicks=3, tag="cancelled")
            cancel_promotion(user=cancelled.provider.user, promotion_id=early.public_id)
        clock.set(now - timedelta(days=BUDGET_DAYS, hours=6))
        budget = buy_promotion(
            user=budgeted.provider.user,
            listing_id=budgeted.public_id,
            days=14,
            mode=Promotion.Mode.DAILY_BUDGET,
            daily_budget=1_000,
            cost_per_click=100,
        )
        for day in range(BUDGET_DAYS):
            clock.set(budget.starts_at + timedelta(days=day, hours=1))
            end_finished_promotions()  # promotes a spent day's listing again
            _traffic(
                budgeted,
                rng,
                pages=rng.randint(30, 80),
                # the third day more visitors than the budget pays for
                clicks=14 if day == 2 else rng.randint(2, 7),
                tag=f"budget{day}",
            )
        clock.set(now - timedelta(days=2))
        buy_promotion(user=running.provider.user, listing_id=running.public_id, days=7)
        _traffic(running, rng, pages=40, clicks=4, tag="running")
        city = _city_of(targeted)
        buy_promotion(
            user=targeted.provider.user,
            listing_id=targeted.public_id,
            days=5,
            cities=[city.slug] if city else [],
        )
        clock.set(now)
        end_finished_promotions(now=now)
    return {
        "promotions": Promotion.objects.count(),
        "promotions_running": Promotion.objects.filter(
            status=Promotion.Status.ACTIVE
        ).count(),
        "promotion_days_charged": PromotionDay.objects.exclude(
            charged_entry_key=""
        ).count(),
    }
