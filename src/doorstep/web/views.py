"""Pages that belong to no single domain app: home and error pages. The search
page is in ``doorstep.search.views``."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import i18n
from django.views.decorators.http import require_GET, require_POST

from doorstep.accounts.services import update_profile
from doorstep.catalog.queries import category_tree
from doorstep.recommendations.queries import customer_point, recommended_for
from doorstep.reviews.queries import home_testimonials


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {"categories": category_tree(), "testimonials": home_testimonials()}
    if request.user.is_authenticated:
        context["for_you"] = recommended_for(
            customer=request.user, point=customer_point(request.user)
        )
    return render(request, "web/home.html", context)


def rate_limited(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    """django-ratelimit's ``RATELIMIT_VIEW``: a friendly 429 page."""
    return render(request, "web/rate_limited.html", status=429)


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also saves the choice on a signed-in
    person's profile: notifications and e-mails are written in the saved
    language, so a choice kept only in a cookie would leave them in English."""
    response = i18n.set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and language != user.language
    ):
        update_profile(user=user, language=language)
    return response
