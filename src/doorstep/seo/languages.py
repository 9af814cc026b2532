"""The site's languages as URLs: ``?lang=<code>`` (see the package docstring)."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import to_locale

LANGUAGE_PARAM = "lang"


def language_codes() -> list[str]:
    """Django's codes of the languages the site is served in (``zh-hans``)."""
    return [code for code, _name in settings.LANGUAGES]


def supported_language(value: str | None) -> str | None:
    """The Django code ``value`` names (in any case), or ``None``."""
    if not value:
        return None
    value = value.strip().lower()
    return value if value in language_codes() else None


def hreflang(code: str) -> str:
    """The BCP 47 tag of a Django language code: ``zh-hans`` → ``zh-Hans``."""
    return to_locale(code).replace("_", "-")


def with_language(url: str, code: str | None) -> str:
    """``url`` with its ``lang`` parameter set to ``code`` (removed for ``None``),
    other parameters kept in order."""
    parts = urlsplit(url)
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key != LANGUAGE_PARAM
    ]
    if code:
        query.append((LANGUAGE_PARAM, code))
    return urlunsplit(parts._replace(query=urlencode(query)))
