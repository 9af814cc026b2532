"""What a booking costs: the service (a fixed price, or an hourly rate times the
hours) plus the chosen add-ons, in integer minor units of the listing's currency.

The one place the price of a booking is computed: the booking service stores it as
order lines, and the booking page's live breakdown shows the very same lines (the
browser never does arithmetic on money).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from doorstep.catalog.models import Listing, ListingAddOn, PricingModel
from doorstep.core.errors import DomainError
from doorstep.core.money import Money
from doorstep.orders.models import OrderLine


@dataclass(frozen=True)
class PriceLine:
    kind: str
    description: str
    unit_amount: int
    quantity: int
    currency: str

    @property
    def amount(self) -> int:
        return self.unit_amount * self.quantity

    @property
    def total(self) -> Money:
        return Money(self.amount, self.currency)

    @property
    def unit_price(self) -> Money:
        return Money(self.unit_amount, self.currency)


@dataclass(frozen=True)
class PriceBreakdown:
    currency: str
    lines: tuple[PriceLine, ...]
    extra_minutes: int

    @property
    def subtotal_amount(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def total_amount(self) -> int:
        # Fees and discounts join the lines in the payments issue; today the
        # total is the subtotal.
        return self.subtotal_amount

    @property
    def total(self) -> Money:
        return Money(self.total_amount, self.currency)


def quote_only() -> DomainError:
    return DomainError(
        "quote_only",
        _(
            "This service is priced on quote: ask the provider for a price "
            "instead of booking it directly."
        ),
    )


def chosen_add_ons(listing: Listing, add_on_ids: Iterable[str]) -> list[ListingAddOn]:
    """The listing's add-ons with these public ids, in the listing's order.

    Raises ``DomainError`` 400 ``unknown_add_on`` (field ``add_on_ids``) for an id
    that is not one of this listing's add-ons.
    """
    wanted = {str(add_on_id) for add_on_id in add_on_ids if str(add_on_id)}
    if not wanted:
        return []
    found = list(listing.add_ons.filter(public_id__in=wanted))
    if len(found) != len(wanted):
        message = _("This add-on is not offered with this service.")
        raise DomainError(
            "unknown_add_on", message, status=400, fields={"add_on_ids": [message]}
        )
    return found


def price_booking(
    *, listing: Listing, hours: int | None, add_ons: Sequence[ListingAddOn]
) -> PriceBreakdown:
    """The lines of a booking of ``listing``. ``hours`` is for hourly listings
    (their minimum when ``None``); the duration itself is checked by the
    scheduler (``wrong_duration``). Raises ``quote_only`` (422) for a listing
    priced on quote."""
    if listing.pricing_model == PricingModel.QUOTE or listing.price_amount is None:
        raise quote_only()
    currency = listing.currency
    if listing.pricing_model == PricingModel.HOURLY:
        count = listing.min_hours if hours is None else hours
        service = PriceLine(
            kind=OrderLine.Kind.SERVICE,
            description=ngettext(
                "%(title)s, %(count)d hour", "%(title)s, %(count)d hours", count
            )
            % {"title": listing.title, "count": count},
            unit_amount=listing.price_amount,
            quantity=max(count, 0),
            currency=currency,
        )
    else:
        service = PriceLine(
            kind=OrderLine.Kind.SERVICE,
            description=listing.title,
            unit_amount=listing.price_amount,
            quantity=1,
            currency=currency,
        )
    extras = tuple(
        PriceLine(
            kind=OrderLine.Kind.ADD_ON,
            description=add_on.name,
            unit_amount=add_on.price_amount,
            quantity=1,
            currency=currency,
        )
        for add_on in add_ons
    )
    return PriceBreakdown(
        currency=currency,
        lines=(service, *extras),
        extra_minutes=sum(add_on.extra_minutes for add_on in add_ons),
    )
