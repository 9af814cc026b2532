"""The ops plan form: wording in each language, perks, and prices typed one
per line as ``CNY month 30.00`` (major units, as people read prices)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.core.money import Money, known_currencies
from doorstep.subscriptions.models import Interval, Plan
from doorstep.subscriptions.services import PLAN_FIELDS


class PlanForm(forms.Form):
    name_en = forms.CharField(label=_("Name (English)"), max_length=80)
    name_zh_hans = forms.CharField(
        label=_("Name (Simplified Chinese)"), max_length=80, required=False
    )
    name_zh_hant = forms.CharField(
        label=_("Name (Traditional Chinese)"), max_length=80, required=False
    )
    description_en = forms.CharField(
        label=_("Description (English)"), widget=forms.Textarea, required=False
    )
    description_zh_hans = forms.CharField(
        label=_("Description (Simplified Chinese)"),
        widget=forms.Textarea,
        required=False,
    )
    description_zh_hant = forms.CharField(
        label=_("Description (Traditional Chinese)"),
        widget=forms.Textarea,
        required=False,
    )
    badge_en = forms.CharField(
        label=_("Badge (English)"), max_length=30, required=False
    )
    badge_zh_hans = forms.CharField(
        label=_("Badge (Simplified Chinese)"), max_length=30, required=False
    )
    badge_zh_hant = forms.CharField(
        label=_("Badge (Traditional Chinese)"), max_length=30, required=False
    )
    commission_discount_bps = forms.IntegerField(
        label=_("Commission discount (basis points)"),
        min_value=0,
        max_value=10_000,
        initial=0,
        help_text=_("100 basis points = 1 percentage point off the commission."),
    )
    extra_quote_leads = forms.IntegerField(
        label=_("Extra quote requests per month"), min_value=0, initial=0
    )
    extra_photos = forms.IntegerField(
        label=_("Extra listing photos"), min_value=0, initial=0
    )
    trial_days = forms.IntegerField(
        label=_("Free trial (days)"), min_value=0, max_value=90, initial=0
    )
    position = forms.IntegerField(label=_("Order on the page"), min_value=0, initial=0)
    prices = forms.CharField(
        label=_("Prices"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line: currency, month or year, price. E.g. CNY month 30.00"
        ),
    )
    reason = forms.CharField(label=_("Reason (for the audit trail)"), required=False)

    def clean_prices(self) -> dict[tuple[str, str], int]:
        prices: dict[tuple[str, str], int] = {}
        for line in self.cleaned_data["prices"].splitlines():
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 3:
                raise forms.ValidationError(
                    _("Write each price as: currency, month or year, price.")
                )
            currency, interval, value = parts[0].upper(), parts[1].lower(), parts[2]
            if currency not in known_currencies() or interval not in Interval.values:
                raise forms.ValidationError(
                    _("Unknown currency or interval in “%(line)s”.") % {"line": line}
                )
            try:
                amount = Money.from_major(value, currency).amount
            except (ValueError, ArithmeticError):
                raise forms.ValidationError(
                    _("“%(value)s” is not a price in %(currency)s.")
                    % {"value": value, "currency": currency}
                ) from None
            prices[(currency, interval)] = amount
        if not prices:
            raise forms.ValidationError(_("Give at least one price."))
        return prices

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in PLAN_FIELDS}

    @classmethod
    def for_plan(cls, plan: Plan) -> "PlanForm":
        initial = {name: getattr(plan, name) for name in PLAN_FIELDS}
        initial["prices"] = "\n".join(
            f"{p.currency} {p.interval} {Money(p.amount, p.currency).major}"
            for p in plan.prices.all()
        )
        return cls(initial=initial)


class PlanStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Plan.Status.choices)
    reason = forms.CharField(label=_("Reason"), max_length=300)
