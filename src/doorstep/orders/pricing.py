"""What a booking costs: the service (a fixed price, or an hourly rate times the
hours) plus the chosen add-ons, the customer's service fee, less platform-funded
discounts, and the taxes of the place's tax region (``taxes.rates``), in integer
minor units of the listing's currency.

Taxes: in a tax-inclusive region the service price and the service fee contain
their tax (shown as "includes VAT 6%"); in a tax-exclusive region the tax on
them is added to the total. The tax is on the undiscounted price and fee. No
region, no tax.

The one place the price of a booking is computed. The booking service stores the
lines and the figures (fee, discount, tax, total) on the order; the booking page,
the price-preview API, the order page, the receipt and the payment authorisation
all show or hold those very figures (the browser never does arithmetic on money).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from doorstep.catalog.models import Listing, ListingAddOn, PricingModel
from doorstep.core.errors import DomainError
from doorstep.core.money import Money
from doorstep.marketplace import policy
from doorstep.orders.models import Order, OrderLine
from doorstep.taxes import rates as tax_rates
from doorstep.taxes.models import OrderTax, TaxBase, TaxRegion
from doorstep.taxes.rates import TaxLine


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


def service_fee_for(subtotal: int) -> int:
    """The customer's service fee on a price (the operator's setting, see
    ``marketplace.policy``), rounded down to a whole minor unit."""
    return subtotal * policy.current().service_fee_bps // 10_000


def order_total(
    *, subtotal: int, service_fee: int, discount: int, added_tax: int = 0
) -> int:
    """What the customer pays: the one formula for a total (the database checks
    the stored figures obey it too). ``added_tax`` is the tax of a
    tax-exclusive region (0 where prices include their tax)."""
    return subtotal + service_fee - discount + added_tax


def added_tax_of(*, tax_amount: int, prices_include_tax: bool) -> int:
    """The part of an order's tax that is added on top of its prices."""
    return 0 if prices_include_tax else tax_amount


@dataclass(frozen=True)
class PriceBreakdown:
    """The lines and the figures around them, with the tax lines of the
    region (contained in the prices or added to the total)."""

    currency: str
    lines: tuple[PriceLine, ...]
    extra_minutes: int = 0
    service_fee_amount: int = 0
    discount_amount: int = 0
    taxes: tuple[TaxLine, ...] = ()
    prices_include_tax: bool = True

    @property
    def subtotal_amount(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def tax_amount(self) -> int:
        """Every tax the customer pays, contained or added."""
        return tax_rates.total_of(self.taxes)

    @property
    def added_tax_amount(self) -> int:
        return added_tax_of(
            tax_amount=self.tax_amount, prices_include_tax=self.prices_include_tax
        )

    @property
    def included_taxes(self) -> tuple[TaxLine, ...]:
        return tuple(line for line in self.taxes if line.inclusive)

    @property
    def added_taxes(self) -> tuple[TaxLine, ...]:
        return tuple(line for line in self.taxes if not line.inclusive)

    @property
    def total_amount(self) -> int:
        return order_total(
            subtotal=self.subtotal_amount,
            service_fee=self.service_fee_amount,
            discount=self.discount_amount,
            added_tax=self.added_tax_amount,
        )

    @property
    def subtotal(self) -> Money:
        return Money(self.subtotal_amount, self.currency)

    @property
    def service_fee(self) -> Money:
        return Money(self.service_fee_amount, self.currency)

    @property
    def discount(self) -> Money:
        return Money(self.discount_amount, self.currency)

    @property
    def tax(self) -> Money:
        return Money(self.tax_amount, self.currency)

    @property
    def total(self) -> Money:
        return Money(self.total_amount, self.currency)

    def order_figures(self) -> dict[str, object]:
        """The figures an order stores, as ``Order`` fields."""
        return {
            "currency": self.currency,
            "subtotal_amount": self.subtotal_amount,
            "service_fee_amount": self.service_fee_amount,
            "discount_amount": self.discount_amount,
            "tax_amount": self.tax_amount,
            "prices_include_tax": self.prices_include_tax,
            "total_amount": self.total_amount,
        }


def save_lines(order: Order, breakdown: PriceBreakdown) -> None:
    """Store the breakdown's lines and tax lines (``taxes.OrderTax``) on a new
    order (what every page, the receipt and invoices read back through
    ``breakdown_of``)."""
    OrderTax.objects.bulk_create(
        OrderTax(
            order=order,
            region_id=line.region_id,
            rule_id=line.rule_id,
            base=line.base,
            name=line.name,
            rate_bps=line.rate_bps,
            inclusive=line.inclusive,
            base_amount=line.base_amount,
            amount=line.amount,
        )
        for line in breakdown.taxes
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            kind=line.kind,
            description=line.description[:200],
            unit_amount=line.unit_amount,
            quantity=line.quantity,
            amount=line.amount,
        )
        for line in breakdown.lines
    )


def price_fixed_service(
    *,
    title: str,
    price_amount: int,
    currency: str,
    tax_region: TaxRegion | None = None,
) -> PriceBreakdown:
    """The lines of one of the platform's fixed-price catalogue services
    (platform dispatch): the service, and the same fee and tax as any booking
    (``tax_region``: where it is done, see ``taxes.rates.region_at``)."""
    service = PriceLine(
        kind=OrderLine.Kind.SERVICE,
        description=title,
        unit_amount=price_amount,
        quantity=1,
        currency=currency,
    )
    return _with_figures(currency, (service,), 0, tax_region)


def price_quoted_job(
    *,
    title: str,
    unit_amount: int,
    hours: int | None,
    currency: str,
    tax_region: TaxRegion | None = None,
) -> PriceBreakdown:
    """The lines of a job priced by a provider's quote (``quotes``): a fixed
    price, or an hourly rate times the estimated ``hours``; the same fee and
    tax as any booking."""
    if hours is None:
        return price_fixed_service(
            title=title,
            price_amount=unit_amount,
            currency=currency,
            tax_region=tax_region,
        )
    service = PriceLine(
        kind=OrderLine.Kind.SERVICE,
        description=ngettext(
            "%(title)s, %(count)d hour", "%(title)s, %(count)d hours", hours
        )
        % {"title": title, "count": hours},
        unit_amount=unit_amount,
        quantity=hours,
        currency=currency,
    )
    return _with_figures(currency, (service,), 0, tax_region)


def _with_figures(
    currency: str,
    lines: tuple[PriceLine, ...],
    extra_minutes: int,
    tax_region: TaxRegion | None,
) -> PriceBreakdown:
    subtotal = sum(line.amount for line in lines)
    fee = service_fee_for(subtotal)
    taxes: tuple[TaxLine, ...] = ()
    if tax_region is not None:
        rules = tax_rates.rules_in_force(tax_region)
        taxes = tax_rates.tax_lines(
            tax_region,
            base=TaxBase.SERVICE,
            amount=subtotal,
            rules=rules,
            currency=currency,
        ) + tax_rates.tax_lines(
            tax_region,
            base=TaxBase.SERVICE_FEE,
            amount=fee,
            rules=rules,
            currency=currency,
        )
    return PriceBreakdown(
        currency=currency,
        lines=lines,
        extra_minutes=extra_minutes,
        service_fee_amount=fee,
        taxes=taxes,
        prices_include_tax=(
            tax_region.prices_include_tax if tax_region is not None else True
        ),
    )


def order_tax_lines(order: Order) -> tuple[TaxLine, ...]:
    """The tax lines the customer pays on ``order`` (service and service fee),
    as stored when it was booked. Reads ``order.taxes.all()``, so a list that
    prefetches ``taxes`` costs no query per order."""
    stored = tuple(
        TaxLine(
            name=tax.name,
            rate_bps=tax.rate_bps,
            base=tax.base,
            base_amount=tax.base_amount,
            amount=tax.amount,
            inclusive=tax.inclusive,
            region_id=tax.region_id,
            rule_id=tax.rule_id,
            currency=order.currency,
        )
        for tax in order.taxes.all()
        if tax.base != TaxBase.COMMISSION
    )
    if stored or not order.tax_amount:
        return stored
    # Booked before tax regions, under one included rate: one line.
    return (
        TaxLine(
            name=_("Tax"),
            rate_bps=0,
            base=TaxBase.SERVICE,
            base_amount=order.subtotal_amount + order.service_fee_amount,
            amount=order.tax_amount,
            inclusive=True,
            currency=order.currency,
        ),
    )


def tax_added_on(order: Order) -> tuple[int, int]:
    """What ``order``'s tax-exclusive lines add on top of the service price
    and on top of the service fee (0, 0 where prices include their tax)."""
    lines = order_tax_lines(order)
    return (
        tax_rates.added_of(lines, base=TaxBase.SERVICE),
        tax_rates.added_of(lines, base=TaxBase.SERVICE_FEE),
    )


def line_description(line: OrderLine, order: Order) -> str:
    """An order line in the reader's language. The stored description is in the
    language of whoever booked; an hourly job's line ("Cleaning, 3 hours") is
    worded again for the reader (the same words as ``price_booking``)."""
    if line.kind == OrderLine.Kind.SERVICE and order.hours:
        return ngettext(
            "%(title)s, %(count)d hour", "%(title)s, %(count)d hours", line.quantity
        ) % {"title": order.title, "count": line.quantity}
    return line.description


def breakdown_of(order: Order) -> PriceBreakdown:
    """The breakdown stored on ``order``: its lines and figures as booked (and
    as discounted since), never priced again; worded for the reader."""
    lines = tuple(
        PriceLine(
            kind=line.kind,
            description=line_description(line, order),
            unit_amount=line.unit_amount,
            quantity=line.quantity,
            currency=order.currency,
        )
        for line in order.lines.all()
    ) or (
        # An order priced outside a listing (a quote) may have no lines.
        PriceLine(
            kind=OrderLine.Kind.SERVICE,
            description=order.title,
            unit_amount=order.subtotal_amount,
            quantity=1,
            currency=order.currency,
        ),
    )
    return PriceBreakdown(
        currency=order.currency,
        lines=lines,
        service_fee_amount=order.service_fee_amount,
        discount_amount=order.discount_amount,
        taxes=order_tax_lines(order),
        prices_include_tax=order.prices_include_tax,
    )


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
    return _with_figures(
        currency,
        (service, *extras),
        sum(add_on.extra_minutes for add_on in add_ons),
        tax_rates.region_of_listing(listing),
    )
