import functools
import zoneinfo
from decimal import Decimal

from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from doorstep.accounts import lifecycle


class SignupDetailsForm(forms.Form):
    """The fields Doorstep adds to allauth's sign-up form."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    accept_terms = forms.BooleanField(
        label=_("I agree to the terms of service and privacy policy"),
        error_messages={
            "required": _(
                "Tick the box to agree to the terms and privacy policy: we cannot "
                "open an account without it."
            )
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["accept_terms"].help_text = format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a> · '
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            reverse("legal:terms"),
            _("Read the terms of service"),
            reverse("legal:privacy"),
            _("Read the privacy policy"),
        )

    def signup(self, request, user) -> None:
        user.name = self.cleaned_data["name"].strip()
        user.save(update_fields=["name"])
        # What the box agreed to is recorded by the apps that keep it.
        lifecycle.signed_up(user=user, request=request)


# --- Web forms: they parse input for the views; the rules live in services.py ------


@functools.cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


# The zones offered in the drop-down; any other valid IANA name is accepted too
# (a value set through the API stays selectable).
COMMON_TIME_ZONES = [
    "UTC",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Macau",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Bangkok",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Moscow",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Vancouver",
    "America/Toronto",
]


class TimeZoneField(forms.ChoiceField):
    """A select of common time zones that accepts any zone ``zoneinfo`` knows."""

    default_error_messages = {
        "invalid_choice": _("“%(value)s” is not a time zone we know."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("label", _("Time zone"))
        super().__init__(choices=self.choices_with, **kwargs)

    @staticmethod
    def choices_with(current: str | None = None) -> list[tuple[str, str]]:
        zones = list(COMMON_TIME_ZONES)
        if current and current not in zones and current in _known_time_zones():
            zones.append(current)
        return [(zone, zone.replace("_", " ")) for zone in zones]

    def valid_value(self, value: str) -> bool:
        if value not in _known_time_zones():
            return False
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return False
        return True


def _offer_current_zone(field: forms.Field, current: str | None) -> None:
    field.choices = TimeZoneField.choices_with(current)


def _languages() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=32,
        help_text=_(
            "We will text you a 6-digit code. Include the country code, e.g. +86."
        ),
        widget=forms.TextInput(
            attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}
        ),
    )


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "pattern": "[0-9]{6}",
            }
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("The code is 6 digits."))
        return code


class ProfileForm(forms.Form):
    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=_languages)
    time_zone = TimeZoneField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _offer_current_zone(self.fields["time_zone"], self.initial.get("time_zone"))


class ProviderProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=150,
        help_text=_("The name customers see: yours, or your business's."),
    )
    bio = forms.CharField(
        label=_("About you"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Your experience, what you are good at, what customers can expect."
        ),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=_languages,
        widget=forms.CheckboxSelectMultiple,
    )
    address = forms.CharField(
        label=_("Base address"),
        required=False,
        max_length=255,
        help_text=_(
            "Where you start from. Customers see only the area, never the address."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("Between -90 and 90, e.g. 31.2304."),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("Between -180 and 180, e.g. 121.4737."),
    )
    service_radius_km = forms.DecimalField(
        label=_("Service radius (km)"),
        min_value=Decimal("0.5"),
        max_value=Decimal(200),
        max_digits=5,
        decimal_places=1,
        initial=Decimal(10),
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        help_text=_("How far you will travel to a customer."),
    )
    years_experience = forms.IntegerField(
        label=_("Years of experience"),
        min_value=0,
        max_value=80,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    time_zone = TimeZoneField()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _offer_current_zone(self.fields["time_zone"], self.initial.get("time_zone"))


class DeleteAccountForm(forms.Form):
    """Asks for the password again when the account has one: a left-open session
    must not be enough to erase an account."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("That is not your password."))
        return password


class SavedAddressForm(forms.Form):
    """A saved address: a name for it, the address text, and where the door is
    (the map pin fills the coordinates; without JavaScript they are typed)."""

    label = forms.CharField(
        label=_("Name"),
        max_length=60,
        help_text=_("For you only, e.g. Home or Office."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        help_text=_("Drag the pin on the map to the door, or type the coordinates."),
    )
