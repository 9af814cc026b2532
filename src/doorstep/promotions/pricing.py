"""What a promotion costs: the one price function the page, the API and the
charge all read."""

from django.conf import settings

from doorstep.catalog.models import Listing
from doorstep.core.money import Money


def day_price() -> int:
    """A day of promotion, in minor units of the listing's currency."""
    return settings.DOORSTEP_PROMOTION_DAY_PRICE


def promotion_price(*, listing: Listing, days: int) -> tuple[Money, Money]:
    """``(price per day, total)`` of promoting ``listing`` for ``days``."""
    per_day = day_price()
    return Money(per_day, listing.currency), Money(per_day * days, listing.currency)
