"""Where a stuck person is sent: the help centre, the contact page and
straight to a new ticket.

Every page that can leave someone stuck (an order, a failed payment, an error,
a suspended account) includes ``support/_support_links.html``, which reads
``support_links`` from the context processor below; the 500 page, rendered
without a context, falls back to the plain addresses."""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject


@dataclass(frozen=True)
class SupportLinks:
    help: str
    contact: str
    new_ticket: str  # the form that opens a ticket
    email: str
    phone: str


def support_links() -> SupportLinks:
    return SupportLinks(
        help=reverse("support:help"),
        contact=reverse("support:contact"),
        new_ticket=reverse("support:new_ticket"),
        email=settings.DOORSTEP_SUPPORT_EMAIL,
        phone=settings.DOORSTEP_SUPPORT_PHONE,
    )


def support_links_context(request: HttpRequest) -> dict[str, object]:
    # Worked out when a template first reads it, as ``web.context_processors``.
    return {"support_links": SimpleLazyObject(support_links)}
