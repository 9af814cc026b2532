"""Developers → Webhooks: a person's endpoints, their delivery log, replays,
test messages and secrets (shown once); and the back office's list of every
endpoint, where ops may turn one off (audited).

Views parse, call one service and render; a service's ``DomainError`` with
field messages goes back beside the field."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from doorstep.backoffice.access import can_use_back_office, has_ops_permission
from doorstep.core.errors import DomainError, NotFound
from doorstep.webhooks import queries, services
from doorstep.webhooks.forms import DisableForm, EndpointForm
from doorstep.webhooks.models import Scope

PAGE_SIZE = 50
# The secret is kept in the session just long enough to be shown once.
SECRET_SESSION_KEY = "webhooks.new_secret"  # noqa: S105 (a key name)


def _may_choose_scope(request: HttpRequest) -> bool:
    return can_use_back_office(request) and has_ops_permission(
        request.user, services.OPS_PERMISSION
    )


def _endpoint_or_404(request: HttpRequest, endpoint_id: str):
    try:
        return queries.access_endpoint(request.user, endpoint_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _show_secret_once(request: HttpRequest, endpoint_id: str, secret: str) -> None:
    request.session[SECRET_SESSION_KEY] = {"endpoint": endpoint_id, "secret": secret}


def _take_secret(request: HttpRequest, endpoint_id: str) -> str:
    kept = request.session.get(SECRET_SESSION_KEY)
    if kept and kept.get("endpoint") == endpoint_id:
        del request.session[SECRET_SESSION_KEY]
        return kept["secret"]
    return ""


def _form_errors(form: EndpointForm, error: DomainError) -> None:
    for field, field_messages in (error.fields or {"__all__": [error.message]}).items():
        for message in field_messages:
            form.add_error(field if field in form.fields else None, message)


@login_required
def endpoints(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "webhooks/endpoints.html",
        {"endpoints": queries.endpoints_of(request.user)[:PAGE_SIZE]},
    )


@login_required
def create(request: HttpRequest) -> HttpResponse:
    may_choose = _may_choose_scope(request)
    form = EndpointForm(request.POST or None, can_choose_scope=may_choose)
    if request.method == "POST" and form.is_valid():
        marketplace = may_choose and form.cleaned_data.get("marketplace")
        try:
            endpoint, secret = services.create_endpoint(
                owner=request.user,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["event_types"],
                scope=Scope.MARKETPLACE if marketplace else Scope.OWN,
            )
        except DomainError as error:
            _form_errors(form, error)
        else:
            _show_secret_once(request, endpoint.public_id, secret)
            return redirect("webhooks:endpoint", endpoint.public_id)
    return render(request, "webhooks/form.html", {"form": form, "endpoint": None})


@login_required
def edit(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    initial = {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
    }
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(
                user=request.user,
                endpoint_id=endpoint_id,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["event_types"],
            )
        except DomainError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("webhooks:endpoint", endpoint_id)
    return render(request, "webhooks/form.html", {"form": form, "endpoint": endpoint})


@login_required
def endpoint(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    found = _endpoint_or_404(request, endpoint_id)
    deliveries = queries.deliveries_of(found).prefetch_related("attempt_log")
    return render(
        request,
        "webhooks/endpoint.html",
        {
            "endpoint": found,
            "secret": _take_secret(request, endpoint_id),
            "deliveries": deliveries[:PAGE_SIZE],
        },
    )


def _act(request: HttpRequest, endpoint_id: str, action, done: str) -> HttpResponse:
    try:
        action()
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("webhooks:endpoint", endpoint_id)


@login_required
@require_POST
def toggle(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    enable = request.POST.get("enabled") == "on"
    return _act(
        request,
        endpoint_id,
        lambda: services.update_endpoint(
            user=request.user, endpoint_id=endpoint_id, enabled=enable
        ),
        _("The endpoint is on.") if enable else _("The endpoint is off."),
    )


@login_required
@require_POST
def rotate(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    def action() -> None:
        _endpoint, secret = services.rotate_secret(
            user=request.user, endpoint_id=endpoint_id
        )
        _show_secret_once(request, endpoint_id, secret)

    return _act(
        request,
        endpoint_id,
        action,
        _("New secret made. The old one signs beside it for 24 hours."),
    )


@login_required
@require_POST
def send_test(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    return _act(
        request,
        endpoint_id,
        lambda: services.send_test_message(user=request.user, endpoint_id=endpoint_id),
        _("A test message is on its way."),
    )


@login_required
@require_POST
def replay(request: HttpRequest, endpoint_id: str, delivery_id: str) -> HttpResponse:
    return _act(
        request,
        endpoint_id,
        lambda: services.replay_delivery(
            user=request.user, endpoint_id=endpoint_id, delivery_id=delivery_id
        ),
        _("The message will be sent again."),
    )


@login_required
@require_POST
def delete(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    try:
        services.delete_endpoint(user=request.user, endpoint_id=endpoint_id)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, _("The endpoint was removed."))
    return redirect("webhooks:endpoints")


# --- Back office ----------------------------------------------------------------------


def _ops_only(request: HttpRequest) -> None:
    # Ops pages do not admit they exist to anyone else.
    if not can_use_back_office(request):
        raise Http404
    if not has_ops_permission(request.user, services.OPS_PERMISSION):
        raise PermissionDenied


def ops_endpoints(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    return render(
        request,
        "webhooks/ops_endpoints.html",
        {"endpoints": queries.all_endpoints()[:200], "form": DisableForm()},
    )


@require_POST
def ops_disable(request: HttpRequest, endpoint_id: str) -> HttpResponse:
    _ops_only(request)
    form = DisableForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "webhooks/ops_endpoints.html",
            {
                "endpoints": queries.all_endpoints()[:200],
                "form": form,
                "failed": endpoint_id,
            },
            status=400,
        )
    try:
        services.disable_endpoint_as_ops(
            actor=request.user,
            endpoint_id=endpoint_id,
            reason=form.cleaned_data["reason"],
        )
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, _("The endpoint is off; its owner was told."))
    return redirect("webhooks:ops_endpoints")
