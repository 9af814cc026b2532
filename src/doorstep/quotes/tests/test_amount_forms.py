"""Amounts typed in major units become the currency's minor units: JPY has
none ("1200" is 1200), KWD three ("1.250" is 1250); more places than the
currency has are refused beside the field."""

import pytest

from doorstep.quotes.forms import CounterForm


@pytest.mark.parametrize(
    ("currency", "typed", "minor"),
    [("JPY", "1200", 1200), ("KWD", "1.250", 1250), ("CNY", "120.50", 12050)],
)
def test_amount_in_the_currency_minor_units(currency, typed, minor):
    form = CounterForm({"amount": typed}, currency=currency)

    assert form.is_valid(), form.errors
    assert form.minor() == minor
    assert not form.errors


@pytest.mark.parametrize(("currency", "typed"), [("JPY", "1200.5"), ("CNY", "1.255")])
def test_more_places_than_the_currency_has_are_refused(currency, typed):
    form = CounterForm({"amount": typed}, currency=currency)

    assert form.is_valid()
    assert form.minor() is None
    assert "amount" in form.errors
