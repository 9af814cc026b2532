"""Per-IP limits for the endpoints anyone can call without signing in."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from doorstep.core.errors import RateLimited


def limit_per_ip(request: HttpRequest, *, name: str) -> None:
    """Count this request against ``settings.DOORSTEP_RATE_LIMITS[name]`` for the
    client's IP address and raise ``RateLimited`` (429) once it is over.

    Counts live in the cache, so the limit holds across processes when the cache
    is shared (Redis). ``settings.RATELIMIT_ENABLE = False`` turns limits off.
    """
    if is_ratelimited(
        request,
        group=f"doorstep.api.{name}",
        key="ip",
        rate=settings.DOORSTEP_RATE_LIMITS[name],
        increment=True,
    ):
        raise RateLimited(
            "rate_limited", _("Too many requests. Please wait a little and try again.")
        )
