"""The ops side of the ticket desk (``/ops/support/``): the console with its
filters and SLA clocks, one ticket (reply, internal note, canned replies,
status, priority, queue, assignee — each an audited service), the per-agent
workload, the canned replies and the SLA policies."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.audit.queries import entries_for
from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import DomainError, NotFound
from doorstep.support import ticket_queries, tickets
from doorstep.support.models import CannedReply, SlaPolicy, SupportQueue, Ticket
from doorstep.support.ticket_forms import (
    AgentReplyForm,
    CannedReplyForm,
    SlaPolicyForm,
    show_errors,
)


def _ops_only(request: HttpRequest, permission=OpsPermission.HANDLE_TICKETS) -> None:
    # Ops pages do not admit they exist to anyone else; ops whose role does not
    # handle tickets are told so.
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, permission):
        raise PermissionDenied


def _ticket(request: HttpRequest, ticket_id: str) -> Ticket:
    try:
        return ticket_queries.access_ticket_for_ops(request.user, ticket_id)
    except NotFound:
        raise Http404 from None


@require_GET
def ops_tickets(request: HttpRequest, *, unassigned: bool = False) -> HttpResponse:
    _ops_only(request)
    filters = {
        "queue": request.GET.get("queue", ""),
        "status": request.GET.get("status", ""),
        "priority": request.GET.get("priority", ""),
        "assignee": request.GET.get("assignee", "none" if unassigned else ""),
    }
    if filters["status"] not in ("", *Ticket.Status.values):
        filters["status"] = ""
    if filters["priority"] not in ("", *Ticket.Priority.values):
        filters["priority"] = ""
    only_breached = request.GET.get("breached") == "1"
    found = ticket_queries.console_tickets(
        agent=request.user, only_breached=only_breached, **filters
    )
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(ticket, ticket_queries.sla_seconds_left(ticket, now)) for ticket in page]
    query = urlencode(
        {
            **{k: v for k, v in filters.items() if v},
            **({"breached": "1"} if only_breached else {}),
        }
    )
    return render(
        request,
        "support/tickets/ops_list.html",
        {
            "rows": rows,
            "page": page,
            "query": query,
            "filters": filters,
            "only_breached": only_breached,
            "queues": SupportQueue.objects.all(),
            "agents": ticket_queries.support_agents(),
            "statuses": Ticket.Status.choices,
            "priorities": Ticket.Priority.choices,
        },
    )


@require_GET
def ops_unassigned(request: HttpRequest) -> HttpResponse:
    """The ops home's queue: tickets nobody has taken."""
    return ops_tickets(request, unassigned=True)


def _ops_ticket_page(request, ticket, *, form=None, status=200) -> HttpResponse:
    canned = CannedReply.objects.all()
    chosen = None
    if form is None:
        initial = {}
        wanted = request.GET.get("canned", "")
        if wanted.isdigit():
            chosen = canned.filter(pk=int(wanted)).first()
            if chosen is not None:
                initial["body"] = chosen.body_for(ticket.requester.language)
        form = AgentReplyForm(initial=initial)
    return render(
        request,
        "support/tickets/ops_ticket.html",
        {
            "ticket": ticket,
            "conversation": ticket_queries.all_messages(ticket),
            "form": form,
            "canned": canned,
            "chosen": chosen,
            "seconds_left": ticket_queries.sla_seconds_left(ticket, timezone.now()),
            "agents": ticket_queries.support_agents(),
            "queues": SupportQueue.objects.all(),
            "statuses": [
                choice for choice in Ticket.Status.choices if choice[0] != "new"
            ],
            "priorities": Ticket.Priority.choices,
            "trail": entries_for(ticket)[:50],
        },
        status=status,
    )


@require_GET
def ops_ticket(request: HttpRequest, ticket_id: str) -> HttpResponse:
    _ops_only(request)
    return _ops_ticket_page(request, _ticket(request, ticket_id))


@require_POST
def ops_reply(request: HttpRequest, ticket_id: str) -> HttpResponse:
    _ops_only(request)
    current = _ticket(request, ticket_id)
    form = AgentReplyForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            tickets.reply_as_agent(
                agent=request.user,
                ticket_id=current.public_id,
                body=data["body"],
                internal=data["internal"],
                status=None if data["internal"] else data["status"],
                attachments=data["attachments"],
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(
                request,
                _("Note saved.") if data["internal"] else _("Reply sent."),
            )
            return redirect("support:ops_ticket", current.public_id)
    return _ops_ticket_page(request, current, form=form, status=400)


@require_POST
def ops_update(request: HttpRequest, ticket_id: str) -> HttpResponse:
    """One change per form: assignee (``me`` to take it), status, priority or
    queue."""
    _ops_only(request)
    current = _ticket(request, ticket_id)
    change = request.POST.get("change", "")
    value = request.POST.get("value", "")
    try:
        if change == "assignee":
            assignee = request.user.public_id if value == "me" else value or None
            tickets.assign_ticket(
                agent=request.user, ticket_id=current.public_id, assignee_id=assignee
            )
        elif change == "status":
            tickets.set_ticket_status(
                agent=request.user, ticket_id=current.public_id, status=value
            )
        elif change == "priority":
            tickets.set_ticket_priority(
                agent=request.user, ticket_id=current.public_id, priority=value
            )
        elif change == "queue":
            tickets.move_ticket(
                agent=request.user, ticket_id=current.public_id, queue_slug=value
            )
        else:
            raise Http404
    except DomainError as error:
        texts = [text for texts in error.fields.values() for text in texts]
        messages.error(request, " ".join(texts) or error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("support:ops_ticket", current.public_id)


@require_GET
def ops_workload(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    return render(
        request,
        "support/tickets/ops_workload.html",
        {"rows": ticket_queries.workload(agent=request.user)},
    )


@require_http_methods(["GET", "POST"])
def ops_canned(request: HttpRequest, reply_id: int | None = None) -> HttpResponse:
    """The canned replies, and the form to add one or change ``reply_id``."""
    _ops_only(request)
    editing = None
    if reply_id is not None:
        editing = CannedReply.objects.filter(pk=reply_id).first()
        if editing is None:
            raise Http404
    initial = {}
    if editing is not None:
        initial = {
            name: getattr(editing, name)
            for name in ("title", "body_en", "body_zh_hans", "body_zh_hant")
        }
    form = CannedReplyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            tickets.save_canned_reply(
                agent=request.user,
                reply_id=editing.pk if editing else None,
                **form.cleaned_data,
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            messages.success(request, _("Canned reply saved."))
            return redirect("support:ops_canned")
    return render(
        request,
        "support/tickets/ops_canned.html",
        {"replies": CannedReply.objects.all(), "form": form, "editing": editing},
        status=400 if form.errors else 200,
    )


@require_POST
def ops_canned_delete(request: HttpRequest, reply_id: int) -> HttpResponse:
    _ops_only(request)
    try:
        tickets.delete_canned_reply(agent=request.user, reply_id=reply_id)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("Canned reply deleted."))
    return redirect("support:ops_canned")


@require_http_methods(["GET", "POST"])
def ops_sla(request: HttpRequest) -> HttpResponse:
    """The SLA policies; each priority's targets are changed on their own."""
    _ops_only(request)
    may_edit = has_ops_permission(request.user, OpsPermission.MANAGE_SETTINGS)
    policies = list(SlaPolicy.objects.all())
    forms = []
    for policy in sorted(
        policies, key=lambda p: Ticket.Priority.values.index(p.priority)
    ):
        bound = (
            request.method == "POST" and request.POST.get("priority") == policy.priority
        )
        form = (
            SlaPolicyForm(request.POST, prefix=policy.priority)
            if bound
            else SlaPolicyForm.for_policy(policy)
        )
        if bound:
            if not may_edit:
                raise PermissionDenied
            if form.is_valid():
                try:
                    tickets.update_sla_policy(
                        agent=request.user,
                        priority=policy.priority,
                        first_response_minutes=form.cleaned_data[
                            "first_response_minutes"
                        ],
                        resolution_minutes=form.cleaned_data["resolution_minutes"],
                    )
                except DomainError as error:
                    show_errors(form, error)
                else:
                    messages.success(request, _("SLA policy saved."))
                    return redirect(reverse("support:ops_sla"))
        forms.append((policy, form))
    return render(
        request,
        "support/tickets/ops_sla.html",
        {"forms": forms, "may_edit": may_edit},
        status=400 if any(form.errors for _p, form in forms) else 200,
    )
