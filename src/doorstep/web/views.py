"""Pages that belong to no single domain app: home, search, error pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from doorstep.catalog.queries import category_tree

# Longer input is cut: the query is only echoed until search lands.
MAX_QUERY_LENGTH = 200


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"categories": category_tree()})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """A placeholder until the search issue: it echoes the query back."""
    context = {
        "query": request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH],
        "location": request.GET.get("location", "").strip()[:MAX_QUERY_LENGTH],
    }
    return render(request, "web/search.html", context)


def rate_limited(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    """django-ratelimit's ``RATELIMIT_VIEW``: a friendly 429 page."""
    return render(request, "web/rate_limited.html", status=429)
