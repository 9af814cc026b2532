"""Template helpers for the shared UI: icons from the sprite."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

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
    return CATEGORY_ICONS.get((name or "").strip().lower(), DEFAULT_CATEGORY_ICON)


@register.simple_tag
def icon(name: str, css_class: str = "") -> str:
    """A decorative icon from the sprite; screen readers skip it."""
    classes = f"icon {css_class}".strip()
    return format_html(
        '<svg class="{}" aria-hidden="true" focusable="false">'
        '<use href="{}#{}"></use></svg>',
        classes,
        static("web/icons.svg"),
        name,
    )
