"""Every write to accounts: one function per business action, each in a transaction."""

import hmac
import secrets
from datetime import timedelta
from decimal import Decimal
from hashlib import sha256

import phonenumbers
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ApiToken, PhoneCode, ProviderProfile, User
from doorstep.core.errors import Conflict, DomainError, NotFound, RateLimited
from doorstep.notifications.sms import send_sms

TOKEN_PREFIX = "dst_"


def normalize_phone(raw: str, *, region: str | None = None) -> str:
    """The E.164 form of a phone number, or a ``DomainError`` naming the field."""
    try:
        parsed = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise DomainError(
            "invalid_phone",
            _("Enter a valid phone number, e.g. +8613800138000."),
            status=400,
            fields={"phone": [_("Enter a valid phone number, e.g. +8613800138000.")]},
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(
            "weak_password",
            _("Choose a stronger password."),
            status=400,
            fields={"password": list(error.messages)},
        ) from error


@transaction.atomic
def sign_up(*, email: str, password: str, name: str, language: str = "en") -> User:
    """Create a customer account with an unverified e-mail address.

    The caller sends the verification e-mail (allauth needs the request for links).
    Raises ``Conflict`` when the address is taken, ``DomainError`` for a weak password.
    """
    email = User.objects.normalize_email(email).strip()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            "email_taken",
            _("An account with this e-mail address already exists."),
            fields={"email": [_("An account with this e-mail address already exists.")]},
        )
    candidate = User(email=email, name=name)
    _check_password(password, candidate)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, name=name.strip(), language=language
            )
    except IntegrityError as error:  # a concurrent sign-up won the race
        raise Conflict(
            "email_taken", _("An account with this e-mail address already exists.")
        ) from error
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    return user


PROFILE_FIELDS = {"name", "language", "time_zone"}


@transaction.atomic
def update_profile(*, user: User, **changes: str) -> User:
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise DomainError("unknown_field", _("These fields cannot be changed."),
                          status=400, fields={f: [_("Unknown field.")] for f in unknown})
    for field, value in changes.items():
        setattr(user, field, value)
    user.full_clean(exclude=["password", "email", "phone", "photo"])
    user.save(update_fields=[*changes])
    return user


@transaction.atomic
def become_provider(
    *,
    user: User,
    display_name: str,
    latitude: float,
    longitude: float,
    address: str = "",
    service_radius_km: Decimal = Decimal(10),
    bio: str = "",
    languages: list[str] | None = None,
    years_experience: int = 0,
    time_zone: str | None = None,
) -> ProviderProfile:
    """Open the provider side of a user's account. Raises ``Conflict`` if it exists."""
    if ProviderProfile.objects.filter(user=user).exists():
        raise Conflict("already_provider", _("You are already a provider."))
    profile = ProviderProfile(
        user=user,
        display_name=display_name.strip(),
        latitude=latitude,
        longitude=longitude,
        address=address,
        service_radius_km=service_radius_km,
        bio=bio,
        languages=languages or [user.language],
        years_experience=years_experience,
        time_zone=time_zone or user.time_zone,
        h3_cell=ProviderProfile.cell_for(latitude, longitude),
    )
    profile.full_clean(exclude=["user", "h3_cell"])
    profile.save()
    return profile


@transaction.atomic
def update_provider_profile(*, profile: ProviderProfile, **changes) -> ProviderProfile:
    for field, value in changes.items():
        setattr(profile, field, value)
    if {"latitude", "longitude"} & changes.keys():
        profile.h3_cell = ProviderProfile.cell_for(profile.latitude, profile.longitude)
        changes["h3_cell"] = profile.h3_cell
    profile.full_clean(exclude=["user"])
    profile.save(update_fields=[*changes, "updated_at"])
    return profile


# --- API tokens ---------------------------------------------------------------------


@transaction.atomic
def create_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a bearer token. Returns the row and the raw token, which is not stored."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or _("API token"),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=ApiToken.digest_of(raw),
        expires_at=timezone.now() + timedelta(days=settings.DOORSTEP_API_TOKEN_TTL_DAYS),
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, user: User, token_id: str) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(user=user, public_id=token_id).first()
    if token is None:
        raise NotFound("token_not_found", _("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_api_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or ``None``."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    # Touch at most once a minute: a busy mobile client must not write on every call.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Phone sign-in ----------------------------------------------------------------


def _code_digest(phone: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{phone}:{code}".encode(), sha256).hexdigest()


def _parse_rate(rate: str) -> tuple[int, timedelta]:
    count, period = rate.split("/")
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number = int(period[:-1] or 1)
    return int(count), timedelta(seconds=number * units[period[-1]])


@transaction.atomic
def request_phone_code(*, phone: str) -> PhoneCode:
    """Send a one-time sign-in code by SMS to ``phone`` (already normalised).

    Earlier open codes for the number are closed, so only the newest one works.
    Raises ``RateLimited`` when the number asked too often (counted in the database,
    so the limit holds across any number of web processes).
    """
    limit, period = _parse_rate(settings.DOORSTEP_RATE_LIMITS["phone_code_per_phone"])
    now = timezone.now()
    recent = PhoneCode.objects.filter(phone=phone, created_at__gte=now - period).count()
    if recent >= limit:
        raise RateLimited(
            "too_many_codes", _("Too many codes requested. Please wait a few minutes.")
        )
    PhoneCode.objects.filter(phone=phone, used_at__isnull=True).update(used_at=now)
    code = "".join(secrets.choice("0123456789") for _ in range(settings.PHONE_CODE_LENGTH))
    phone_code = PhoneCode.objects.create(
        phone=phone,
        digest=_code_digest(phone, code),
        created_at=now,
        expires_at=now + PhoneCode.lifetime(),
    )
    message = _("Your Doorstep code is %(code)s. It expires in %(minutes)d minutes.") % {
        "code": code,
        "minutes": settings.PHONE_CODE_TTL_SECONDS // 60,
    }
    transaction.on_commit(lambda: send_sms(to=phone, body=message))
    return phone_code


def verify_phone_code(*, phone: str, code: str) -> User:
    """Exchange a code for the user with that phone number, creating the account
    on first sign-in. Every wrong guess is counted; the code dies at the limit.

    Raises ``DomainError`` (code ``invalid_code``, ``code_expired`` or
    ``too_many_attempts``) and changes nothing else on failure.
    """
    with transaction.atomic():
        phone_code = (
            PhoneCode.objects.select_for_update()
            .filter(phone=phone, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        error = _phone_code_error(phone_code, phone, code)
        if error is None:
            phone_code.used_at = timezone.now()
            phone_code.save(update_fields=["used_at"])
            user, _created = User.objects.get_or_create(
                phone=phone, defaults={"phone_verified": True}
            )
            if not user.phone_verified:
                user.phone_verified = True
                user.save(update_fields=["phone_verified"])
    # The failed attempt is committed before we raise: a wrong guess must count.
    if error is not None:
        raise error
    if not user.is_active:
        raise DomainError("account_inactive", _("This account is not active."), status=403)
    return user


def _phone_code_error(phone_code: PhoneCode | None, phone: str, code: str) -> DomainError | None:
    invalid = DomainError(
        "invalid_code",
        _("That code is not right. Check the SMS and try again."),
        status=400,
        fields={"code": [_("That code is not right. Check the SMS and try again.")]},
    )
    if phone_code is None:
        return invalid
    if phone_code.failed_attempts >= settings.PHONE_CODE_MAX_ATTEMPTS:
        return DomainError(
            "too_many_attempts",
            _("Too many wrong codes. Request a new code."),
            status=429,
            fields={"code": [_("Too many wrong codes. Request a new code.")]},
        )
    if phone_code.expires_at <= timezone.now():
        return DomainError(
            "code_expired",
            _("This code has expired. Request a new code."),
            status=400,
            fields={"code": [_("This code has expired. Request a new code.")]},
        )
    if not hmac.compare_digest(phone_code.digest, _code_digest(phone, code.strip())):
        phone_code.failed_attempts += 1
        phone_code.save(update_fields=["failed_attempts"])
        return invalid
    return None


# --- Leaving ----------------------------------------------------------------------


@transaction.atomic
def delete_account(*, user: User) -> None:
    """Close an account: personal data is erased and sign-in disabled; the row stays
    so that orders, reviews and the ledger keep a party to point at."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    user.api_tokens.all().delete()
    user.addresses.all().delete()
    ProviderProfile.objects.filter(user=user).update(
        status=ProviderProfile.Status.SUSPENDED, bio="", address="", photo=""
    )
    user.email = None
    user.phone = None
    user.phone_verified = False
    user.name = ""
    user.photo = ""
    user.is_active = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
