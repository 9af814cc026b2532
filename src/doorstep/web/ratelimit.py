"""Per-IP limits for pages anyone can load, with django-ratelimit's decorator.

Limits are named in ``settings.DOORSTEP_RATE_LIMITS``; over the limit, the
decorator (``block=True``) shows ``RATELIMIT_VIEW``, a friendly 429 page. The API
has its own helper that answers with a problem (``doorstep.api.ratelimit``).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest


def rate_setting(name: str) -> Callable[[str, HttpRequest], str]:
    """A rate django-ratelimit reads per request, so settings are not read at
    import time and tests can change them."""

    def rate(group: str, request: HttpRequest) -> str:
        return settings.DOORSTEP_RATE_LIMITS[name]

    return rate
