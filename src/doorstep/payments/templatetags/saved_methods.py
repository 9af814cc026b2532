"""The checkout's payment choices: each saved card in one click, or a new
card (optionally saved)."""

from django import template

from doorstep.payments import methods

register = template.Library()


@register.inclusion_tag("payments/_pay_choices.html", takes_context=True)
def pay_choices(context, order) -> dict:
    user = context["request"].user
    return {
        "order": order,
        "saved_methods": methods.methods_of(user) if user.is_authenticated else [],
        "csrf_token": context.get("csrf_token"),
    }
