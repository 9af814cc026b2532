"""Account pages Doorstep adds around allauth's: phone sign-in, the profile, the
provider profile and closing an account. Each view parses a form, calls one
service and renders or redirects; the rules live in ``services.py``."""

from allauth.account.app_settings import EmailVerificationMethod
from allauth.account.internal.flows.login import record_authentication
from allauth.account.utils import perform_login
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from doorstep.accounts import services
from doorstep.accounts.forms import (
    DeleteAccountForm,
    PhoneCodeForm,
    PhoneForm,
    ProfileForm,
    ProviderProfileForm,
    SavedAddressForm,
)
from doorstep.accounts.models import ProviderProfile, SavedAddress
from doorstep.core.errors import DomainError, NotFound
from doorstep.marketplace.queries import cities
from doorstep.web.forms import add_service_error
from doorstep.web.ratelimit import rate_setting

# The phone number (and where to go afterwards) between "send me a code" and
# "here is the code". Kept server-side: the number is never in a URL.
PHONE_LOGIN_SESSION_KEY = "doorstep_phone_login"


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


# --- Phone sign-in ------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=rate_setting("phone_code_per_ip"), method="POST", block=True)
def phone_login(request: HttpRequest) -> HttpResponse:
    """Step 1: the customer types a phone number; we text a code."""
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = PhoneForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            phone = services.normalize_phone(form.cleaned_data["phone"])
            services.request_phone_code(phone=phone)
        except DomainError as error:
            add_service_error(form, error)
        else:
            request.session[PHONE_LOGIN_SESSION_KEY] = {
                "phone": phone,
                "next": _safe_next(request),
            }
            return redirect("accounts:phone_verify")
    return render(
        request,
        "accounts/phone_login.html",
        {"form": form, "next": _safe_next(request)},
    )


@require_http_methods(["GET", "POST"])
@ratelimit(
    key="ip", rate=rate_setting("phone_verify_per_ip"), method="POST", block=True
)
def phone_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the code from the SMS signs the customer in (through allauth, so
    two-factor authentication still applies)."""
    pending = request.session.get(PHONE_LOGIN_SESSION_KEY)
    if not pending:
        messages.info(request, _("Enter your phone number to get a sign-in code."))
        return redirect("accounts:phone_login")
    form = PhoneCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.verify_phone_code(
                phone=pending["phone"], code=form.cleaned_data["code"]
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            del request.session[PHONE_LOGIN_SESSION_KEY]
            # Recorded as allauth records its own sign-in codes, so allauth (and
            # the back office) know how this session was authenticated.
            record_authentication(request, user, method="code", phone=pending["phone"])
            return perform_login(
                request,
                user,
                email_verification=EmailVerificationMethod.NONE,
                redirect_url=pending.get("next"),
            )
    return render(
        request,
        "accounts/phone_verify.html",
        {"form": form, "phone": pending["phone"]},
    )


# --- Profile ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        initial={
            "name": user.name,
            "language": user.language,
            "time_zone": user.time_zone,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=user, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            user.refresh_from_db()  # the service set the refused values on it
            add_service_error(form, error)
        else:
            # The saved language becomes the interface language right away.
            with translation.override(user.language):
                messages.success(request, _("Your profile is saved."))
            response = redirect("accounts:profile")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
            return response
    return render(request, "accounts/profile.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def provider_profile(request: HttpRequest) -> HttpResponse:
    """Become a provider, or edit the provider profile once there is one."""
    user = request.user
    provider = ProviderProfile.objects.filter(user=user).first()
    if provider is None:
        initial = {
            "display_name": user.name,
            "languages": [user.language],
            "time_zone": user.time_zone,
        }
    else:
        initial = {
            field: getattr(provider, field) for field in ProviderProfileForm.base_fields
        }
    form = ProviderProfileForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            if provider is None:
                services.become_provider(user=user, **form.cleaned_data)
            else:
                services.update_provider_profile(profile=provider, **form.cleaned_data)
        except (DomainError, ValidationError) as error:
            add_service_error(form, error)
        else:
            if provider is None:
                messages.success(request, _("Welcome aboard! You are now a provider."))
            else:
                messages.success(request, _("Your provider profile is saved."))
            return redirect("accounts:provider")
    return render(
        request, "accounts/provider_profile.html", {"form": form, "provider": provider}
    )


# --- Leaving ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeleteAccountForm(
        request.POST if request.method == "POST" else None, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_account(user=request.user)
        except DomainError as error:
            add_service_error(form, error)
        else:
            logout(request)
            messages.success(
                request, _("Your account is deleted. We are sorry to see you go.")
            )
            return redirect("web:home")
    return render(
        request,
        "accounts/delete_account.html",
        {"form": form, "cancel_url": reverse("accounts:profile")},
    )


# --- Saved addresses ----------------------------------------------------------------


def _own_address(user, address_id: str) -> SavedAddress:
    address = SavedAddress.objects.filter(user=user, public_id=address_id).first()
    if address is None:
        raise Http404
    return address


def _first_city_centre() -> dict[str, float] | None:
    """Where a new address's pin starts: the first city served."""
    city = next(iter(cities()), None)
    return {"lat": city.latitude, "lng": city.longitude} if city else None


def _addresses_page(request: HttpRequest, form: SavedAddressForm, *, status=200):
    context = {
        "addresses": SavedAddress.objects.filter(user=request.user),
        "form": form,
        "map_tile_url": settings.DOORSTEP_MAP_TILE_URL,
        "map_attribution": settings.DOORSTEP_MAP_ATTRIBUTION,
        "default_point": _first_city_centre(),
    }
    return render(request, "accounts/addresses.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def addresses(request: HttpRequest) -> HttpResponse:
    """The places the person books services at, and a form to add one."""
    form = SavedAddressForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.add_address(user=request.user, **form.cleaned_data)
            except (DomainError, ValidationError) as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Address saved."))
                return redirect("accounts:addresses")
        return _addresses_page(request, form, status=400)
    return _addresses_page(request, form)


@login_required
@require_http_methods(["GET", "POST"])
def address_edit(request: HttpRequest, address_id: str) -> HttpResponse:
    """Rename an address or move its pin."""
    address = _own_address(request.user, address_id)
    if request.method == "POST":
        form = SavedAddressForm(request.POST)
        if form.is_valid():
            try:
                services.update_address(
                    user=request.user, address_id=address_id, **form.cleaned_data
                )
            except (DomainError, ValidationError) as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Address saved."))
                return redirect("accounts:addresses")
        status = 400
    else:
        form = SavedAddressForm(
            initial={
                "label": address.label,
                "address": address.address,
                "latitude": address.latitude,
                "longitude": address.longitude,
            }
        )
        status = 200
    context = {
        "address": address,
        "form": form,
        "map_tile_url": settings.DOORSTEP_MAP_TILE_URL,
        "map_attribution": settings.DOORSTEP_MAP_ATTRIBUTION,
    }
    return render(request, "accounts/address_edit.html", context, status=status)


@login_required
@require_POST
def address_default(request: HttpRequest, address_id: str) -> HttpResponse:
    try:
        services.update_address(
            user=request.user, address_id=address_id, is_default=True
        )
    except NotFound as error:
        raise Http404 from error
    messages.success(request, _("Default address changed."))
    return redirect("accounts:addresses")


@login_required
@require_POST
def address_delete(request: HttpRequest, address_id: str) -> HttpResponse:
    try:
        services.remove_address(user=request.user, address_id=address_id)
    except NotFound as error:
        raise Http404 from error
    messages.success(request, _("Address removed."))
    return redirect("accounts:addresses")
