"""The head of every page: canonical and hreflang links; and JSON-LD blocks.

``{% seo_links %}`` (in the base template) links the page's language versions
(see the package docstring). The canonical URL is the page's path without its
query string, or ``canonical_url`` when the view gives one, plus ``?lang=`` when
the URL asked for a language: each language version is canonical for itself.
Search pages with filters are thus canonicalised to the bare search page; the
indexable lists by category are the landing pages.
"""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.template.context import Context
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from doorstep.seo import structured_data
from doorstep.seo.languages import (
    LANGUAGE_PARAM,
    hreflang,
    language_codes,
    supported_language,
    with_language,
)

register = template.Library()

# What would end a <script> element early or start markup, as JSON escapes.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.simple_tag(takes_context=True)
def seo_links(context: Context) -> SafeString:
    request = context.get("request")
    if request is None:
        return SafeString("")
    base = context.get("canonical_url") or request.build_absolute_uri(request.path)
    base = with_language(base, None)
    language = supported_language(request.GET.get(LANGUAGE_PARAM))
    canonical = with_language(base, language)
    alternates = [
        (hreflang(code), with_language(base, code)) for code in language_codes()
    ]
    alternates.append(("x-default", base))
    return format_html(
        '<link rel="canonical" href="{}">\n  {}',
        canonical,
        format_html_join(
            "\n  ",
            '<link rel="alternate" hreflang="{}" href="{}">',
            alternates,
        ),
    )


@register.simple_tag
def json_ld(data: dict | None) -> SafeString:
    """A ``<script type="application/ld+json">`` block (nothing for ``None``)."""
    if not data:
        return SafeString("")
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return mark_safe(  # noqa: S308 - escaped for a script element above
        f'<script type="application/ld+json">{text.translate(_SCRIPT_ESCAPES)}</script>'
    )


@register.simple_tag(takes_context=True)
def listing_json_ld(context: Context, listing) -> SafeString:
    return json_ld(structured_data.service(context["request"], listing))


@register.simple_tag(takes_context=True)
def provider_json_ld(context: Context, provider) -> SafeString:
    return json_ld(structured_data.local_business(context["request"], provider))
