"""The provider's availability editor and their private calendar feed. Each view
parses a form, calls one service and renders or redirects; the rules live in
``services.py`` and ``slots.py``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.accounts.models import ProviderProfile
from doorstep.core.errors import DomainError, NotFound
from doorstep.orders.models import Order
from doorstep.scheduling import services
from doorstep.scheduling.forms import AvailabilityForm, ExceptionForm
from doorstep.scheduling.ical import provider_calendar
from doorstep.scheduling.queries import (
    calendar_feed_by_token,
    calendar_orders,
    live_calendar_feed,
    policy_for,
    provider_zone,
    upcoming_exceptions,
    weekly_rules,
)

# The calendar URL is shown once, on the page the provider lands on after making
# it; it waits in the session until then (it is never stored anywhere else).
NEW_FEED_SESSION_KEY = "doorstep_new_calendar_feed"


def _own_provider(request: HttpRequest) -> ProviderProfile | None:
    return ProviderProfile.objects.filter(user=request.user).first()


def _not_a_provider(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Become a provider first, then set your working hours."))
    return redirect("accounts:provider")


def _editor_form(provider: ProviderProfile, data=None) -> AvailabilityForm:
    rules = [
        services.WeeklyHours(rule.weekday, rule.start_time, rule.end_time)
        for rule in weekly_rules(provider)
    ]
    return AvailabilityForm(data, rules=rules, policy=policy_for(provider))


def _page(
    request: HttpRequest,
    provider: ProviderProfile,
    *,
    form: AvailabilityForm | None = None,
    exception_form: ExceptionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    zone = provider_zone(provider)
    today = timezone.now().astimezone(zone).date()
    new_token = request.session.pop(NEW_FEED_SESSION_KEY, None)
    new_feed_url = (
        request.build_absolute_uri(
            reverse("scheduling:ical_feed", kwargs={"token": new_token})
        )
        if new_token
        else None
    )
    context = {
        "provider": provider,
        "time_zone": str(zone),
        "form": form or _editor_form(provider),
        "exception_form": exception_form or ExceptionForm(initial={"date": today}),
        "exceptions": upcoming_exceptions(provider, today=today),
        "feed": live_calendar_feed(provider),
        "new_feed_url": new_feed_url,
    }
    return render(request, "scheduling/availability.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def availability(request: HttpRequest) -> HttpResponse:
    """The weekly hours and booking rules; saving replaces them all at once."""
    provider = _own_provider(request)
    if provider is None:
        return _not_a_provider(request)
    if request.method == "GET":
        return _page(request, provider)
    form = _editor_form(provider, request.POST)
    if form.is_valid():
        try:
            services.replace_availability(
                provider=provider, rules=form.rules, policy=form.policy
            )
        except DomainError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("Your working hours are saved."))
            return redirect("scheduling:availability")
    return _page(request, provider, form=form)


@login_required
@require_POST
def add_exception(request: HttpRequest) -> HttpResponse:
    provider = _own_provider(request)
    if provider is None:
        return _not_a_provider(request)
    form = ExceptionForm(request.POST)
    if form.is_valid():
        try:
            services.add_exception(provider=provider, **form.service_arguments())
        except DomainError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The date is added."))
            return redirect("scheduling:availability")
    return _page(request, provider, exception_form=form)


@login_required
@require_POST
def remove_exception(request: HttpRequest, exception_id: str) -> HttpResponse:
    provider = _own_provider(request)
    if provider is None:
        return _not_a_provider(request)
    try:
        services.remove_exception(provider=provider, exception_id=exception_id)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, _("The date is removed."))
    return redirect("scheduling:availability")


@login_required
@require_POST
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """Make (or replace) the private calendar link, or turn it off."""
    provider = _own_provider(request)
    if provider is None:
        return _not_a_provider(request)
    if request.POST.get("action") == "revoke":
        services.revoke_calendar_feed(provider=provider)
        messages.success(request, _("Your calendar link is turned off."))
    else:
        _feed, raw = services.create_calendar_feed(provider=provider)
        request.session[NEW_FEED_SESSION_KEY] = raw
        messages.success(request, _("Your new calendar link is ready."))
    return redirect(f"{reverse('scheduling:availability')}#calendar")


def _order_path(order: Order) -> str:
    # The order pages belong to the orders app; until they exist, the link
    # still names the order unambiguously.
    try:
        return reverse("orders:detail", kwargs={"order_id": order.public_id})
    except NoReverseMatch:
        return f"/orders/{order.public_id}/"


@require_GET
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The provider's upcoming jobs for their calendar app. The token in the URL
    is the only credential; an unknown or revoked one is a 404."""
    feed = calendar_feed_by_token(token)
    if feed is None:
        raise Http404
    provider = feed.provider
    now = timezone.now()
    with translation.override(provider.user.language):
        body = provider_calendar(
            provider=provider,
            time_zone=str(provider_zone(provider)),
            orders=calendar_orders(provider, now=now),
            order_url=lambda order: request.build_absolute_uri(_order_path(order)),
            now=now,
        )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="doorstep-jobs.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
