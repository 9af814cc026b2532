"""Messaging screens: the inbox, one conversation (thread, composer, live updates),
and the entry points that open a conversation from a listing or an order.

Views parse, call one service or query, render. A conversation that is not the
caller's answers 404, like one that does not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
)

from doorstep.audit.queries import entries_for
from doorstep.backoffice.access import (
    OpsPermission,
    can_use_back_office,
    has_ops_permission,
)
from doorstep.core.errors import DomainError, NotFound
from doorstep.messaging import queries, services
from doorstep.messaging.forms import FlagDecisionForm, MessageForm
from doorstep.messaging.models import Conversation


def _open(request: HttpRequest, conversation_id: str) -> Conversation:
    """The conversation for the caller to read (parties; ops, audited), else 404."""
    try:
        return queries.access_conversation(
            request.user,
            conversation_id,
            as_ops=can_use_back_office(request),
        )
    except NotFound as error:
        raise Http404(error.message) from None


def _thread_context(request: HttpRequest, conversation: Conversation) -> dict:
    user = request.user
    is_party = conversation.is_party(user)
    if is_party:
        services.mark_read(user=user, conversation=conversation)
    thread = queries.recent_messages(conversation)
    read_up_to = queries.other_party_read_up_to(conversation, user)
    seen = [m.pk for m in thread if m.sender_id == user.pk and m.pk <= read_up_to]
    return {
        "conversation": conversation,
        "thread": thread,
        "viewer": user,
        "is_party": is_party,
        "seen_message_pk": seen[-1] if seen else None,
    }


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    conversations = queries.conversations_of(request.user)[:200]
    return render(
        request,
        "messaging/inbox.html",
        {"conversations": conversations, "viewer": request.user},
    )


@login_required
@require_GET
def conversation(request: HttpRequest, conversation_id: str) -> HttpResponse:
    current = _open(request, conversation_id)
    context = _thread_context(request, current)
    context.update(
        form=MessageForm(),
        socket_path=f"/ws/conversations/{current.public_id}/",
        contact_allowed=queries.contact_allowed(current),
        other_name=current.other_party_name(request.user),
    )
    return render(request, "messaging/conversation.html", context)


@login_required
@require_GET
def thread(request: HttpRequest, conversation_id: str) -> HttpResponse:
    """The message list alone: the polling fallback when WebSockets are down."""
    current = _open(request, conversation_id)
    return render(
        request, "messaging/_message_list.html", _thread_context(request, current)
    )


@login_required
@require_POST
def send(request: HttpRequest, conversation_id: str) -> HttpResponse:
    try:
        current = queries.find_conversation(request.user, conversation_id)
    except NotFound as error:
        raise Http404(error.message) from None
    form = MessageForm(request.POST, request.FILES)
    sent = None
    if form.is_valid():
        try:
            sent = services.send_message(
                sender=request.user,
                conversation=current,
                body=form.cleaned_data["body"],
                attachment=form.cleaned_data["attachment"],
            )
        except DomainError as error:
            for field, errors in error.fields.items():
                for text in errors:
                    form.add_error(field if field in form.fields else None, text)
            if not error.fields:
                form.add_error(None, error.message)
    if not request.htmx:
        if sent is None:
            for errors in form.errors.values():
                for text in errors:
                    messages.error(request, text)
        else:
            for notice in (sent.reason, sent.warning):
                if notice:
                    messages.warning(request, notice)
        return redirect(current)
    context = {
        "conversation": current,
        "viewer": request.user,
        "message": sent.message if sent else None,
        "sent": sent,
        "form": form,
    }
    return render(request, "messaging/_sent.html", context)


@login_required
@require_POST
def start_inquiry(request: HttpRequest, listing_id: str) -> HttpResponse:
    try:
        current = services.start_inquiry(customer=request.user, listing_id=listing_id)
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("catalog:listing", kwargs={"public_id": listing_id}))
    return redirect(current)


@login_required
@require_GET
def order_conversation(request: HttpRequest, order_id: str) -> HttpResponse:
    """The conversation of an order (for links from the order pages)."""
    try:
        current = services.open_order_conversation(user=request.user, order_id=order_id)
    except NotFound as error:
        raise Http404(error.message) from None
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(reverse("orders:detail", args=[order_id]))
    return redirect(current)


# --- Ops: flagged senders -----------------------------------------------------------


def _ops_only(request: HttpRequest) -> None:
    # Ops pages do not admit they exist to anyone else; ops whose role does not
    # moderate messages are told so.
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, OpsPermission.MODERATE_MESSAGES):
        raise PermissionDenied


@require_GET
def ops_flags(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    return render(
        request,
        "messaging/ops_flags.html",
        {
            "flags": queries.open_flags()[:200],
            "decided": queries.recently_decided_flags(),
        },
    )


@require_http_methods(["GET", "POST"])
def ops_flag(request: HttpRequest, flag_id: int) -> HttpResponse:
    _ops_only(request)
    try:
        flag = queries.flag_for_ops(flag_id)
    except NotFound as error:
        raise Http404(error.message) from None
    form = FlagDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_message_flag(
                user=request.user,
                flag_id=flag.pk,
                confirm=form.cleaned_data["decision"] == FlagDecisionForm.CONFIRM,
                warn=form.cleaned_data["warn"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("messaging:ops_flags")
    return render(
        request,
        "messaging/ops_flag.html",
        {
            "flag": flag,
            "form": form,
            "excerpt": queries.flag_excerpt(flag),
            "history": queries.flagged_messages_of(flag),
            "trail": entries_for(flag),
        },
    )
