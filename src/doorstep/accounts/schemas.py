"""The shapes of the accounts API: ``…In`` bodies are parsed and checked here,
``…Out`` bodies are what clients see (public ids, never primary keys)."""

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import (
    MinimumLengthValidator,
    get_default_password_validators,
)
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints, WithJsonSchema

from doorstep.accounts.models import User
from doorstep.api.schemas import InputSchema, PatchSchema, PublicId
from doorstep.core.geo import MAX_RADIUS_KM

# --- Field types ----------------------------------------------------------------------


@cache
def _time_zone_names() -> frozenset[str]:
    # Scanning the tz database is slow; it does not change while we run.
    return frozenset(available_timezones())


def _check_email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError as error:
        raise ValueError(_("Enter a valid e-mail address.")) from error
    return value


def _check_language(value: str) -> str:
    if value not in {code for code, _name in settings.LANGUAGES}:
        raise ValueError(
            _("Choose one of: %(choices)s.")
            % {"choices": ", ".join(code for code, _name in settings.LANGUAGES)}
        )
    return value


def _check_phone_characters(value: str) -> str:
    if not re.fullmatch(PHONE_CHARACTERS, value):
        raise ValueError(_("Enter a valid phone number, e.g. +8613800138000."))
    return value


def _check_time_zone(value: str) -> str:
    if value not in _time_zone_names():
        raise ValueError(_("Enter a time zone name such as Asia/Shanghai."))
    return value


Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=254),
    AfterValidator(_check_email),
    Field(json_schema_extra={"format": "email"}),
]
# Passwords are taken as typed: spaces are part of them.
Password = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


def _check_not_only_spaces(value: str) -> str:
    # Published as "contains a non-space character" (see doorstep.api.schemas).
    if not value.strip():
        raise ValueError(_("This field cannot be blank."))
    return value


def _min_password_length() -> int:
    lengths = [
        validator.min_length
        for validator in get_default_password_validators()
        if isinstance(validator, MinimumLengthValidator)
    ]
    return max(lengths, default=1)


# A new password: its length is checked here (a 400 naming the field); whether it
# is too common, all digits or too like the e-mail address no schema can say, so
# the sign-up refuses that with 422 ``weak_password``.
NewPassword = Annotated[
    str,
    StringConstraints(min_length=_min_password_length(), max_length=4096),
    AfterValidator(_check_not_only_spaces),
]
LanguageCode = Annotated[
    str,
    AfterValidator(_check_language),
    Field(json_schema_extra={"enum": [code for code, _name in settings.LANGUAGES]}),
]
TimeZoneName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64),
    AfterValidator(_check_time_zone),
    Field(
        json_schema_extra=lambda schema: schema.update(enum=sorted(_time_zone_names()))
    ),
]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


def _to_tenths(value: Decimal) -> Decimal:
    # Radii are kept to 0.1 km; a finer number is rounded, not refused.
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


ServiceRadius = Annotated[
    Decimal,
    Field(ge=Decimal("0.5"), le=Decimal(int(MAX_RADIUS_KM)), allow_inf_nan=False),
    AfterValidator(_to_tenths),
    # A JSON number (a string is refused: see InputSchema), not pydantic's
    # "number or numeric string" for a Decimal.
    WithJsonSchema(
        {
            "type": "number",
            "minimum": 0.5,
            "maximum": MAX_RADIUS_KM,
            "description": "Kilometres, kept to 0.1 km (rounded).",
        }
    ),
]
YearsExperience = Annotated[int, Field(ge=0, le=80)]
SpokenLanguages = Annotated[list[LanguageCode], Field(max_length=10)]


def _text(*, max_length: int, required: bool = True) -> StringConstraints:
    # The model's own limits, repeated here so that an over-long value is a 400
    # naming the field rather than a database error.
    return StringConstraints(
        strip_whitespace=True, min_length=1 if required else 0, max_length=max_length
    )


PersonName = Annotated[str, _text(max_length=150)]
DisplayName = Annotated[str, _text(max_length=150)]
Bio = Annotated[str, _text(max_length=4000, required=False)]
BaseAddress = Annotated[str, _text(max_length=255, required=False)]
AddressLine = Annotated[str, _text(max_length=255)]
AddressLabel = Annotated[str, _text(max_length=60)]
TokenName = Annotated[str, _text(max_length=100, required=False)]
# What a phone number is written with; whether such a number can exist is for
# ``phonenumbers`` to say (422 ``invalid_phone``). Stripped before it is checked.
PHONE_CHARACTERS = r"\+?[0-9 ().-]*[0-9][0-9 ().-]*"
PhoneNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=32),
    AfterValidator(_check_phone_characters),
    Field(
        description="E.164 (+8613800138000) or a national number: digits, "
        "spaces, ( ) . - and a leading +.",
        json_schema_extra={"pattern": rf"^\s*{PHONE_CHARACTERS}\s*$"},
    ),
]
PhoneCodeDigits = Annotated[str, _text(max_length=12)]


# --- Sign-up and tokens -----------------------------------------------------------


def _check_agreed(value: bool) -> bool:
    if value is not True:
        raise ValueError(
            _("Agree to the terms of service and privacy policy to sign up.")
        )
    return value


class SignUpIn(InputSchema):
    email: Email
    password: NewPassword
    name: PersonName
    language: LanguageCode = "en"
    accept_terms: Annotated[bool, AfterValidator(_check_agreed)] = Field(
        description="Must be `true`: the person agrees to the terms of service "
        "and privacy policy in force (see `GET /policies/{document}`).",
        json_schema_extra={"enum": [True]},
    )


TokenScopes = Annotated[
    list[Literal["read", "write", "ops"]] | None,
    Field(
        None,
        min_length=1,
        max_length=3,
        description="What the token may do: `read` (safe methods), `write` "
        "(unsafe methods), `ops` (the back office; operations staff with a "
        "second factor only, else 422 `ops_scope_not_allowed`). Left out: read "
        "and write, plus ops for operations staff who sent their code.",
    ),
]


class TokenIn(InputSchema):
    email: Email
    password: Password
    name: TokenName = ""
    code: Annotated[str, StringConstraints(max_length=64)] = Field(
        "",
        description="The current code of your authenticator app (or a recovery "
        "code), for an account with two-factor authentication.",
    )
    scopes: TokenScopes = None


class PhoneCodeIn(InputSchema):
    phone: PhoneNumber


class PhoneCodeSentOut(Schema):
    phone: str = Field(description="The number in E.164 form, as the code was sent.")
    expires_at: datetime


class PhoneVerifyIn(InputSchema):
    phone: PhoneNumber
    code: PhoneCodeDigits
    token_name: TokenName = ""
    scopes: TokenScopes = None


class TokenOut(Schema):
    id: PublicId
    name: str
    prefix: str = Field(
        description="The first characters of the token, to tell it apart."
    )
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    scopes: list[str] = Field(description="`read`, `write`, `ops`.")


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The bearer token. Shown once: store it now.")


# --- The caller -------------------------------------------------------------------


class UserOut(Schema):
    id: PublicId
    email: str | None
    email_verified: bool
    phone: str | None
    phone_verified: bool
    name: str
    language: str
    time_zone: str
    roles: list[str]
    date_joined: datetime

    @staticmethod
    def resolve_email_verified(user: User) -> bool:
        if not user.email:
            return False
        return EmailAddress.objects.filter(
            user=user, email__iexact=user.email, verified=True
        ).exists()


class UserPatchIn(PatchSchema):
    name: PersonName | None = None
    language: LanguageCode | None = None
    time_zone: TimeZoneName | None = None


class AccountDeleteIn(InputSchema):
    password: str | None = Field(
        None,
        max_length=4096,
        description="Required when the account has a password.",
    )


# --- Provider profile -------------------------------------------------------------


class ProviderProfileIn(InputSchema):
    display_name: DisplayName
    latitude: Latitude
    longitude: Longitude
    address: BaseAddress = ""
    service_radius_km: ServiceRadius = Field(
        Decimal(10), json_schema_extra={"default": 10}
    )
    bio: Bio = ""
    languages: SpokenLanguages | None = None
    years_experience: YearsExperience = 0
    time_zone: TimeZoneName | None = None


class ProviderProfilePatchIn(PatchSchema):
    display_name: DisplayName | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    address: BaseAddress | None = None
    service_radius_km: ServiceRadius | None = None
    bio: Bio | None = None
    languages: SpokenLanguages | None = None
    years_experience: YearsExperience | None = None
    time_zone: TimeZoneName | None = None


class ProviderProfileOut(Schema):
    id: PublicId
    display_name: str
    bio: str
    languages: list[str]
    address: str
    latitude: float
    longitude: float
    service_radius_km: float
    years_experience: int
    time_zone: str
    status: str
    created_at: datetime
    updated_at: datetime


# --- Saved addresses --------------------------------------------------------------


class AddressIn(InputSchema):
    label: AddressLabel
    address: AddressLine
    latitude: Latitude
    longitude: Longitude
    is_default: bool = False


class AddressPatchIn(PatchSchema):
    label: AddressLabel | None = None
    address: AddressLine | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    is_default: bool | None = None


class AddressOut(Schema):
    id: PublicId
    label: str
    address: str
    latitude: float
    longitude: float
    is_default: bool
    created_at: datetime
