"""What the order page offers the customer after the service: a warranty claim
while the warranty runs, a damage claim while the guarantee's window is open,
and the claims already made."""

from django import template
from django.utils import timezone

from doorstep.orders.models import Order
from doorstep.support import claims
from doorstep.support.models import GuaranteeClaim, WarrantyClaim

register = template.Library()


@register.simple_tag
def order_claims(order: Order) -> dict:
    now = timezone.now()
    warranty_until = claims.warranty_ends_at(order)
    guarantee_until = claims.guarantee_ends_at(order)
    return {
        "warranty_until": warranty_until
        if warranty_until and now <= warranty_until
        else None,
        "guarantee_until": guarantee_until
        if guarantee_until
        and now <= guarantee_until
        and claims.guarantee_cap(order.currency)
        else None,
        "warranty_claims": list(WarrantyClaim.objects.filter(order=order)),
        "guarantee_claims": list(GuaranteeClaim.objects.filter(order=order)),
    }
