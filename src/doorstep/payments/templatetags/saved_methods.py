"""The checkout's payment choices: each saved card in one click, a new card
(optionally saved), or an enabled wallet (Alipay, WeChat Pay)."""

from django import template

from doorstep.payments import methods
from doorstep.payments.gateways import enabled_wallets

register = template.Library()


@register.inclusion_tag("payments/_pay_choices.html", takes_context=True)
def pay_choices(context, order) -> dict:
    user = context["request"].user
    return {
        "order": order,
        "saved_methods": methods.methods_of(user) if user.is_authenticated else [],
        "wallets": enabled_wallets(),
        "csrf_token": context.get("csrf_token"),
    }
