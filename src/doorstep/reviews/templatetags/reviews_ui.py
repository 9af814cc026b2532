"""Small pieces of review UI: a row of stars."""

from django import template

register = template.Library()


@register.inclusion_tag("reviews/_stars.html")
def stars(count: int) -> dict[str, object]:
    """``count`` filled stars out of five, with a text for screen readers."""
    count = max(0, min(5, int(count or 0)))
    return {"count": count, "on": range(count), "off": range(5 - count)}
