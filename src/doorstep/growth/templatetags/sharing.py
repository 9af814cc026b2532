"""``{% share_buttons url text %}``: copy link, WhatsApp, LINE, Telegram, e-mail
and a QR code for WeChat — plain links and an inline SVG, no third-party script.

``url`` may be a path: it is made absolute from the request (or from
``DOORSTEP_BASE_URL`` where a template has no request), since the link is
opened on someone else's phone. A signed-in person's links carry their
referral code (``?ref=``): a friend who joins through any page they share is
their referral, and a shared review earns its author points when someone
else opens it (``growth.visitors``).
"""

from django import template
from django.conf import settings
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from doorstep.growth.sharing import og_locale, qr_svg, share_links

register = template.Library()


def absolute(url: str, request=None) -> str:
    if url.startswith(("http://", "https://")):
        return url
    if request is not None:
        return request.build_absolute_uri(url)
    return settings.DOORSTEP_BASE_URL.rstrip("/") + "/" + url.lstrip("/")


def with_referral(url: str, request) -> str:
    """``url`` with the signed-in sharer's referral code, when they have one."""
    from doorstep.growth.models import ReferralCode

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or "ref=" in url or "/r/" in url:
        return url
    code = ReferralCode.objects.filter(user=user).values_list("code", flat=True).first()
    if not code:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'ref': code})}"


@register.inclusion_tag("growth/_share.html", takes_context=True)
def share_buttons(context: template.Context, url: str, text: str = "") -> dict:
    request = context.get("request")
    url = with_referral(absolute(str(url), request), request)
    text = str(text)
    return {
        "links": share_links(url=url, text=text),
        # segno escapes the title and writes only numbers and path commands.
        "qr": mark_safe(qr_svg(url, title=_("QR code of this page's link"))),  # noqa: S308
    }


@register.filter(name="og_locale")
def og_locale_filter(language: str) -> str:
    """``{{ LANGUAGE_CODE|og_locale }}``: en → en_US, zh-hans → zh_CN."""
    return og_locale(language)
