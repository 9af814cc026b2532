"""Web forms of booking and order pages. They turn what a person picked into a
service's arguments and show the service's refusals beside the fields; the rules
themselves live in ``services.py`` and ``scheduling.slots``."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from doorstep.accounts.models import SavedAddress, User
from doorstep.catalog.models import Listing, PaymentTiming, PricingModel
from doorstep.catalog.queries import service_area_centre
from doorstep.core.errors import DomainError
from doorstep.core.money import Money
from doorstep.orders.queries import StaffCard
from doorstep.orders.services import MAX_DELIVERY_PHOTOS
from doorstep.scheduling.slots import MAX_HOURS
from doorstep.web.templatetags.doorstep_ui import duration, money

# Where a service's field errors show on the booking form.
BOOKING_FIELD_FOR = {
    "starts_at": "starts_at",
    "hours": "hours",
    "add_on_ids": "add_ons",
    "address": "address",
    "latitude": "address",
    "longitude": "address",
    "notes": "notes",
    "staff_id": "staff",
    # A promo code refused at booking (``growth.checkout``).
    "code": "promo_code",
}


def zone_or_none(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_instant(value: str) -> datetime | None:
    """An ISO 8601 time with its offset, or ``None``."""
    try:
        moment = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        return None


def hour_choices(listing: Listing) -> list[tuple[int, str]]:
    return [
        (count, ngettext("%(count)d hour", "%(count)d hours", count) % {"count": count})
        for count in range(listing.min_hours, MAX_HOURS + 1)
    ]


def add_on_label(add_on, currency: str) -> str:
    price = money(Money(add_on.price_amount, currency))
    if add_on.extra_minutes:
        return _("%(name)s (+%(price)s, +%(time)s)") % {
            "name": add_on.name,
            "price": price,
            "time": duration(add_on.extra_minutes),
        }
    return _("%(name)s (+%(price)s)") % {"name": add_on.name, "price": price}


class PlaceForm(forms.Form):
    """Where the job is: one of the customer's saved addresses, or a new one
    typed and placed with the map pin. Shared by the booking pages of listings
    and of platform services; ``field_for`` maps a service's error fields to
    this form's, and ``missing_address`` says what to type."""

    missing_address = gettext_lazy("Tell the provider where to come.")
    field_for: dict[str, str] = {}

    saved_address = forms.ChoiceField(
        label=gettext_lazy("Saved addresses"), required=False
    )
    address = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        help_text=gettext_lazy("Drag the pin on the map to the door."),
    )
    latitude = forms.FloatField(
        widget=forms.HiddenInput, min_value=-90, max_value=90, required=False
    )
    longitude = forms.FloatField(
        widget=forms.HiddenInput, min_value=-180, max_value=180, required=False
    )
    # A new one per page: a second submit of the same page books once.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(
        self, *args, user: User, centre: tuple[float, float], **kwargs
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", uuid.uuid4().hex)
        kwargs["initial"].setdefault("latitude", centre[0])
        kwargs["initial"].setdefault("longitude", centre[1])
        super().__init__(*args, **kwargs)
        self.fields["address"].error_messages["required"] = self.missing_address
        self.addresses = {
            str(address.pk): address
            for address in SavedAddress.objects.filter(user=user).order_by(
                "-is_default", "label"
            )
        }
        if not self.addresses:
            del self.fields["saved_address"]
            return
        self.fields["saved_address"].choices = [
            ("", _("A new address")),
            *((pk, address.label) for pk, address in self.addresses.items()),
        ]
        default = next((pk for pk, a in self.addresses.items() if a.is_default), "")
        given = kwargs["initial"].get("address")
        if given:
            # An address handed in (a repeat booking): its saved one if any.
            default = next(
                (pk for pk, a in self.addresses.items() if a.address == given), ""
            )
            self.initial["saved_address"] = default
        elif default and not self.is_bound:
            chosen = self.addresses[default]
            self.initial.update(
                saved_address=default,
                address=chosen.address,
                latitude=chosen.latitude,
                longitude=chosen.longitude,
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        saved = self.addresses.get(cleaned.get("saved_address") or "")
        if saved is not None:
            cleaned["address"] = saved.address
            cleaned["latitude"] = saved.latitude
            cleaned["longitude"] = saved.longitude
            self.errors.pop("address", None)
        if not cleaned.get("address") and "address" not in self.errors:
            self.add_error("address", self.missing_address)
        if cleaned.get("latitude") is None or cleaned.get("longitude") is None:
            self.add_error("address", _("Place the pin on the map."))
        return cleaned

    def place_arguments(self) -> dict:
        """The service's arguments for where (and the idempotency key)."""
        data = self.cleaned_data
        return {
            "address": data["address"],
            "latitude": data["latitude"],
            "longitude": data["longitude"],
            "idempotency_key": data["idempotency_key"],
        }

    def add_service_error(self, error: DomainError) -> None:
        fields = dict(error.fields) or {NON_FIELD_ERRORS: [error.message]}
        for name, messages in fields.items():
            target = self.field_for.get(name)
            target = target if target in self.fields else None
            for message in messages:
                self.add_error(target, message)


class BookingForm(PlaceForm):
    """What a customer chooses on the booking page."""

    field_for = BOOKING_FIELD_FOR

    # Rendered by the slot picker as radio buttons, not by the form.
    starts_at = forms.CharField(
        label=gettext_lazy("Time"),
        error_messages={"required": gettext_lazy("Pick a time.")},
    )
    hours = forms.TypedChoiceField(
        label=gettext_lazy("How many hours?"), coerce=int, required=False
    )
    add_ons = forms.MultipleChoiceField(
        label=gettext_lazy("Add-ons"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # An agency's service: who comes (rendered as cards by the booking page).
    staff = forms.ChoiceField(label=gettext_lazy("Who?"), required=False)
    # Shown when the listing offers paying later (``after_service.timings_for``).
    payment_timing = forms.ChoiceField(
        label=gettext_lazy("When do you pay?"),
        required=False,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes for the provider"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Door code, parking, pets, what needs most attention."),
    )
    # Applied once the order is made (``growth.checkout.apply``); not a
    # service argument of ``place_order``.
    promo_code = forms.CharField(
        label=gettext_lazy("Promo code"),
        max_length=32,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters"}
        ),
        help_text=gettext_lazy(
            "Credit and points can be used on the next page, before you pay."
        ),
    )

    def __init__(
        self,
        *args,
        listing: Listing,
        user: User,
        staff: Sequence[StaffCard] = (),
        **kwargs,
    ) -> None:
        # The pin starts in the provider's area, never on their exact base.
        super().__init__(
            *args, user=user, centre=service_area_centre(listing), **kwargs
        )
        self.listing = listing
        if listing.pricing_model == PricingModel.HOURLY:
            self.fields["hours"].choices = hour_choices(listing)
            self.fields["hours"].initial = listing.min_hours
        else:
            del self.fields["hours"]
        add_ons = list(listing.add_ons.all())
        if add_ons:
            self.fields["add_ons"].choices = [
                (add_on.public_id, add_on_label(add_on, listing.currency))
                for add_on in add_ons
            ]
        else:
            del self.fields["add_ons"]
        self.staff_cards = list(staff)
        if self.staff_cards:
            self.fields["staff"].choices = [
                ("", _("Any available")),
                *((card.public_id, card.display_name) for card in self.staff_cards),
            ]
        else:
            del self.fields["staff"]
        self._offer_payment_timings(listing, user)

    def _offer_payment_timings(self, listing: Listing, user: User) -> None:
        from doorstep.payments.after_service import (
            AFTER_SERVICE,
            CASH,
            PAY_NOW,
            method_to_charge,
            timings_for,
        )

        timings = timings_for(listing)
        if timings == [PAY_NOW]:
            del self.fields["payment_timing"]
            return
        card = method_to_charge(user) if AFTER_SERVICE in timings else None
        labels = {
            PAY_NOW: _("Pay now: the price is held on your card until the job."),
            AFTER_SERVICE: (
                _("Pay after the service: you'll be charged on completion to %(card)s.")
                % {"card": card}
                if card
                else _("Pay after the service (save a card under Payment methods).")
            ),
            CASH: _("Cash on completion: pay the provider in cash when it is done."),
        }
        self.fields["payment_timing"].choices = [
            (timing, labels[timing]) for timing in timings
        ]
        self.fields["payment_timing"].initial = PAY_NOW

    def connect_picker(self, url: str) -> None:
        """Changing the hours or the add-ons changes the job's length, so the
        slot picker reloads (htmx) with the free times for the new length."""
        for name in ("hours", "add_ons", "staff"):
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {
                        "hx-get": url,
                        "hx-target": "#slot-picker",
                        "hx-swap": "outerHTML",
                        "hx-include": "closest form",
                    }
                )

    def clean_starts_at(self) -> datetime:
        moment = parse_instant(self.cleaned_data["starts_at"])
        if moment is None:
            raise forms.ValidationError(_("Pick a time."))
        return moment

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "hours": data.get("hours") or None,
            "add_on_ids": data.get("add_ons") or [],
            "notes": data.get("notes", ""),
            "staff_id": data.get("staff") or "",
            "payment_timing": data.get("payment_timing") or PaymentTiming.PAY_NOW,
            **self.place_arguments(),
        }


class StartForm(forms.Form):
    start_code = forms.CharField(
        label=gettext_lazy("Start code"),
        max_length=4,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{4}",
                "size": 4,
            }
        ),
        help_text=gettext_lazy("Ask the customer for the 4-digit code."),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class DeliverForm(forms.Form):
    photos = MultipleImageField(
        label=gettext_lazy("Before and after photos"),
        required=False,
        help_text=gettext_lazy("Up to 6 photos, JPEG, PNG or WebP, 8 MB each."),
    )

    def clean_photos(self) -> list:
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_DELIVERY_PHOTOS:
            raise forms.ValidationError(
                ngettext(
                    "Attach at most %(count)d photo.",
                    "Attach at most %(count)d photos.",
                    MAX_DELIVERY_PHOTOS,
                )
                % {"count": MAX_DELIVERY_PHOTOS}
            )
        return photos


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What went wrong?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RescheduleForm(forms.Form):
    # Rendered by the slot picker as radio buttons.
    starts_at = forms.CharField(
        error_messages={"required": gettext_lazy("Pick a new time.")},
    )

    def clean_starts_at(self) -> datetime:
        moment = parse_instant(self.cleaned_data["starts_at"])
        if moment is None:
            raise forms.ValidationError(_("Pick a new time."))
        return moment
