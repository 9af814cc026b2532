"""Who is calling: a browser session (with CSRF) or a personal bearer token."""

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from doorstep.accounts.services import authenticate_api_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = authenticate_api_token(token)
        if user is not None:
            request.user = user
        return user


class ActiveSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


signed_in = [BearerToken(), ActiveSession()]
