"""Provider plans on the web: the provider's /dashboard/plan/ (compare plans,
subscribe with a saved card, change, cancel, resume, pick the card, history of
charges) and ops' /ops/plans/ (plans with subscribers and MRR per currency,
create, edit, archive — audited, ``MANAGE_SETTINGS`` only).

Views parse, call one service and redirect; refusals come back as messages
(provider) or beside the field (ops)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.backoffice.views import ops_page
from doorstep.catalog.dashboard import provider_required
from doorstep.core.errors import DomainError, NotFound
from doorstep.payments import methods
from doorstep.subscriptions import billing, queries, services
from doorstep.subscriptions.forms import PlanForm, PlanStatusForm
from doorstep.subscriptions.models import Plan
from doorstep.web.forms import add_service_error

# --- The provider's plan page -----------------------------------------------------


@provider_required
@require_GET
def plan_page(request: HttpRequest) -> HttpResponse:
    provider = request.provider  # type: ignore[attr-defined]
    subscription = services.current_subscription(provider)
    return render(
        request,
        "subscriptions/plans.html",
        {
            "plans": queries.offered_plans(),
            "subscription": subscription,
            "expires_at": (
                billing.expiry_of(subscription)
                if subscription and subscription.past_due_since
                else None
            ),
            "saved_methods": methods.methods_of(request.user),
            "charges": queries.history_of(provider),
        },
    )


def _act(request: HttpRequest, action, success: str) -> HttpResponse:
    try:
        action()
    except NotFound as error:
        if error.code in {"plan_not_found", "payment_method_not_found"}:
            raise Http404(error.message) from error
        messages.error(request, error.message)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect("subscriptions:plans")


@provider_required
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        lambda: services.subscribe(
            user=request.user,
            plan_id=request.POST.get("plan", ""),
            interval=request.POST.get("interval", ""),
            currency=request.POST.get("currency", ""),
            method_id=request.POST.get("method", ""),
        ),
        _("Welcome to your new plan."),
    )


INTENT_SESSION_KEY = "subscriptions.intent"


@provider_required
@require_POST
def subscribe_with_new_card(request: HttpRequest) -> HttpResponse:
    """The first period on a card typed on the gateway's page; the gateway
    sends the provider back to ``new_card_return``."""
    try:
        intent = services.start_subscription_with_new_card(
            user=request.user,
            plan_id=request.POST.get("plan", ""),
            interval=request.POST.get("interval", ""),
            currency=request.POST.get("currency", ""),
            return_url=request.build_absolute_uri(
                reverse("subscriptions:new_card_return")
            ),
        )
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("subscriptions:plans")
    request.session[INTENT_SESSION_KEY] = intent.intent_id
    return redirect(intent.next_action_url)


@provider_required
@require_GET
def new_card_return(request: HttpRequest) -> HttpResponse:
    intent_id = request.session.get(INTENT_SESSION_KEY, "")
    if not intent_id:
        return redirect("subscriptions:plans")
    return _act(
        request,
        lambda: services.finish_subscription_with_new_card(
            user=request.user, intent_id=intent_id
        ),
        _("Welcome to your new plan. Your card is saved for the renewals."),
    )


@provider_required
@require_POST
def change(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        lambda: services.change_plan(
            user=request.user,
            plan_id=request.POST.get("plan", ""),
            interval=request.POST.get("interval", ""),
        ),
        _("Your plan is changed."),
    )


@provider_required
@require_POST
def cancel(request: HttpRequest) -> HttpResponse:
    at_once = request.POST.get("when") == "now"
    return _act(
        request,
        lambda: services.cancel_subscription(user=request.user, at_once=at_once),
        _("Your plan has ended.")
        if at_once
        else _("Your plan will end at the end of the period you paid for."),
    )


@provider_required
@require_POST
def resume(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        lambda: services.resume_subscription(user=request.user),
        _("Your plan will renew as before."),
    )


@provider_required
@require_POST
def set_card(request: HttpRequest) -> HttpResponse:
    return _act(
        request,
        lambda: services.set_subscription_card(
            user=request.user, method_id=request.POST.get("method", "")
        ),
        _("Your plan is charged to this card from now on."),
    )


# --- Ops ------------------------------------------------------------------------------


@require_GET
@ops_page
def ops_plans(request: HttpRequest) -> HttpResponse:
    figures, total = queries.plan_figures(user=request.user)
    return render(
        request, "subscriptions/ops/plans.html", {"figures": figures, "total": total}
    )


def _save_plan(request: HttpRequest, form: PlanForm, plan: Plan | None):
    try:
        if plan is None:
            return services.create_plan(
                user=request.user,
                fields=form.service_fields(),
                prices=form.cleaned_data["prices"],
            )
        return services.update_plan(
            user=request.user,
            plan_id=plan.public_id,
            fields=form.service_fields(),
            prices=form.cleaned_data["prices"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        if error.status in (403, 404) and not error.fields:
            raise
        add_service_error(form, error)
        return None


@require_http_methods(["GET", "POST"])
@ops_page
def ops_plan_create(request: HttpRequest) -> HttpResponse:
    require_ops_permission(request.user, OpsPermission.MANAGE_SETTINGS)
    form = PlanForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid() and (plan := _save_plan(request, form, None)):
            messages.success(request, _("Plan created. It is in the audit trail."))
            return redirect("subscriptions:ops_plan", plan_id=plan.public_id)
        return render(
            request, "subscriptions/ops/plan_form.html", {"form": form}, status=400
        )
    return render(request, "subscriptions/ops/plan_form.html", {"form": form})


def _plan(plan_id: str) -> Plan:
    plan = Plan.objects.filter(public_id=plan_id).first()
    if plan is None:
        raise Http404
    return plan


@require_http_methods(["GET", "POST"])
@ops_page
def ops_plan(request: HttpRequest, plan_id: str) -> HttpResponse:
    require_ops_permission(request.user, OpsPermission.MANAGE_SETTINGS)
    plan = _plan(plan_id)
    form = (
        PlanForm(request.POST) if request.method == "POST" else PlanForm.for_plan(plan)
    )
    status = 200
    if request.method == "POST":
        if form.is_valid() and _save_plan(request, form, plan):
            messages.success(request, _("Plan saved. It is in the audit trail."))
            return redirect("subscriptions:ops_plan", plan_id=plan.public_id)
        status = 400
    return render(
        request,
        "subscriptions/ops/plan_form.html",
        {
            "form": form,
            "plan": plan,
            "status_form": PlanStatusForm(
                initial={"status": "archived" if plan.is_active else "active"}
            ),
            "subscribers": queries.plan_subscribers(user=request.user, plan=plan),
        },
        status=status,
    )


@require_POST
@ops_page
def ops_plan_status(request: HttpRequest, plan_id: str) -> HttpResponse:
    require_ops_permission(request.user, OpsPermission.MANAGE_SETTINGS)
    plan = _plan(plan_id)
    form = PlanStatusForm(request.POST)
    if form.is_valid():
        services.set_plan_status(
            user=request.user,
            plan_id=plan.public_id,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Done. The change is in the audit trail."))
    else:
        messages.error(request, _("Choose a status and say why."))
    return redirect("subscriptions:ops_plan", plan_id=plan.public_id)
