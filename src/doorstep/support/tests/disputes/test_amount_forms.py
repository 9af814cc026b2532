"""The dispute forms take a refund in the order's currency as people write
it, with as many places as that currency has (KWD three, JPY none); the view
turns it into minor units and refuses more places than the currency has."""

from decimal import Decimal

import pytest

from doorstep.support.dispute_forms import DecideForm, RespondForm
from doorstep.support.dispute_views import _minor


def test_a_kwd_refund_with_three_places_is_accepted():
    decide = DecideForm({"refund": "1.250", "reason": "Half the job"})
    respond = RespondForm({"answer": "offer", "amount": "0.125"})

    assert decide.is_valid(), decide.errors
    assert respond.is_valid(), respond.errors
    assert _minor(decide.cleaned_data["refund"], "KWD") == 1250
    assert _minor(respond.cleaned_data["amount"], "KWD") == 125


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [("1200", "JPY", 1200), ("1200.5", "JPY", None), ("12.505", "CNY", None)],
)
def test_minor_units_follow_the_currency(typed, currency, minor):
    assert _minor(Decimal(typed), currency) == minor
