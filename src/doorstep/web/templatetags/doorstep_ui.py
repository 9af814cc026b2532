"""Template helpers for the shared UI: icons from the sprite, and how money,
distances, ratings and durations read to people in each language."""

from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, get_language_info, ngettext
from django.utils.translation import gettext as _

from doorstep.core.money import Money
from doorstep.marketplace.queries import cities

register = template.Library()

# Symbols in static/web/icons.svg that a category may name, with the synonyms
# operators are likely to type in the back office.
CATEGORY_ICONS = {
    "cleaning": "cleaning",
    "broom": "cleaning",
    "spray": "cleaning",
    "sparkles": "cleaning",
    "home-cleaning": "cleaning",
    "repair": "repair",
    "repairs": "repair",
    "wrench": "repair",
    "tools": "repair",
    "hammer": "repair",
    "appliance": "repair",
    "appliance-repair": "repair",
    "handyman": "repair",
    "beauty": "beauty",
    "scissors": "beauty",
    "hair": "beauty",
    "tutoring": "tutoring",
    "book": "tutoring",
    "education": "tutoring",
    "lessons": "tutoring",
    "massage": "massage",
    "spa": "massage",
    "wellness": "massage",
    "pets": "pets",
    "pet": "pets",
    "pet-care": "pets",
    "paw": "pets",
    "photography": "photography",
    "camera": "photography",
    "moving": "moving",
    "truck": "moving",
    "delivery": "moving",
    "plumbing": "plumbing",
    "droplet": "plumbing",
    "water": "plumbing",
    "electrical": "electrical",
    "bolt": "electrical",
    "electrician": "electrical",
    "gardening": "gardening",
    "garden": "gardening",
    "leaf": "gardening",
    "consulting": "consulting",
    "chat": "consulting",
    "briefcase": "consulting",
    "health": "health",
    "heart": "health",
    "care": "health",
    "elderly-care": "health",
    "car": "car",
    "auto": "car",
    "music": "music",
    "childcare": "childcare",
    "baby": "childcare",
}
DEFAULT_CATEGORY_ICON = "service"


@register.filter
def category_icon(name: str) -> str:
    """The sprite symbol for a category's icon slug (a generic one if unknown)."""
    name = (name or "").strip().lower()
    if name in CATEGORY_ICONS:
        return CATEGORY_ICONS[name]
    # A slug such as "deep-cleaning" finds the symbol of one of its words.
    for word in name.split("-"):
        if word in CATEGORY_ICONS:
            return CATEGORY_ICONS[word]
    return DEFAULT_CATEGORY_ICON


@register.simple_tag
def icon(name: str, css_class: str = "") -> str:
    """A decorative icon from the sprite; screen readers skip it."""
    return _icon(name, css_class)


# A page draws dozens of icons, each asking the static files storage for the
# sprite's hashed URL; the markup only changes with the static settings.
@lru_cache(maxsize=1024)
def _icon(name: str, css_class: str) -> str:
    classes = f"icon {css_class}".strip()
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false">'
        '<use href="{}#{}"></use></svg>',
        classes,
        static("web/icons.svg"),
        name,
    )


@receiver(setting_changed)
def _forget_icons(*, setting: str, **kwargs: object) -> None:
    if setting in {"STATIC_URL", "STORAGES", "STATIC_ROOT"}:
        _icon.cache_clear()


# --- Money, distance, reputation, time ---------------------------------------------


@register.filter
def money(value: Money | None) -> str:
    """An amount in the active language's currency format: ¥300.00, US$45.00."""
    if value is None:
        return ""
    return value.format(get_language() or "en")


@register.filter
def price_label(offer: object) -> SafeString:
    """What a listing or search hit costs, with its unit: "From ¥300.00",
    "¥80.00 / hour" or "On quote". The amount is wrapped in <strong>."""
    price = getattr(offer, "price", None)
    pricing_model = getattr(offer, "pricing_model", "")
    if price is None or pricing_model == "quote":
        return format_html("<strong>{}</strong>", _("On quote"))
    amount = format_html("<strong>{}</strong>", money(price))
    if pricing_model == "hourly":
        pattern = _("%(price)s / hour")
    else:
        pattern = _("From %(price)s")
    # The pattern is ours (from the catalogue); only the amount is data.
    return mark_safe(conditional_escape(pattern) % {"price": amount})  # noqa: S308


@register.filter
def distance(km: float | None) -> str:
    """A distance people read at a glance: 350 m, 1.2 km, 14 km."""
    if km is None:
        return ""
    if km < 1:
        return _("%(meters)d m") % {"meters": max(10, round(km * 100) * 10)}
    if km < 10:
        return _("%(km).1f km") % {"km": km}
    return _("%(km)d km") % {"km": round(km)}


@register.filter
def duration(minutes: int | None) -> str:
    """A length of time in hours and minutes: 45 min, 2 h, 2 h 30 min."""
    if not minutes:
        return ""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return _("%(minutes)d min") % {"minutes": rest}
    if not rest:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}


@register.filter
def response_time(minutes: int | None) -> str:
    """A provider's typical reply time, rounded up the way people say it."""
    if minutes is None:
        return ""
    minutes = max(1, int(minutes))
    if minutes < 60:
        return _("%(minutes)d min") % {"minutes": minutes}
    hours = -(-minutes // 60)
    if hours < 24:
        return _("%(hours)d h") % {"hours": hours}
    days = -(-hours // 24)
    return ngettext("%(days)d day", "%(days)d days", days) % {"days": days}


@register.inclusion_tag("web/includes/rating.html")
def rating(mean: float, count: int) -> dict[str, object]:
    """Stars and review count, or a "New" badge before the first review."""
    return {"mean": mean, "count": count}


@register.filter
def initials(name: str) -> str:
    """Up to two initials for an avatar: "Mei Chen" → "MC"; "王芳" → "王"."""
    words = (name or "").split()
    if not words:
        return "?"
    if len(words) == 1 or not words[0].isascii():
        return words[0][0].upper()
    return (words[0][0] + words[-1][0]).upper()


@register.filter
def language_name(code: str) -> str:
    """A language code's name in the active language ("zh-hans" → 简体中文)."""
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


@register.simple_tag
def search_cities() -> list:
    """The quick-pick cities of the search forms: the cities served."""
    return list(cities())


@register.filter
def nonempty_lines(text: str) -> list[str]:
    """The lines of a text that have something on them (a checklist from a field)."""
    lines = (line.strip().lstrip("-•*").strip() for line in (text or "").splitlines())
    return [line for line in lines if line]
