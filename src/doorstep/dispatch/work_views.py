"""The worker's phone: live offers and the day's jobs (``/work/``), one job's
page with its steps (on the way, start with the customer's code, photos, done),
and the on-duty and location-sharing switches.

Every action is a plain form post (works without JavaScript); htmx refreshes the
offers, and ``work.js`` counts offers down and, when the worker opted in, sends
the phone's position to the API. Each view parses, calls one service and
redirects or renders; the rules live in ``cascade``, ``duty`` and the order's
process.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from doorstep.core.errors import DomainError, NotFound
from doorstep.dispatch import cascade, duty, work_queries
from doorstep.orders import queries as order_queries
from doorstep.orders import services as order_services
from doorstep.orders.forms import DeliverForm, ReasonForm, StartForm
from doorstep.orders.models import Order
from doorstep.web.forms import add_service_error

# The job page's steps that take more than a button.
STEP_FORMS = {"start": StartForm, "deliver": DeliverForm, "cancel": ReasonForm}


def _not_found_is_404(view):
    """A ``NotFound`` from the access checks or a service is the page's 404:
    nobody learns that someone else's job or offer exists."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404 from error

    return wrapped


def _home() -> str:
    return reverse("work:home")


# --- Today and the offers -------------------------------------------------------------


def _home_context(request: HttpRequest) -> dict:
    now = timezone.now()
    return {
        "worker": duty.worker_of(request.user),
        "days": work_queries.my_jobs(request.user, now=now),
        **_offers_context(work_queries.my_offers(request.user, now=now)),
    }


def _offers_context(live: list[work_queries.OfferCard]) -> dict:
    return {
        "offers": live,
        # What the polling sends back: the same offers answer 204.
        "offers_version": _offers_version(live),
        "decline_reasons": DECLINE_REASONS,
    }


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "dispatch/work/home.html", _home_context(request))


@login_required
@require_GET
def offers(request: HttpRequest) -> HttpResponse:
    """The live offers (an htmx partial polled every few seconds). While they
    are the same ones it answers 204, which htmx leaves alone: an open decline
    form is not wiped (the countdown runs in the browser)."""
    live = work_queries.my_offers(request.user)
    if request.GET.get("v") == _offers_version(live):
        return HttpResponse(status=204)
    return render(request, "dispatch/work/_offers.html", _offers_context(live))


def _offers_version(live: list[work_queries.OfferCard]) -> str:
    return ".".join(card.public_id for card in live) or "none"


@login_required
@require_POST
@_not_found_is_404
def accept_offer(request: HttpRequest, offer_id: str) -> HttpResponse:
    try:
        offer = cascade.accept_offer(offer_id=offer_id, user=request.user)
    except NotFound:
        raise
    except DomainError as error:
        # The calendar's own words speak to a customer picking a time.
        message = (
            _("You already have a job at that time, so this one cannot be yours.")
            if error.code == "slot_taken"
            else error.message
        )
        messages.error(request, message)
        return redirect(_home())
    messages.success(request, _("The job is yours. Set off when you are ready."))
    return redirect("work:job", order_id=offer.job.order.public_id)


# Offered as quick choices; the worker may type their own.
DECLINE_REASONS = (
    ("too_far", gettext_lazy("Too far")),
    ("busy", gettext_lazy("Busy with another job")),
    ("skills", gettext_lazy("Not my kind of job")),
    ("other", gettext_lazy("Something else")),
)


def decline_reason(code: str | None, note: str | None) -> str:
    """What the offer keeps: the chosen reason's code, and the worker's words."""
    codes = {value for value, _label in DECLINE_REASONS}
    code = code if code in codes else ""
    note = (note or "").strip()
    return f"{code}: {note}" if code and note else code or note


@login_required
@require_POST
@_not_found_is_404
def decline_offer(request: HttpRequest, offer_id: str) -> HttpResponse:
    reason = decline_reason(request.POST.get("reason"), request.POST.get("note"))
    try:
        cascade.decline_offer(offer_id=offer_id, user=request.user, reason=reason)
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_home())
    messages.info(request, _("Declined. The job goes to someone else."))
    return redirect(_home())


# --- Duty and location ----------------------------------------------------------------


@login_required
@require_POST
@_not_found_is_404
def set_duty(request: HttpRequest) -> HttpResponse:
    if request.POST.get("on_duty") == "1":
        duty.go_on_duty(user=request.user)
        messages.success(request, _("You are on duty: job offers can come in."))
    else:
        duty.go_off_duty(user=request.user)
        messages.info(request, _("You are off duty. Your location is not shared."))
    return redirect(_home())


@login_required
@require_POST
@_not_found_is_404
def set_location_sharing(request: HttpRequest) -> HttpResponse:
    on = request.POST.get("shares_location") == "on"
    try:
        duty.share_location(user=request.user, on=on)
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_home())
    if on:
        messages.success(request, _("Your location is shared while you are on duty."))
    else:
        messages.info(request, _("Your location is no longer shared."))
    return redirect(_home())


# --- One job --------------------------------------------------------------------------


def _step_forms(bound: dict | None = None) -> dict:
    bound = bound or {}
    return {
        name: bound.get(name) or form_class(prefix=name)
        for name, form_class in STEP_FORMS.items()
    }


def _render_job(
    request: HttpRequest, order: Order, *, status: int = 200, bound: dict | None = None
) -> HttpResponse:
    user = request.user
    transitions = order_queries.party_transitions(order, user)
    forward = [t for t in transitions if t.name in work_queries.FORWARD_STEPS]
    context = {
        "job": work_queries.job_card(order, user),
        "order": order,
        # The job's way forward first; cancelling and reports tucked away below.
        "transitions": forward,
        "other_transitions": [t for t in transitions if t not in forward],
        "forms": _step_forms(bound),
        "events": order_queries.timeline(order),
        "photos": list(order.photos.all()),
    }
    return render(request, "dispatch/work/job.html", context, status=status)


@login_required
@require_GET
@_not_found_is_404
def job(request: HttpRequest, order_id: str) -> HttpResponse:
    return _render_job(request, work_queries.access_job(request.user, order_id))


@login_required
@require_POST
@_not_found_is_404
def job_step(request: HttpRequest, order_id: str, name: str) -> HttpResponse:
    """On the way, start (with the customer's code), done (with photos), or
    another step the order allows its worker: one form each."""
    order = work_queries.access_job(request.user, order_id)
    form_class = STEP_FORMS.get(name)
    form = form_class(request.POST, request.FILES, prefix=name) if form_class else None
    if form is not None and not form.is_valid():
        return _render_job(request, order, status=400, bound={name: form})
    data = dict(form.cleaned_data) if form is not None else {}
    photos = data.pop("photos", None) or []
    try:
        order = order_services.transition_order(
            order=order,
            name=name,
            user=request.user,
            data=data,
            photos=photos,
            expected_state=request.POST.get("expected_state") or None,
        )
    except NotFound:
        raise
    except DomainError as error:
        if form is not None and error.fields:
            add_service_error(form, error)
            return _render_job(request, order, status=error.status, bound={name: form})
        messages.error(request, error.message)
        return redirect("work:job", order_id=order.public_id)
    messages.success(
        request,
        _("Done. The order is now: %(state)s.") % {"state": order.state_label},
    )
    return redirect("work:job", order_id=order.public_id)
