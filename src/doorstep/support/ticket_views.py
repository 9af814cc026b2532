"""The requester's side of the ticket desk: "My requests", opening one (about
an order, a payment, the account or anything), its conversation, replying,
rating the help, and the attachments (served only to whom may see them)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.api.auth import session_or_token
from doorstep.backoffice.access import can_use_back_office
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.errors import PermissionDenied as DomainPermissionDenied
from doorstep.core.storage import private_file_response
from doorstep.orders.queries import party_orders
from doorstep.support import ticket_queries, tickets
from doorstep.support.models import Ticket
from doorstep.support.ticket_forms import (
    NewTicketForm,
    RatingForm,
    ReplyForm,
    show_errors,
)

ORDERS_OFFERED = 50


@login_required
@require_GET
def my_tickets(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "support/tickets/mine.html",
        {"tickets": ticket_queries.tickets_of(request.user)[:200]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_ticket(request: HttpRequest) -> HttpResponse:
    orders = list(party_orders(request.user).order_by("-starts_at")[:ORDERS_OFFERED])
    wanted = request.GET.get("order", "")
    if wanted and wanted not in {order.public_id for order in orders}:
        try:  # an older order of theirs, not in the recent ones offered
            orders.insert(0, ticket_queries.access_order_of(request.user, wanted))
        except NotFound:
            wanted = ""
    initial = {"order": wanted, "topic": Ticket.Topic.ORDER} if wanted else {}
    form = NewTicketForm(
        request.POST or None, request.FILES or None, orders=orders, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = tickets.open_ticket(
                requester=request.user,
                subject=data["subject"],
                body=data["body"],
                topic=data["topic"],
                order_id=data["order"] or None,
                attachments=data["attachments"],
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(
                request, _("Thank you. We will answer you here and by e-mail.")
            )
            return redirect(ticket)
    status = 400 if form.errors else 200
    return render(request, "support/tickets/new.html", {"form": form}, status=status)


def _ticket_page(request, ticket, *, reply=None, rating=None, status=200):
    return render(
        request,
        "support/tickets/ticket.html",
        {
            "ticket": ticket,
            "conversation": ticket_queries.public_messages(ticket),
            "reply_form": reply or ReplyForm(),
            "rating_form": rating
            or RatingForm(
                initial={"rating": ticket.rating, "comment": ticket.rating_comment}
            ),
        },
        status=status,
    )


def _own(request: HttpRequest, ticket_id: str) -> Ticket:
    try:
        return ticket_queries.access_ticket(request.user, ticket_id)
    except NotFound:
        raise Http404 from None


@login_required
@require_GET
def ticket(request: HttpRequest, ticket_id: str) -> HttpResponse:
    return _ticket_page(request, _own(request, ticket_id))


@login_required
@require_POST
def reply(request: HttpRequest, ticket_id: str) -> HttpResponse:
    current = _own(request, ticket_id)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            tickets.reply_as_requester(
                requester=request.user,
                ticket_id=current.public_id,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Sent."))
            return redirect(current)
    return _ticket_page(request, current, reply=form, status=400)


@login_required
@require_POST
def rate(request: HttpRequest, ticket_id: str) -> HttpResponse:
    current = _own(request, ticket_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            tickets.rate_ticket(
                requester=request.user,
                ticket_id=current.public_id,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Thank you for your rating."))
            return redirect(current)
    return _ticket_page(request, current, rating=form, status=400)


@require_GET  # before the token is read: a POST is refused, never authenticated
@session_or_token
def attachment(request: HttpRequest, attachment_id: str) -> HttpResponse:
    """The file, to the ticket's requester or to ops who handle tickets (whose
    session passed a second factor). Sent as an attachment, never cached."""
    if request.user.is_staff and not can_use_back_office(request):
        raise Http404
    try:
        found = ticket_queries.access_attachment(request.user, attachment_id)
    except DomainPermissionDenied:
        raise PermissionDenied from None
    except DomainError:
        raise Http404 from None
    extension = found.file.name.rsplit(".", 1)[-1]
    return private_file_response(
        found.file,
        filename=f"{found.public_id}.{extension}",
        content_type=found.content_type,
    )
