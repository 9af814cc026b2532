from django import template
from django.utils.translation import get_language

from doorstep.core.money import Money
from doorstep.marketplace import policy
from doorstep.payments.forms import amount_step as _amount_step
from doorstep.payments.models import AccountKind
from doorstep.payments.queries import entry_kind_label as _entry_kind_label

register = template.Library()


@register.filter
def minor(amount: int | None, currency: str) -> str:
    """``{{ 12050|minor:"CNY" }}`` → "CN¥120.50" in the reader's language."""
    if amount is None:
        return ""
    return Money(int(amount), currency).format(get_language() or "en")


@register.filter
def major(amount: int | None, currency: str) -> str:
    """``{{ 12050|major:"CNY" }}`` → "120.50": a value for an amount field."""
    if amount is None:
        return ""
    return str(Money(int(amount), currency).major)


@register.filter
def min_payout(currency: str) -> int:
    """``{{ "JPY"|min_payout }}``: the smallest payout in that currency."""
    return policy.amount_in("min_payout", currency)


@register.filter
def amount_step(currency: str) -> str:
    """The ``step`` of an amount field in ``currency`` ("0.01")."""
    return _amount_step(currency)


@register.filter
def entry_kind_label(kind: str) -> str:
    """A ledger entry's kind ("release") in the reader's words."""
    return _entry_kind_label(kind)


@register.filter
def account_kind_label(kind: str) -> str:
    try:
        return AccountKind(kind).label
    except ValueError:
        return kind
