"""A page in the language its URL names: ``?lang=zh-hant`` (see the package
docstring for why a parameter and not a prefix)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from doorstep.seo.languages import LANGUAGE_PARAM, supported_language


class QueryLanguageMiddleware:
    """Activates a supported ``lang`` query parameter for this response only.

    Runs after ``LocaleMiddleware``, which chose from the cookie and
    ``Accept-Language``; it then sets ``Content-Language`` from the active
    language on the way out. Nothing is stored: no cookie, no profile change.
    An unknown ``lang`` is ignored."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = supported_language(request.GET.get(LANGUAGE_PARAM))
        if language is not None:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
