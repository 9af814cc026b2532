"""The wallet's payout request: an amount as people write it (120.50), turned
into minor units by ``core.money`` — never asked for in "minor units"."""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.money import Money, known_currencies, minor_units

# Digits with an optional decimal point: no signs, exponents, NaN or Infinity.
_PLAIN_AMOUNT = re.compile(r"^\d{1,9}(?:[.,]\d+)?$")


def amount_step(currency: str) -> str:
    """The smallest step of an amount field in ``currency`` ("0.01", "1")."""
    places = minor_units(currency)
    return f"0.{'0' * (places - 1)}1" if places else "1"


class PayoutRequestForm(forms.Form):
    currency = forms.CharField(max_length=3)
    amount = forms.CharField(
        label=gettext_lazy("Amount"),
        max_length=20,
        error_messages={"required": gettext_lazy("Enter an amount, e.g. 120.50.")},
    )

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].upper()
        if currency not in known_currencies():
            raise forms.ValidationError(_("Unknown currency."))
        return currency

    def clean(self) -> dict:
        cleaned = super().clean()
        text = (cleaned.get("amount") or "").strip().replace(" ", "")
        currency = cleaned.get("currency")
        if not currency or "amount" in self.errors:
            return cleaned
        if not _PLAIN_AMOUNT.match(text):
            self.add_error("amount", _("Enter an amount, e.g. 120.50."))
            return cleaned
        try:
            money = Money.from_major(Decimal(text.replace(",", ".")), currency)
        except ValueError:
            self.add_error(
                "amount",
                _("Use at most %(places)d decimal places.")
                % {"places": minor_units(currency)},
            )
            return cleaned
        cleaned["minor_amount"] = money.amount
        return cleaned
