"""Small pieces of review UI: a row of stars, whether a review is due."""

from django import template

from doorstep.reviews.queries import review_due

register = template.Library()


@register.inclusion_tag("reviews/_stars.html")
def stars(count: int) -> dict[str, object]:
    """``count`` filled stars out of five, with a text for screen readers."""
    count = max(0, min(5, int(count or 0)))
    return {"count": count, "on": range(count), "off": range(5 - count)}


@register.simple_tag
def order_review_due(order, user) -> bool:
    """Whether ``user`` should be asked to review ``order`` now."""
    return bool(user.is_authenticated) and review_due(order, user)
