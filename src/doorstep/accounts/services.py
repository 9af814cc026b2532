"""Every write to accounts: one function per business action, each in a transaction."""

import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from hashlib import sha256

import phonenumbers
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts import lifecycle
from doorstep.accounts.models import (
    ApiScope,
    ApiToken,
    PhoneCode,
    ProviderProfile,
    SavedAddress,
    User,
)
from doorstep.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    RateLimited,
    raises,
)
from doorstep.notifications.sms import send_sms

TOKEN_PREFIX = "dst_"  # noqa: S105 - a marker, not a secret


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
            fields={
                "email": [_("An account with this e-mail address already exists.")]
            },
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
        raise DomainError(
            "unknown_field",
            _("These fields cannot be changed."),
            status=400,
            fields={f: [_("Unknown field.")] for f in unknown},
        )
    for field, value in changes.items():
        setattr(user, field, value)
    _full_clean(user, exclude=["password", "email", "phone", "photo"])
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
    _full_clean(profile, exclude=["user", "h3_cell"])
    profile.save()
    return profile


PROVIDER_PROFILE_FIELDS = {
    "display_name",
    "bio",
    "languages",
    "address",
    "latitude",
    "longitude",
    "service_radius_km",
    "years_experience",
    "time_zone",
}


@transaction.atomic
def update_provider_profile(*, profile: ProviderProfile, **changes) -> ProviderProfile:
    """Change what a provider may change about themselves (not status, not cell)."""
    unknown = set(changes) - PROVIDER_PROFILE_FIELDS
    if unknown:
        raise DomainError(
            "unknown_field",
            _("These fields cannot be changed."),
            status=400,
            fields={field: [_("Unknown field.")] for field in sorted(unknown)},
        )
    for field, value in changes.items():
        setattr(profile, field, value)
    if {"latitude", "longitude"} & changes.keys():
        profile.h3_cell = ProviderProfile.cell_for(profile.latitude, profile.longitude)
        changes["h3_cell"] = profile.h3_cell
    _full_clean(profile, exclude=["user"])
    profile.save(update_fields=[*changes, "updated_at"])
    return profile


# --- API tokens ---------------------------------------------------------------------


def default_scopes(*, user: User, second_factor: bool) -> list[str]:
    """What a token gets when its holder does not choose: read and write, and
    ops for operations staff who passed the second factor (as before scopes)."""
    scopes = [ApiScope.READ, ApiScope.WRITE]
    if user.is_staff and second_factor:
        scopes.append(ApiScope.OPS)
    return [str(scope) for scope in scopes]


def check_scopes(
    *, user: User, second_factor: bool, scopes: Iterable[str] | None
) -> list[str]:
    """The scopes a new token gets, in ``ApiScope`` order: ``scopes`` if given,
    else ``default_scopes``. Raises ``DomainError`` 422 ``ops_scope_not_allowed``
    when anyone but staff who passed a second factor asks for ``ops``."""
    if scopes is None:
        return default_scopes(user=user, second_factor=second_factor)
    chosen = {ApiScope(scope) for scope in scopes}
    if ApiScope.OPS in chosen and not (user.is_staff and second_factor):
        message = _(
            "Only operations staff signing in with their authenticator code may "
            "ask for the ops scope."
        )
        raise DomainError(
            "ops_scope_not_allowed", message, fields={"scopes": [message]}
        )
    return [str(scope) for scope in ApiScope if scope in chosen]


@transaction.atomic
def create_api_token(
    *,
    user: User,
    name: str,
    second_factor: bool = False,
    scopes: Iterable[str] | None = None,
) -> tuple[ApiToken, str]:
    """Issue a bearer token. Returns the row and the raw token, which is not stored.
    ``second_factor`` records that the holder also passed a TOTP code: only such
    a token can act as ops. ``scopes`` as ``check_scopes`` allows (and raises)."""
    chosen = check_scopes(user=user, second_factor=second_factor, scopes=scopes)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or _("API token"),
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        digest=ApiToken.digest_of(raw),
        expires_at=timezone.now()
        + timedelta(days=settings.DOORSTEP_API_TOKEN_TTL_DAYS),
        second_factor=second_factor,
        scopes=chosen,
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, user: User, token_id: str) -> ApiToken:
    token = (
        ApiToken.objects.select_for_update()
        .filter(user=user, public_id=token_id)
        .first()
    )
    if token is None:
        raise NotFound("token_not_found", _("No such token."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def authenticate_api_token(raw: str) -> ApiToken | None:
    """The usable token ``raw`` is, with its active user (``token.user``), or
    ``None``."""
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
    return token


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
    code = "".join(
        secrets.choice("0123456789") for _ in range(settings.PHONE_CODE_LENGTH)
    )
    phone_code = PhoneCode.objects.create(
        phone=phone,
        digest=_code_digest(phone, code),
        created_at=now,
        expires_at=now + PhoneCode.lifetime(),
    )
    message = _(
        "Your Doorstep code is %(code)s. It expires in %(minutes)d minutes."
    ) % {
        "code": code,
        "minutes": settings.PHONE_CODE_TTL_SECONDS // 60,
    }
    transaction.on_commit(lambda: send_sms(to=phone, body=message))
    return phone_code


def verify_phone_code(*, phone: str, code: str) -> User:
    """Exchange a code for the user with that phone number, creating the account
    on first sign-in. Every wrong guess is counted; the code dies at the limit.

    Raises ``DomainError`` (code ``invalid_code``, ``code_expired``,
    ``too_many_attempts``, ``account_inactive`` or ``ops_phone_sign_in``) and
    changes nothing else on failure.
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
        raise DomainError(
            "account_inactive", _("This account is not active."), status=403
        )
    if user.is_ops:
        # Ops accounts reach the back office, where money moves: a stolen SIM must
        # not be enough. They sign in with password and a second factor.
        raise PermissionDenied(
            "ops_phone_sign_in",
            _(
                "Operations staff cannot sign in with a phone code. Sign in "
                "with your email address and password instead."
            ),
        )
    return user


def _phone_code_error(
    phone_code: PhoneCode | None, phone: str, code: str
) -> DomainError | None:
    invalid = DomainError(
        "invalid_code",
        _("That code is not right. Check the SMS and try again."),
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
            fields={"code": [_("This code has expired. Request a new code.")]},
        )
    if not hmac.compare_digest(phone_code.digest, _code_digest(phone, code.strip())):
        phone_code.failed_attempts += 1
        phone_code.save(update_fields=["failed_attempts"])
        return invalid
    return None


# --- Leaving ----------------------------------------------------------------------

# What a closed provider's profile is called where orders and reviews still name
# it: stored as the display name, like any name a provider types.
DELETED_USER_NAME = "Deleted user"


@transaction.atomic
@raises("account_has_open_orders", "account_has_balance")
def delete_account(*, user: User) -> None:
    """Close an account: personal data is erased and sign-in disabled; the row stays
    so that orders, reviews and the ledger keep a party to point at.

    Refused (``Conflict``) while an app registered in ``accounts.lifecycle``
    names an obligation still open — orders under way, money to pay out; then
    nothing is erased. Every registered eraser runs in this transaction.
    """
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    User.objects.select_for_update().only("pk").get(pk=user.pk)
    problems = lifecycle.closure_problems(user=user)
    if problems:
        code, message = problems[0]
        raise Conflict(code, message)
    lifecycle.erase(user=user)
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    if user.phone:
        PhoneCode.objects.filter(phone=user.phone).delete()
    user.api_tokens.all().delete()
    user.addresses.all().delete()
    ProviderProfile.objects.filter(user=user).update(
        status=ProviderProfile.Status.SUSPENDED,
        display_name=DELETED_USER_NAME,
        bio="",
        address="",
        photo="",
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


# --- Model validation ---------------------------------------------------------------


def _full_clean(instance: models.Model, *, exclude: list[str]) -> None:
    """``full_clean`` that fails with the services' one error type (400, per field)."""
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        fields = (
            error.message_dict
            if hasattr(error, "error_dict")
            else {"__all__": error.messages}
        )
        raise DomainError(
            "invalid_input", _("Some fields are not valid."), status=400, fields=fields
        ) from error


# --- API sign-in --------------------------------------------------------------------


def issue_api_token(
    *,
    email: str,
    password: str,
    name: str = "",
    code: str = "",
    scopes: Iterable[str] | None = None,
    request: HttpRequest,
) -> tuple[ApiToken, str]:
    """Exchange an e-mail address and password — and, for an account with
    two-factor authentication, the current TOTP ``code`` — for a bearer token.

    Wrong passwords count against the same per-account limit as the web sign-in
    (allauth's ``login_failed`` in ``ACCOUNT_RATE_LIMITS``), and wrong codes
    against allauth's per-account limit for second factors: an account locked on
    one surface is locked on the other, even for the right password.

    Raises ``RateLimited`` 429 ``too_many_login_attempts``; ``DomainError`` 401
    ``invalid_credentials`` for a wrong pair or an inactive account (alike, so
    that the answer does not tell which accounts exist); ``PermissionDenied``
    ``mfa_required`` (no code sent), ``mfa_code_invalid``, ``mfa_setup_required``
    (ops staff without an authenticator: ops need a second factor) and
    ``email_unverified`` while verification is mandatory and the address is not
    confirmed yet.
    """
    from allauth.account.adapter import get_adapter
    from allauth.account.models import EmailAddress
    from allauth.mfa.utils import is_mfa_enabled

    try:
        # allauth's adapter, not Django's ``authenticate``: it keeps the lock-out.
        user = get_adapter(request).authenticate(
            request, email=email, password=password
        )
    except ValidationError as error:
        raise _too_many_attempts() from error
    if user is None or not user.is_active:
        raise DomainError(
            "invalid_credentials",
            _("The e-mail address or password is not right."),
            status=401,
        )
    second_factor = is_mfa_enabled(user)
    if second_factor:
        _check_totp_code(request, user, code)
    elif user.is_staff:
        raise PermissionDenied(
            "mfa_setup_required",
            _(
                "Operations staff need two-factor authentication for the API. "
                "Set up an authenticator app on the website first."
            ),
        )
    if (
        settings.ACCOUNT_EMAIL_VERIFICATION == "mandatory"
        and not EmailAddress.objects.filter(
            user=user, email__iexact=user.email, verified=True
        ).exists()
    ):
        raise PermissionDenied(
            "email_unverified",
            _("Confirm your e-mail address first: follow the link we sent you."),
        )
    return create_api_token(
        user=user, name=name, second_factor=second_factor, scopes=scopes
    )


def _too_many_attempts() -> RateLimited:
    return RateLimited(
        "too_many_login_attempts",
        _("Too many failed sign-in attempts. Try again later."),
    )


def _check_totp_code(request: HttpRequest, user: User, code: str) -> None:
    """Check ``code`` with allauth's own form: the same authenticators (TOTP or a
    recovery code), the same replay protection and per-account rate limit as
    the web's second step."""
    from allauth.core import context
    from allauth.mfa.base.forms import BaseAuthenticateForm

    if not (code or "").strip():
        raise PermissionDenied(
            "mfa_required",
            _(
                "This account uses two-factor authentication: send the code from "
                "your authenticator app as code."
            ),
            fields={"code": [_("Enter the code from your authenticator app.")]},
        )
    with context.request_context(request):
        form = BaseAuthenticateForm(data={"code": code.strip()}, user=user)
        valid = form.is_valid()
    if valid:
        return
    errors = [error.code for error in form.errors.as_data().get("code", [])]
    if "too_many_login_attempts" in errors:
        raise _too_many_attempts()
    raise PermissionDenied(
        "mfa_code_invalid",
        _("That code is not right. Check your authenticator app and try again."),
        fields={"code": [_("That code is not right.")]},
    )


def issue_api_token_for_phone(
    *, phone: str, code: str, name: str = "", scopes: Iterable[str] | None = None
) -> tuple[ApiToken, str]:
    """Exchange a phone sign-in code for a bearer token; raises what
    ``verify_phone_code`` raises. Deliberately not one transaction: a wrong guess
    is committed by ``verify_phone_code`` and must stay counted."""
    user = verify_phone_code(phone=phone, code=code)
    return create_api_token(user=user, name=name or _("Phone sign-in"), scopes=scopes)


def close_account(*, user: User, password: str | None) -> None:
    """``delete_account`` asked for by the account holder. An account with a
    password must give it again, so a stolen session or token cannot close it.

    Raises ``DomainError`` 422 ``password_required`` or 403 ``password_incorrect``.
    """
    if user.has_usable_password():
        if not password:
            message = _("Enter your password to close your account.")
            raise DomainError(
                "password_required", message, fields={"password": [message]}
            )
        if not user.check_password(password):
            message = _("That password is not right.")
            raise PermissionDenied(
                "password_incorrect", message, fields={"password": [message]}
            )
    delete_account(user=user)


# --- Saved addresses ----------------------------------------------------------------

MAX_SAVED_ADDRESSES = 20
ADDRESS_FIELDS = {"label", "address", "latitude", "longitude", "is_default"}


def _lock_addresses_of(user: User) -> None:
    # Locking the user row serialises every change to their addresses, so two
    # requests cannot both make an address the default (or both pass the limit).
    User.objects.select_for_update().only("pk").get(pk=user.pk)


@transaction.atomic
def add_address(
    *,
    user: User,
    label: str,
    address: str,
    latitude: float,
    longitude: float,
    is_default: bool = False,
) -> SavedAddress:
    """Save a place the user books services at. The first one becomes the default;
    a new default replaces the old one. Raises ``DomainError`` 422
    ``too_many_addresses`` past ``MAX_SAVED_ADDRESSES``."""
    _lock_addresses_of(user)
    count = SavedAddress.objects.filter(user=user).count()
    if count >= MAX_SAVED_ADDRESSES:
        raise DomainError(
            "too_many_addresses",
            _("You can save at most %(limit)d addresses. Remove one first.")
            % {"limit": MAX_SAVED_ADDRESSES},
        )
    saved = SavedAddress(
        user=user,
        label=label.strip(),
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
        is_default=is_default or count == 0,
    )
    _full_clean(saved, exclude=["user", "is_default"])
    if saved.is_default:
        SavedAddress.objects.filter(user=user, is_default=True).update(is_default=False)
    saved.save()
    return saved


@transaction.atomic
def update_address(*, user: User, address_id: str, **changes: object) -> SavedAddress:
    """Change a saved address of ``user``; ``NotFound`` if it is not theirs."""
    unknown = set(changes) - ADDRESS_FIELDS
    if unknown:
        raise DomainError(
            "unknown_field",
            _("These fields cannot be changed."),
            status=400,
            fields={field: [_("Unknown field.")] for field in unknown},
        )
    _lock_addresses_of(user)
    saved = SavedAddress.objects.filter(user=user, public_id=address_id).first()
    if saved is None:
        raise NotFound("address_not_found", _("No such address."))
    for field, value in changes.items():
        setattr(saved, field, value)
    _full_clean(saved, exclude=["user", "is_default"])
    if changes.get("is_default"):
        SavedAddress.objects.filter(user=user, is_default=True).exclude(
            pk=saved.pk
        ).update(is_default=False)
    saved.save(update_fields=[*changes])
    return saved


@transaction.atomic
def remove_address(*, user: User, address_id: str) -> None:
    """Delete a saved address of ``user``; ``NotFound`` if it is not theirs. When
    the default goes, the newest remaining address becomes the default."""
    _lock_addresses_of(user)
    saved = SavedAddress.objects.filter(user=user, public_id=address_id).first()
    if saved is None:
        raise NotFound("address_not_found", _("No such address."))
    saved.delete()
    if saved.is_default:
        remaining = SavedAddress.objects.filter(user=user)
        successor = remaining.order_by("-created_at", "-pk").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])
