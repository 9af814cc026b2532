"""Money as integers: an amount in the currency's minor units plus an ISO 4217 code.

Never a float: 0.1 + 0.2 is not 0.3, and a marketplace that loses a cent per order
loses trust. Minor-unit counts and locale formatting come from Babel (CLDR data), so
JPY has no decimals and TWD two, as ISO 4217 says.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from babel.numbers import format_currency, get_currency_precision
from babel.numbers import list_currencies as _babel_currencies

BABEL_LOCALES = {"en": "en_US", "zh-hans": "zh_Hans_CN", "zh-hant": "zh_Hant_TW"}


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(_babel_currencies())


def minor_units(currency: str) -> int:
    """How many decimal places the currency has (2 for USD and CNY, 0 for JPY)."""
    return get_currency_precision(currency)


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, int) or isinstance(self.amount, bool):
            raise TypeError("Money.amount must be an integer of minor units")
        if self.currency not in known_currencies():
            raise ValueError(f"unknown currency {self.currency!r}")

    @property
    def major(self) -> Decimal:
        """The amount in major units, exactly (for display, never for arithmetic)."""
        return Decimal(self.amount).scaleb(-minor_units(self.currency))

    def format(self, language: str = "en") -> str:
        return format_currency(
            self.major, self.currency, locale=BABEL_LOCALES.get(language, "en_US")
        )

    def as_json(self) -> dict:
        return {"amount": self.amount, "currency": self.currency}

    @classmethod
    def from_major(cls, value: Decimal | str | int, currency: str) -> "Money":
        """Parse a major-unit amount (``"12.50"``); refuses more decimals than the
        currency has instead of rounding silently."""
        amount = Decimal(value).scaleb(minor_units(currency))
        if amount != amount.to_integral_value():
            raise ValueError(f"too many decimal places for {currency}")
        return cls(int(amount), currency)
