"""How orders read to people: a sentence per timeline event, a colour per state,
times in the zone where the job happens."""

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import template
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from doorstep.core.money import Money
from doorstep.orders.models import BuyingMode, Order, OrderEvent
from doorstep.orders.queries import address_for, notes_for
from doorstep.orders.states import OrderState
from doorstep.web.templatetags.doorstep_ui import money

register = template.Library()

# The badge colour of each state (see site.css, "orders").
STATE_TONES = {
    OrderState.AWAITING_PAYMENT: "waiting",
    OrderState.PAYMENT_EXPIRED: "neutral",
    OrderState.REQUESTED: "waiting",
    OrderState.ACCEPTED: "good",
    OrderState.ON_THE_WAY: "active",
    OrderState.IN_SERVICE: "active",
    OrderState.DELIVERED: "active",
    OrderState.COMPLETED: "done",
    OrderState.DISPUTED: "problem",
    OrderState.REFUNDED: "neutral",
    OrderState.DECLINED: "neutral",
    OrderState.EXPIRED: "neutral",
    OrderState.CANCELLED: "neutral",
    OrderState.NO_SHOW_CUSTOMER: "problem",
    OrderState.NO_SHOW_PROVIDER: "problem",
}


@register.filter
def minor_money(amount: int | None, currency: str) -> str:
    """An amount in minor units of ``currency``, formatted for the reader."""
    if amount is None:
        return ""
    return money(Money(int(amount), currency))


@register.filter
def notes_seen_by(order: Order, user) -> str:
    """The booking notes as ``user`` may read them (masked for the provider
    until the deal is confirmed)."""
    return notes_for(order, user)


@register.filter
def address_seen_by(order: Order, user) -> str:
    """The address as ``user`` may read it (contact details typed into it are
    masked for the provider until the deal is confirmed)."""
    return address_for(order, user)


@register.filter
def state_tone(state: str) -> str:
    return STATE_TONES.get(state, "neutral")


def _zone(order: Order) -> ZoneInfo:
    try:
        return ZoneInfo(order.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when(moment: datetime, zone: ZoneInfo) -> str:
    """A day and time people read at a glance, in ``zone``."""
    local = moment.astimezone(zone)
    return _("%(day)s, %(time)s") % {
        "day": date_format(local, "DATE_FORMAT"),
        "time": local.strftime("%H:%M"),
    }


def _actor_name(actor: str) -> str:
    return {
        "customer": pgettext("who acted", "the customer"),
        "provider": pgettext("who acted", "the provider"),
        "ops": pgettext("who acted", "Doorstep support"),
        "system": pgettext("who acted", "Doorstep"),
    }.get(actor, actor)


@register.simple_tag
def event_summary(event: OrderEvent, order: Order) -> str:
    """One sentence saying what happened, for the order's timeline."""
    zone = _zone(order)
    data = event.data or {}
    name = event.transition
    if name == "create":
        if event.to_state == OrderState.AWAITING_PAYMENT:
            return _("Booking started: waiting for payment")
        if event.to_state == OrderState.ACCEPTED:
            return _("Booked (instant booking)")
        return _("Booking requested")
    if name == "cancel":
        return _("Cancelled by %(who)s") % {"who": _actor_name(event.actor)}
    if name == "start" and data.get("override"):
        return _("The job was started by Doorstep support")
    if name in ("reschedule_proposed", "reschedule"):
        try:
            moment = datetime.fromisoformat(data.get("to", ""))
        except ValueError:
            moment = None
        time_text = when(moment, zone) if moment else ""
        if name == "reschedule":
            return _("Moved to %(time)s") % {"time": time_text}
        return _("%(who)s proposed a new time: %(time)s") % {
            "who": _actor_name(event.actor).capitalize(),
            "time": time_text,
        }
    if order.mode == BuyingMode.DISPATCH:
        dispatch_sentences = {
            "pay": _("Paid: looking for a worker"),
            "assign": _("A worker accepted the job"),
            "unassign": _("The worker dropped out: looking for someone else"),
            "expire": _("Nobody was free in time: the payment was released"),
        }
        if name in dispatch_sentences:
            return dispatch_sentences[name]
    sentences = {
        "pay": _("Paid: the request went to the provider"),
        "pay_instant": _("Paid and booked (instant booking)"),
        "expire_payment": _("Not paid in time: the time was let go"),
        "accept": _("The provider accepted"),
        "accept_standing": _(
            "Accepted under the provider's standing acceptance of the series"
        ),
        "decline": _("The provider declined"),
        "expire": _("The request expired: the provider did not answer in time"),
        "depart": _("The provider is on the way"),
        "start": _("The job started"),
        "deliver": _("The provider marked the job as done"),
        "confirm": _("The customer confirmed the job is done"),
        "auto_complete": _("Completed automatically"),
        "dispute": _("The customer reported a problem"),
        "resolve_complete": _("Resolved: the provider is paid"),
        "resolve_refund": _("Resolved: the customer is refunded"),
        "report_customer_no_show": _("Reported: the customer did not show"),
        "report_provider_no_show": _("Reported: the provider did not show"),
        "reschedule_declined": _("The proposed new time was declined"),
    }
    if name in sentences:
        return sentences[name]
    try:
        return str(order.process.state(event.to_state).label)
    except StopIteration:
        return name


@register.simple_tag
def event_fee(event: OrderEvent) -> str:
    """The money note of an event (a cancellation fee, a late change), if any."""
    data = event.data or {}
    for key in ("fee", "policy_fee"):
        fee = data.get(key)
        if isinstance(fee, dict) and fee.get("amount"):
            try:
                amount = money(Money(int(fee["amount"]), str(fee["currency"])))
            except (KeyError, TypeError, ValueError):
                continue
            if key == "fee":
                return _("Cancellation fee: %(fee)s") % {"fee": amount}
            return _("Late change: the cancellation fee of %(fee)s applies") % {
                "fee": amount
            }
    return ""


@register.simple_tag
def order_when(order: Order, moment: datetime | None = None) -> str:
    """A time on the order, in the zone where the job happens."""
    return when(moment or order.starts_at, _zone(order))
