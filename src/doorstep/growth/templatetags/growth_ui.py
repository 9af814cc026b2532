"""Growth's template pieces.

``{% discounts_panel %}``: the code, credit and points box on the page of an
order waiting for payment (the orders app's template includes it; the form
posts to ``growth:order_discounts``).

It reads ``order`` from the page, and ``discounts_form`` when the growth view
renders the page again with a refused form (the error beside its field)."""

from django import template

from doorstep.growth import checkout
from doorstep.growth.forms import DiscountsForm

register = template.Library()


@register.inclusion_tag("growth/_discounts.html", takes_context=True)
def discounts_panel(context: template.Context) -> dict:
    order = context["order"]
    form = context.get("discounts_form")
    perks = form.perks if form is not None else checkout.perks_of(order)
    return {
        "order": order,
        "perks": perks,
        "form": form or DiscountsForm(perks=perks),
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def magnitude(value: int) -> int:
    """How much a change is, without its sign (the sign is written apart)."""
    return abs(int(value or 0))
