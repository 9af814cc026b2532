"""Per-IP limits for the endpoints anyone can call without signing in."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import _get_ip as get_ip
from django_ratelimit.core import is_ratelimited

from doorstep.core.errors import RateLimited


def _ip_key(group: str, request: HttpRequest) -> str:
    """The client's address as django-ratelimit reads it, or one shared bucket
    when the server passed none (a unix socket without
    ``RATELIMIT_IP_META_KEY``, a bare WSGI client): a limit, never a crash."""
    if getattr(settings, "RATELIMIT_IP_META_KEY", None) or request.META.get(
        "REMOTE_ADDR"
    ):
        return get_ip(request)
    return "unknown-address"


def limit_per_ip(request: HttpRequest, *, name: str) -> None:
    """Count this request against ``settings.DOORSTEP_RATE_LIMITS[name]`` for the
    client's IP address and raise ``RateLimited`` (429) once it is over.

    Counts live in the cache, so the limit holds across processes when the cache
    is shared (Redis). ``settings.RATELIMIT_ENABLE = False`` turns limits off.
    """
    if is_ratelimited(
        request,
        group=f"doorstep.api.{name}",
        key=_ip_key,
        rate=settings.DOORSTEP_RATE_LIMITS[name],
        increment=True,
    ):
        raise RateLimited(
            "rate_limited", _("Too many requests. Please wait a little and try again.")
        )
