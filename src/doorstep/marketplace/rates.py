"""Display conversion: an amount shown in another currency at a rate ops
entered, always as an estimate. Nothing here moves money or touches the
ledger; every real figure stays in its own currency."""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

from doorstep.core.money import Money, minor_units
from doorstep.marketplace.models import ExchangeRate


def current_rate(base: str, quote: str) -> ExchangeRate | None:
    """The newest rate ops entered for one ``base`` in ``quote``, if any."""
    return (
        ExchangeRate.objects.filter(base=base, quote=quote)
        .order_by("-entered_at", "-pk")
        .first()
    )


def current_rates() -> list[ExchangeRate]:
    """The rate in use for each pair ops entered, by pair."""
    newest: dict[tuple[str, str], ExchangeRate] = {}
    for rate in ExchangeRate.objects.order_by("entered_at", "pk"):
        newest[(rate.base, rate.quote)] = rate
    return [newest[pair] for pair in sorted(newest)]


def convert(money: Money, rate: Decimal, to: str) -> Money:
    """``money`` at ``rate`` (one unit of its currency in ``to``), rounded
    half-even to ``to``'s minor units (JPY none, KWD three)."""
    exact = (
        Decimal(money.amount)
        * rate
        * Decimal(10) ** (minor_units(to) - minor_units(money.currency))
    )
    return Money(int(exact.to_integral_value(rounding=ROUND_HALF_EVEN)), to)


def estimate(money: Money, to: str) -> Money | None:
    """``money`` in ``to`` at the newest rate ops entered; ``None`` when there
    is no rate for the pair. The same currency is itself."""
    if money.currency == to:
        return money
    rate = current_rate(money.currency, to)
    if rate is None:
        return None
    return convert(money, rate.rate, to)


@dataclass(frozen=True)
class Estimate:
    """Several amounts, each in its own currency, estimated in ``total``'s
    currency; ``rates_entered_on`` is when the oldest of the rates used was
    entered (``None`` when no rate was needed)."""

    total: Money
    rates_entered_on: datetime | None


def estimate_total(amounts: list[Money], to: str) -> Estimate | None:
    """The estimated sum of ``amounts`` in ``to``; ``None`` when a currency
    among them has no rate (an estimate that left one out would mislead)."""
    total = 0
    oldest: datetime | None = None
    for money in amounts:
        if money.currency == to:
            total += money.amount
            continue
        rate = current_rate(money.currency, to)
        if rate is None:
            return None
        total += convert(money, rate.rate, to).amount
        if oldest is None or rate.entered_at < oldest:
            oldest = rate.entered_at
    return Estimate(total=Money(total, to), rates_entered_on=oldest)
