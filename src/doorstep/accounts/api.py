"""The accounts API: sign-up, tokens, phone sign-in, the caller's profile, their
provider side and saved addresses. Handlers parse, call one service, shape output."""

from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY, logout
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate

from doorstep.accounts import lifecycle, services
from doorstep.accounts.models import ApiToken, ProviderProfile, SavedAddress, User
from doorstep.accounts.schemas import (
    AccountDeleteIn,
    AddressIn,
    AddressOut,
    AddressPatchIn,
    PhoneCodeIn,
    PhoneCodeSentOut,
    PhoneVerifyIn,
    ProviderProfileIn,
    ProviderProfileOut,
    ProviderProfilePatchIn,
    SignUpIn,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
    UserOut,
    UserPatchIn,
)
from doorstep.api.pagination import CursorPagination
from doorstep.api.ratelimit import limit_per_ip
from doorstep.core.errors import NotFound

router = Router(tags=["accounts"])


def _token_created(token: ApiToken, raw: str) -> TokenCreatedOut:
    return TokenCreatedOut(token=raw, **TokenOut.from_orm(token).model_dump())


def _caller(request: HttpRequest) -> User:
    # ``request.auth`` is set by whichever of session or bearer token succeeded.
    return request.auth  # type: ignore[attr-defined,return-value]


def _own_provider_profile(request: HttpRequest) -> ProviderProfile:
    profile = ProviderProfile.objects.filter(user=_caller(request)).first()
    if profile is None:
        raise NotFound("not_a_provider", _("You are not a provider yet."))
    return profile


# --- Sign-up and tokens (anonymous) -----------------------------------------------


@router.post(
    "/auth/signup",
    auth=None,
    response={201: UserOut},
    summary="Create an account",
    description="Creates a customer account and sends the e-mail verification link.",
)
def sign_up(request: HttpRequest, payload: SignUpIn) -> User:
    limit_per_ip(request, name="api_signup_per_ip")
    user = services.sign_up(
        email=payload.email,
        password=payload.password,
        name=payload.name,
        language=payload.language,
    )
    lifecycle.signed_up(user=user, request=request)
    # allauth builds the link from the request, so the mail goes from here, after
    # the service's transaction has committed.
    EmailAddress.objects.get(user=user, primary=True).send_confirmation(
        request, signup=True
    )
    return user


@router.post(
    "/auth/tokens",
    auth=None,
    response={201: TokenCreatedOut},
    summary="Get a bearer token with e-mail and password",
    description=(
        "An account with two-factor authentication also sends the current code "
        "of its authenticator app as `code`; only such a token can use the ops "
        "endpoints. Wrong passwords count against the same per-account limit "
        "as the website's sign-in (429 `too_many_login_attempts`)."
    ),
)
def create_token(request: HttpRequest, payload: TokenIn) -> TokenCreatedOut:
    limit_per_ip(request, name="api_token_per_ip")
    token, raw = services.issue_api_token(
        email=payload.email,
        password=payload.password,
        name=payload.name,
        code=payload.code,
        scopes=payload.scopes,
        request=request,
    )
    return _token_created(token, raw)


@router.post(
    "/auth/phone/code",
    auth=None,
    response={202: PhoneCodeSentOut},
    summary="Text a sign-in code to a phone",
)
def request_phone_code(request: HttpRequest, payload: PhoneCodeIn) -> PhoneCodeSentOut:
    limit_per_ip(request, name="phone_code_per_ip")
    phone = services.normalize_phone(payload.phone)
    phone_code = services.request_phone_code(phone=phone)
    return PhoneCodeSentOut(phone=phone, expires_at=phone_code.expires_at)


@router.post(
    "/auth/phone/verify",
    auth=None,
    response={200: TokenCreatedOut},
    summary="Exchange a phone sign-in code for a bearer token",
    description="Creates the account on the first sign-in with a number.",
)
def verify_phone_code(request: HttpRequest, payload: PhoneVerifyIn) -> TokenCreatedOut:
    limit_per_ip(request, name="phone_verify_per_ip")
    token, raw = services.issue_api_token_for_phone(
        phone=services.normalize_phone(payload.phone),
        code=payload.code,
        name=payload.token_name,
        scopes=payload.scopes,
    )
    return _token_created(token, raw)


@router.get("/auth/tokens", response=list[TokenOut], summary="List your API tokens")
@paginate(CursorPagination)
def list_tokens(request: HttpRequest) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=_caller(request), revoked_at__isnull=True)


@router.delete(
    "/auth/tokens/{token_id}",
    response={204: None},
    summary="Revoke an API token",
)
def revoke_token(request: HttpRequest, token_id: str) -> None:
    services.revoke_api_token(user=_caller(request), token_id=token_id)


# --- The caller -------------------------------------------------------------------


@router.get("/me", response=UserOut, summary="Your account")
def get_me(request: HttpRequest) -> User:
    return _caller(request)


@router.patch(
    "/me", response=UserOut, summary="Change your name, language or time zone"
)
def update_me(request: HttpRequest, payload: UserPatchIn) -> User:
    return services.update_profile(
        user=_caller(request), **payload.model_dump(exclude_unset=True)
    )


@router.delete(
    "/me",
    response={204: None},
    summary="Close your account",
    description=(
        "Erases your personal data and signs you out everywhere. Send "
        '`{"password": …}` when your account has a password.'
    ),
)
def delete_me(request: HttpRequest, payload: AccountDeleteIn | None = None) -> None:
    user = _caller(request)
    services.close_account(user=user, password=payload.password if payload else None)
    # Sign this browser out now rather than leave a session of a closed account.
    if request.session.get(SESSION_KEY) == str(user.pk):
        logout(request)


# --- Provider profile -------------------------------------------------------------


@router.post(
    "/me/provider",
    response={201: ProviderProfileOut},
    summary="Become a provider",
)
def become_provider(
    request: HttpRequest, payload: ProviderProfileIn
) -> ProviderProfile:
    return services.become_provider(user=_caller(request), **payload.model_dump())


@router.get(
    "/me/provider", response=ProviderProfileOut, summary="Your provider profile"
)
def get_provider_profile(request: HttpRequest) -> ProviderProfile:
    return _own_provider_profile(request)


@router.patch(
    "/me/provider", response=ProviderProfileOut, summary="Change your provider profile"
)
def update_provider_profile(
    request: HttpRequest, payload: ProviderProfilePatchIn
) -> ProviderProfile:
    return services.update_provider_profile(
        profile=_own_provider_profile(request),
        **payload.model_dump(exclude_unset=True),
    )


# --- Saved addresses --------------------------------------------------------------


@router.get("/me/addresses", response=list[AddressOut], summary="Your saved addresses")
@paginate(CursorPagination)
def list_addresses(request: HttpRequest) -> QuerySet[SavedAddress]:
    return SavedAddress.objects.filter(user=_caller(request))


@router.post("/me/addresses", response={201: AddressOut}, summary="Save an address")
def add_address(request: HttpRequest, payload: AddressIn) -> SavedAddress:
    return services.add_address(user=_caller(request), **payload.model_dump())


@router.patch(
    "/me/addresses/{address_id}", response=AddressOut, summary="Change a saved address"
)
def update_address(
    request: HttpRequest, address_id: str, payload: AddressPatchIn
) -> SavedAddress:
    return services.update_address(
        user=_caller(request),
        address_id=address_id,
        **payload.model_dump(exclude_unset=True),
    )


@router.delete(
    "/me/addresses/{address_id}",
    response={204: None},
    summary="Remove a saved address",
)
def remove_address(request: HttpRequest, address_id: str) -> None:
    services.remove_address(user=_caller(request), address_id=address_id)
