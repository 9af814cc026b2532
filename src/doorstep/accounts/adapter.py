"""How allauth fits Doorstep's user model and roles."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest, HttpResponse


class AccountAdapter(DefaultAccountAdapter):
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
