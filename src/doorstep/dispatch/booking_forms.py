"""The form of the page where a customer buys a platform service: where (a
saved address or a new one with the map pin), as soon as possible or a date
and time in the city's zone, notes. The rules (lead time, city, ASAP offered)
are ``dispatch.booking``'s; the form only reads what was typed."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.accounts.models import SavedAddress, User
from doorstep.core.errors import DomainError

ASAP, LATER = "asap", "later"
# Where the service's errors are shown on this form.
FIELD_FOR = {
    "starts_at": "day",
    "address": "address",
    "latitude": "address",
    "longitude": "address",
    "notes": "notes",
}


class DispatchBookingForm(forms.Form):
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
    saved_address = forms.ChoiceField(
        label=gettext_lazy("Saved addresses"), required=False
    )
    address = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=255,
        error_messages={"required": gettext_lazy("Tell us where to come.")},
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        help_text=gettext_lazy("Drag the pin on the map to the door."),
    )
    latitude = forms.FloatField(
        widget=forms.HiddenInput, min_value=-90, max_value=90, required=False
    )
    longitude = forms.FloatField(
        widget=forms.HiddenInput, min_value=-180, max_value=180, required=False
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes for the worker"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Door code, parking, pets, what needs most attention."),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(
        self,
        *args,
        user: User,
        zone: ZoneInfo,
        centre: tuple[float, float],
        offers_asap: bool = True,
        **kwargs,
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        kwargs["initial"].setdefault("latitude", centre[0])
        kwargs["initial"].setdefault("longitude", centre[1])
        if not offers_asap:
            kwargs["initial"]["when"] = LATER
        super().__init__(*args, **kwargs)
        self.zone = zone
        if not offers_asap:
            self.fields["when"].choices = [self.fields["when"].choices[1]]
        self.addresses = {
            str(address.pk): address
            for address in SavedAddress.objects.filter(user=user).order_by(
                "-is_default", "label"
            )
        }
        if self.addresses:
            self.fields["saved_address"].choices = [
                ("", _("A new address")),
                *((pk, address.label) for pk, address in self.addresses.items()),
            ]
            default = next((pk for pk, a in self.addresses.items() if a.is_default), "")
            if default and not self.is_bound:
                chosen = self.addresses[default]
                self.initial.update(
                    saved_address=default,
                    address=chosen.address,
                    latitude=chosen.latitude,
                    longitude=chosen.longitude,
                )
        else:
            del self.fields["saved_address"]

    def clean(self) -> dict:
        cleaned = super().clean()
        saved = self.addresses.get(cleaned.get("saved_address") or "")
        if saved is not None:
            cleaned["address"] = saved.address
            cleaned["latitude"] = saved.latitude
            cleaned["longitude"] = saved.longitude
            self.errors.pop("address", None)
        if not cleaned.get("address") and "address" not in self.errors:
            self.add_error("address", _("Tell us where to come."))
        if cleaned.get("latitude") is None or cleaned.get("longitude") is None:
            self.add_error("address", _("Place the pin on the map."))
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
            "address": data["address"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "notes": data.get("notes", ""),
            "idempotency_key": data["idempotency_key"],
        }

    def add_service_error(self, error: DomainError) -> None:
        fields = dict(error.fields) or {NON_FIELD_ERRORS: [error.message]}
        for name, messages in fields.items():
            target = FIELD_FOR.get(name)
            target = target if target in self.fields else None
            for message in messages:
                self.add_error(target, message)
