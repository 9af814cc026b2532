from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.catalog.models import Category


class CommissionLimitForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"))
    currency = forms.CharField(
        label=_("Currency"), max_length=3, help_text=_("For example CNY.")
    )
    minimum = forms.DecimalField(
        label=_("Minimum commission per order"),
        min_value=0,
        max_digits=18,
        decimal_places=3,
        initial=0,
    )
    maximum = forms.DecimalField(
        label=_("Maximum commission per order"),
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=3,
        help_text=_("Empty: no maximum."),
    )
    reason = forms.CharField(
        label=_("Why (for the audit trail)"), max_length=255, required=False
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [
            (category.public_id, category.name)
            for category in Category.objects.order_by("position", "slug")
        ]
