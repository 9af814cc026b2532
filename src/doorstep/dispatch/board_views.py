"""The ops dispatch board, ``/ops/dispatch/``: a map and a list of open
dispatched orders and of workers on duty, with the promise clocks, refreshed
by htmx every few seconds; a page per order to assign or reassign it by hand;
and the service-promise settings (``/ops/settings/dispatch-promises/``).

Views parse, call one function of ``dispatch.board`` or ``dispatch.sla`` and
render. Like every ops page (``backoffice.views.ops_page``): 404 for anyone but
ops who passed a second factor, 403 for ops whose role does not allow it.
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.backoffice.views import ops_page
from doorstep.core.errors import Conflict, DomainError
from doorstep.dispatch import board, sla
from doorstep.dispatch.board_forms import AssignForm, SlaPolicyForm, UnassignForm
from doorstep.dispatch.models import SlaPolicy
from doorstep.web.forms import add_service_error

# How often the board asks for the latest (seconds).
REFRESH_SECONDS = 5


def _live_context(request: HttpRequest) -> dict:
    now = timezone.now()
    return {
        "jobs": board.open_jobs(user=request.user, now=now),
        "workers": board.on_duty_workers(user=request.user),
        "now": now,
        "refresh_seconds": REFRESH_SECONDS,
    }


@require_GET
@ops_page
def board_page(request: HttpRequest) -> HttpResponse:
    context = _live_context(request)
    context |= {
        "map_tile_url": settings.DOORSTEP_MAP_TILE_URL,
        "map_attribution": settings.DOORSTEP_MAP_ATTRIBUTION,
    }
    return render(request, "dispatch/board.html", context)


@require_GET
@ops_page
def board_live(request: HttpRequest) -> HttpResponse:
    """The list and the map's data, for the board's polling."""
    return render(request, "dispatch/board_live.html", _live_context(request))


def _job_page(
    request: HttpRequest,
    order_id: str,
    *,
    assign_form: AssignForm | None = None,
    unassign_form: UnassignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    job = board.board_job(user=request.user, order_id=order_id)
    return render(
        request,
        "dispatch/board_job.html",
        {
            "job": job,
            "order": job.order,
            # Assign, reassign or unassign: the board's open states.
            "can_assign": job.order.state in board.OPEN_STATES,
            "candidates": board.candidates_for(user=request.user, order_id=order_id),
            "assign_form": assign_form or AssignForm(),
            "unassign_form": unassign_form or UnassignForm(),
            "now": timezone.now(),
        },
        status=status,
    )


@require_GET
@ops_page
def job_page(request: HttpRequest, order_id: str) -> HttpResponse:
    return _job_page(request, order_id)


def _refused(error: DomainError) -> int:
    return 409 if isinstance(error, Conflict) else 400


@require_POST
@ops_page
def assign(request: HttpRequest, order_id: str) -> HttpResponse:
    """Give the order to the chosen worker; one who has it already loses it
    (a reassignment), together or not at all."""
    job = board.board_job(user=request.user, order_id=order_id)
    form = AssignForm(request.POST)
    if form.is_valid():
        change = board.reassign_by_hand if job.worker_id else board.assign_by_hand
        try:
            change(
                user=request.user,
                order_id=order_id,
                worker_id=form.cleaned_data["worker"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            if error.status in (403, 404):
                raise
            add_service_error(form, error)
            return _job_page(
                request, order_id, assign_form=form, status=_refused(error)
            )
        messages.success(request, _("Assigned. The worker is told."))
        return redirect("dispatch_board:job", order_id=order_id)
    return _job_page(request, order_id, assign_form=form, status=400)


@require_POST
@ops_page
def unassign(request: HttpRequest, order_id: str) -> HttpResponse:
    form = UnassignForm(request.POST)
    if form.is_valid():
        try:
            board.unassign_by_hand(
                user=request.user,
                order_id=order_id,
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            if error.status in (403, 404):
                raise
            add_service_error(form, error)
            return _job_page(
                request, order_id, unassign_form=form, status=_refused(error)
            )
        messages.success(
            request, _("The worker no longer has the job. Looking for someone else.")
        )
        return redirect("dispatch_board:job", order_id=order_id)
    return _job_page(request, order_id, unassign_form=form, status=400)


# --- The service promises (a section of the operator's settings) ---------------------


def _promises_page(request, *, form=None, status=200) -> HttpResponse:
    require_ops_permission(request.user, OpsPermission.MANAGE_SETTINGS)
    return render(
        request,
        "dispatch/board_promises.html",
        {"policies": sla.policies(), "form": form or SlaPolicyForm()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@ops_page
def promises(request: HttpRequest) -> HttpResponse:
    """GET lists the promises; POST sets one (for its city and category)."""
    if request.method == "GET":
        return _promises_page(request)
    form = SlaPolicyForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            sla.save_policy(
                actor=request.user,
                city_slug=data["city"],
                category_id=data["category"],
                respond_minutes=data["respond_minutes"],
                arrive_minutes=data["arrive_minutes"],
                asap_offer_seconds=data["asap_offer_seconds"],
                scheduled_offer_minutes=data["scheduled_offer_minutes"],
                offers_at_once=(
                    data["offers_at_once"]
                    or SlaPolicy._meta.get_field("offers_at_once").default
                ),
                compensation_bps=data["compensation_bps"],
                redispatch_on_breach=data["redispatch_on_breach"],
                reason=data["reason"],
            )
        except DomainError as error:
            if error.status in (403, 404):
                raise
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Promise saved. It applies to orders paid from now on.")
            )
            return redirect("dispatch_board:promises")
    return _promises_page(request, form=form, status=400)


@require_POST
@ops_page
def delete_promise(request: HttpRequest, policy_id: int) -> HttpResponse:
    sla.delete_policy(
        actor=request.user,
        policy_id=policy_id,
        reason=request.POST.get("reason", "")[:500],
    )
    messages.success(request, _("Promise removed."))
    return redirect("dispatch_board:promises")
