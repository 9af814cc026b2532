"""Pages that belong to no single domain app: home and error pages. The search
page is in ``doorstep.search.views``."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from doorstep.catalog.queries import category_tree


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"categories": category_tree()})


def rate_limited(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    """django-ratelimit's ``RATELIMIT_VIEW``: a friendly 429 page."""
    return render(request, "web/rate_limited.html", status=429)
