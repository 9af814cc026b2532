"""Template helpers for the customer's side of platform dispatch: the promise
in words, and the dispatch side of an order on its page."""

from django import template
from django.utils.translation import gettext as _

from doorstep.dispatch import booking
from doorstep.dispatch.models import ServiceInCity, SlaPolicy
from doorstep.orders.models import BuyingMode, Order
from doorstep.web.templatetags.doorstep_ui import duration

register = template.Library()


@register.simple_tag
def promise_text(offer: ServiceInCity, promise: SlaPolicy) -> str:
    """ "A pro at your door within 2 h", with the real figures of the policy in
    force for the city and category."""
    if offer.offers_asap:
        return _(
            "A pro at your door within %(arrive)s, or at a time you choose "
            "(confirmed within %(respond)s)."
        ) % {
            "arrive": duration(promise.arrive_minutes),
            "respond": duration(promise.respond_minutes),
        }
    return _("At a time you choose: a pro confirmed within %(respond)s.") % {
        "respond": duration(promise.respond_minutes)
    }


@register.simple_tag
def dispatch_status_of(order: Order) -> booking.DispatchStatus | None:
    """The search for a worker, for an order of mode dispatch (else ``None``)."""
    if order.mode != BuyingMode.DISPATCH:
        return None
    return booking.dispatch_status(order)
