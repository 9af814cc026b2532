"""The form of the page where a customer buys a platform service: where (a
saved address or a new one with the map pin, as on the listings' booking
page), as soon as possible or a date and time in the city's zone, notes. The
rules (lead time, city, ASAP offered) are ``dispatch.booking``'s; the form only
reads what was typed."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.orders.forms import PlaceForm

ASAP, LATER = "asap", "later"


class DispatchBookingForm(PlaceForm):
    missing_address = gettext_lazy("Tell us where to come.")
    # Where the service's errors are shown on this form.
    field_for = {
        "starts_at": "day",
        "address": "address",
        "latitude": "address",
        "longitude": "address",
        "notes": "notes",
    }

    when = forms.ChoiceField(
        label=gettext_lazy("When?"),
        choices=[
            (ASAP, gettext_lazy("As soon as possible")),
            (LATER, gettext_lazy("At a time I choose")),
        ],
        widget=forms.RadioSelect,
        initial=ASAP,
    )
    day = forms.DateField(
        label=gettext_lazy("Date"),
        required=False,
        help_text=gettext_lazy("For a time you choose."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    time = forms.TimeField(
        label=gettext_lazy("Time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "step": 900}),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes for the worker"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Door code, parking, pets, what needs most attention."),
    )

    def __init__(self, *args, zone: ZoneInfo, offers_asap: bool = True, **kwargs):
        if not offers_asap:
            kwargs.setdefault("initial", {})["when"] = LATER
        super().__init__(*args, **kwargs)
        self.zone = zone
        if not offers_asap:
            self.fields["when"].choices = [(LATER, _("At a time I choose"))]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("when") == LATER:
            if not cleaned.get("day") and "day" not in self.errors:
                self.add_error("day", _("Choose a date."))
            if not cleaned.get("time") and "time" not in self.errors:
                self.add_error("time", _("Choose a time."))
        return cleaned

    def starts_at(self) -> datetime | None:
        """The chosen moment in the city's zone (``None`` as soon as possible)."""
        data = self.cleaned_data
        if data.get("when") != LATER:
            return None
        return datetime.combine(data["day"], data["time"], tzinfo=self.zone)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "asap": data.get("when") != LATER,
            "starts_at": self.starts_at(),
            "notes": data.get("notes", ""),
            **self.place_arguments(),
        }
