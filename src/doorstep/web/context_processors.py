"""Values every page's layout needs."""

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {"site_name": settings.DOORSTEP_SITE_NAME}
