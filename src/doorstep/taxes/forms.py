"""The tax settings forms (ops)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.marketplace.models import City


class RegionForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=20, help_text=_("Short and unique, e.g. eu-nl.")
    )
    name = forms.CharField(label=_("Name"), max_length=100)
    prices_include_tax = forms.TypedChoiceField(
        label=_("Prices shown"),
        choices=[
            ("true", _("Tax-inclusive: prices contain the tax")),
            ("false", _("Tax-exclusive: the tax is added to the total")),
        ],
        coerce=lambda value: value == "true",
        initial="true",
    )
    cities = forms.MultipleChoiceField(
        label=_("Cities"), required=False, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(
        label=_("Why (for the audit trail)"), max_length=255, required=False
    )

    def __init__(self, *args, editing: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cities"].choices = [
            (city.slug, city.name) for city in City.objects.order_by("position")
        ]
        if editing:
            del self.fields["code"]


class RuleForm(forms.Form):
    name = forms.CharField(
        label=_("Name on receipts"), max_length=40, help_text=_("For example VAT.")
    )
    rate = forms.DecimalField(
        label=_("Rate (%)"),
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    on_service = forms.BooleanField(label=_("On the service price"), required=False)
    on_platform_fees = forms.BooleanField(
        label=_("On the platform's fees (commission and service fee)"),
        required=False,
    )
    valid_from = forms.DateTimeField(
        label=_("Valid from"),
        required=False,
        help_text=_("Empty: from now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    valid_until = forms.DateTimeField(
        label=_("Valid until"),
        required=False,
        help_text=_("Empty: until ended."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    reason = forms.CharField(
        label=_("Why (for the audit trail)"), max_length=255, required=False
    )
