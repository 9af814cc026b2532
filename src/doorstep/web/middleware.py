"""Every page in the signed-in person's own time zone.

Django renders datetimes in the *current* time zone (``TIME_ZONE``, UTC, unless
one is activated). A person's receipts, wallet and notifications should read in
the zone they chose on their profile; times that belong to a place (a job's
start) are still shown in that place's zone with ``{% timezone %}``.
"""

from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse
from django.utils import timezone


def viewer_zone(user) -> ZoneInfo | None:
    """The zone ``user`` reads times in, or ``None`` for the site's default."""
    name = getattr(user, "time_zone", "") if user.is_authenticated else ""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


class ViewerTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        zone = viewer_zone(request.user)
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
