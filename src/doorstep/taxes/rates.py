"""Tax arithmetic: the region of an order or a listing, the rules in force at a
moment, and the tax on an amount.

Rounding, stated once: each tax line (one rule on one amount) is rounded
half-up to a whole minor unit of the currency. On a tax-inclusive amount the
tax contained is ``amount × r / (1 + R)``, ``R`` being the sum of the rates of
every rule on that amount (so several rules on one price share it rather than
each taking a cut of the whole), and the lines together never exceed the
amount; on a tax-exclusive amount each rule adds ``amount × r`` on top.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from doorstep.core.money import Money
from doorstep.marketplace.queries import city_near
from doorstep.taxes.models import TaxBase, TaxRegion, TaxRule

BPS = 10_000


@dataclass(frozen=True)
class TaxLine:
    """One rule's tax on one amount (``base``: a ``TaxBase``)."""

    name: str
    rate_bps: int
    base: str
    base_amount: int
    amount: int
    inclusive: bool
    region_id: int | None = None
    rule_id: int | None = None
    currency: str = ""

    @property
    def rate_percent(self) -> str:
        return f"{self.rate_bps / 100:g}%"

    @property
    def total(self) -> Money:
        return Money(self.amount, self.currency)


def half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def tax_amounts(amount: int, rates_bps: Sequence[int], *, inclusive: bool) -> list[int]:
    """The tax of each rate on ``amount`` (minor units, ≥ 0): contained in it
    when ``inclusive``, added on top of it otherwise. Rounded half-up per
    line; contained lines never add up to more than ``amount``."""
    if amount <= 0:
        return [0 for _rate in rates_bps]
    if not inclusive:
        return [half_up(amount * rate, BPS) for rate in rates_bps]
    denominator = BPS + sum(rates_bps)
    left = amount
    amounts = []
    for rate in rates_bps:
        share = min(half_up(amount * rate, denominator), left)
        amounts.append(share)
        left -= share
    return amounts


def region_for_city(slug: str) -> TaxRegion | None:
    return TaxRegion.objects.filter(taxregioncity__city__slug=slug).first()


def region_for_city_id(city_id: int | None) -> TaxRegion | None:
    if city_id is None:
        return None
    return TaxRegion.objects.filter(taxregioncity__city_id=city_id).first()


def region_at(latitude: float, longitude: float) -> TaxRegion | None:
    """The tax region of the served city this point is in (``None`` outside
    every city, or in a city of no region: no tax)."""
    city = city_near(latitude, longitude)
    return region_for_city(city.slug) if city is not None else None


def region_of_listing(listing) -> TaxRegion | None:
    """Where a listing's service is done, for tax: the city of its place
    (``None`` for a listing not placed yet)."""
    if listing.latitude is None or listing.longitude is None:
        return None
    return region_at(listing.latitude, listing.longitude)


def region_of_order(order) -> TaxRegion | None:
    """The region an order was taxed in when it was booked (its stored tax
    lines), whatever the cities' regions are now."""
    line = order.taxes.select_related("region").first()
    return line.region if line is not None else None


def rules_in_force(region: TaxRegion, at: datetime | None = None) -> list[TaxRule]:
    at = at or timezone.now()
    return list(
        region.rules.filter(valid_from__lte=at)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))
        .order_by("valid_from", "pk")
    )


def applies(rule: TaxRule, base: str) -> bool:
    if base == TaxBase.SERVICE:
        return rule.on_service
    return rule.on_platform_fees


def tax_lines(
    region: TaxRegion | None,
    *,
    base: str,
    amount: int,
    at: datetime | None = None,
    rules: Sequence[TaxRule] | None = None,
    currency: str = "",
) -> tuple[TaxLine, ...]:
    """The region's tax lines on ``amount`` of ``base`` at ``at`` (now):
    contained or added per the region's ``prices_include_tax``. No region, no
    lines. ``rules`` saves reading the rules again for several bases."""
    if region is None:
        return ()
    chosen = [
        rule
        for rule in (rules_in_force(region, at) if rules is None else rules)
        if applies(rule, base)
    ]
    inclusive = region.prices_include_tax
    amounts = tax_amounts(
        amount, [rule.rate_bps for rule in chosen], inclusive=inclusive
    )
    return tuple(
        TaxLine(
            name=rule.name,
            rate_bps=rule.rate_bps,
            base=base,
            base_amount=max(amount, 0),
            amount=tax,
            inclusive=inclusive,
            region_id=region.pk,
            rule_id=rule.pk,
            currency=currency,
        )
        for rule, tax in zip(chosen, amounts, strict=True)
    )


def total_of(lines: Sequence[TaxLine], *, base: str | None = None) -> int:
    return sum(line.amount for line in lines if base is None or line.base == base)


def added_of(lines: Sequence[TaxLine], *, base: str | None = None) -> int:
    """What ``lines`` add on top of their amounts (tax-exclusive lines)."""
    return sum(
        line.amount
        for line in lines
        if not line.inclusive and (base is None or line.base == base)
    )
