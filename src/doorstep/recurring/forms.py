"""The form that starts a recurring booking (the service checks the rules)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from doorstep.recurring.models import Cadence

WEEKDAYS = [
    ("0", _("Monday")),
    ("1", _("Tuesday")),
    ("2", _("Wednesday")),
    ("3", _("Thursday")),
    ("4", _("Friday")),
    ("5", _("Saturday")),
    ("6", _("Sunday")),
]


class SeriesForm(forms.Form):
    cadence = forms.ChoiceField(label=_("How often"), choices=Cadence.choices)
    weekdays = forms.MultipleChoiceField(
        label=_("On these days"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    start_date = forms.DateField(
        label=_("First visit"), widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label=_("Start time (the provider's local time)"),
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    end_date = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    visit_count = forms.IntegerField(
        label=_("Or a number of visits"), required=False, min_value=1, max_value=200
    )
    address = forms.CharField(label=_("Address"), max_length=255)
    latitude = forms.FloatField(widget=forms.HiddenInput)
    longitude = forms.FloatField(widget=forms.HiddenInput)
    notes = forms.CharField(
        label=_("Notes for the provider"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    payment_method = forms.ChoiceField(label=_("Card charged a day before each visit"))

    def __init__(self, *args, methods=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payment_method"].choices = [
            (method.public_id, f"{method.brand.title()} •••• {method.last4}")
            for method in methods
        ]


class MoveForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("New time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class PriceForm(forms.Form):
    price = forms.IntegerField(
        label=_("New price per visit (minor units)"), min_value=1
    )
