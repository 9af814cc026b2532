"""How allauth fits Doorstep's user model and roles, and how its e-mails read."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from doorstep.accounts.models import User
from doorstep.marketplace.queries import site_name


@dataclass(frozen=True)
class SiteIdentity:
    """What allauth's templates call ``current_site``: the marketplace's name and
    public host, never the host a request happened to come through."""

    name: str
    domain: str


def site_identity() -> SiteIdentity:
    domain = urlsplit(settings.DOORSTEP_BASE_URL).netloc or settings.DOORSTEP_BASE_URL
    return SiteIdentity(name=site_name(), domain=domain)


def recipient_language(email: str, fallback: str | None) -> str:
    """The language saved on the account that owns ``email`` (someone who has
    none yet — a reset for an unknown address — gets the page's language)."""
    user = (
        User.objects.filter(emailaddress__email__iexact=email).first()
        or User.objects.filter(email__iexact=email).first()
    )
    languages = dict(settings.LANGUAGES)
    if user is not None and user.language in languages:
        return user.language
    return fallback if fallback in languages else settings.LANGUAGE_CODE


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The client's address for allauth's rate limits; a request that came
        without one (a unix socket, a bare WSGI client) shares one bucket, as
        ``api.ratelimit`` does: a limit, never a 403 that says nothing."""
        try:
            return super().get_client_ip(request)
        except PermissionDenied:
            return "unknown-address"

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        """New accounts keep the language the person signed up in."""
        user = super().save_user(request, user, form, commit=False)
        user.language = getattr(request, "LANGUAGE_CODE", None) or user.language
        if commit:
            user.save()
        return user

    def post_login(self, request: HttpRequest, user, **kwargs: Any) -> HttpResponse:
        """After any sign-in, the site speaks the language saved in the profile,
        whichever device or browser the person uses."""
        response = super().post_login(request, user, **kwargs)
        if user.language in dict(settings.LANGUAGES):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE or "Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def format_email_subject(self, subject: str) -> str:
        return f"[{site_name()}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context_: dict) -> None:
        """Every account e-mail in the recipient's saved language, naming the
        site by the operator's name for it (allauth would say "Hello from" the
        request's host)."""
        request = context.request
        language = recipient_language(email, translation.get_language())
        values = {"request": request, "email": email, "current_site": site_identity()}
        values.update(context_)
        values["current_site"] = site_identity()
        with translation.override(language):
            message = self.render_mail(template_prefix, email, values)
        message.send()


class MFAAdapter(DefaultMFAAdapter):
    def get_totp_issuer(self) -> str:
        """Authenticator apps list the code under the marketplace's current
        name (the operator's setting), not the one it had at deploy."""
        return site_name()
