from django import template
from django.utils.translation import get_language

from doorstep.core.money import Money

register = template.Library()


@register.filter
def minor(amount: int | None, currency: str) -> str:
    """``{{ 12050|minor:"CNY" }}`` → "CN¥120.50" in the reader's language."""
    if amount is None:
        return ""
    return Money(int(amount), currency).format(get_language() or "en")
