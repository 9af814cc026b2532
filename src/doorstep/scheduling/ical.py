"""A provider's upcoming jobs as an iCalendar (RFC 5545) document, for the
private feed calendar apps subscribe to."""

from collections.abc import Callable, Iterable
from datetime import datetime

import icalendar
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile
from doorstep.orders.models import Order
from doorstep.orders.queries import notes_for_provider
from doorstep.orders.states import TENTATIVE_STATES

PRODUCT_ID = "-//Doorstep//Provider jobs//EN"
# UIDs must stay the same for an order across fetches, so calendar apps update
# the event instead of adding a copy; the order's public id never changes.
UID_DOMAIN = "orders.doorstep"


def order_uid(order: Order) -> str:
    return f"{order.public_id}@{UID_DOMAIN}"


def provider_calendar(
    *,
    provider: ProviderProfile,
    time_zone: str,
    orders: Iterable[Order],
    order_url: Callable[[Order], str],
    now: datetime,
) -> bytes:
    """The calendar of ``orders`` (one event each, times in UTC), named for the
    provider. ``order_url`` gives each order's absolute link."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add(
        "x-wr-calname",
        _("%(name)s: jobs") % {"name": provider.display_name},
    )
    calendar.add("x-wr-timezone", time_zone)
    for order in orders:
        link = order_url(order)
        status = order.process.state(order.state).label
        lines = [_("Status: %(status)s") % {"status": status}]
        if order.notes:
            lines.append(notes_for_provider(order))
        lines.append(link)
        event = icalendar.Event()
        event.add("uid", order_uid(order))
        event.add("dtstamp", now)
        event.add("dtstart", order.starts_at)
        event.add("dtend", order.ends_at)
        event.add("summary", order.title)
        event.add("location", order.address)
        event.add("geo", (order.latitude, order.longitude))
        event.add("url", link)
        event.add("description", "\n".join(str(line) for line in lines))
        event.add(
            "status",
            "TENTATIVE" if order.state in TENTATIVE_STATES else "CONFIRMED",
        )
        event.add("last-modified", order.state_changed_at)
        calendar.add_component(event)
    return calendar.to_ical()
