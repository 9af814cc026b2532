"""What a promotion costs: the one price function the page, the API and the
charge all read."""

from doorstep.catalog.models import Listing
from doorstep.core.money import Money
from doorstep.marketplace import policy


def day_price(currency: str) -> int:
    """A day of promotion, in minor units of ``currency`` (the listing's): the
    operator's figure ``promotion_day_price`` (default
    ``DOORSTEP_PROMOTION_DAY_PRICE``) in that currency (``policy.amount_in``)."""
    return policy.amount_in("promotion_day_price", currency)


def promotion_price(*, listing: Listing, days: int) -> tuple[Money, Money]:
    """``(price per day, total)`` of promoting ``listing`` for ``days``."""
    per_day = day_price(listing.currency)
    return Money(per_day, listing.currency), Money(per_day * days, listing.currency)
