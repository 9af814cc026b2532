"""Recurring bookings on the web: /recurring/ (the customer's and the
provider's series, the series requests waiting for the provider first),
"Make it regular" (/recurring/new/?order=… from a past order, or ?listing=…
when booking), a series page (upcoming visits with skip,
move and proposals to answer; pause, resume, end; the card; the price; the
provider's accept, decline or withdraw of a request-to-book series).

Views parse, call one service and redirect; refusals come back as messages
or beside the field; someone else's series is a 404."""

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from doorstep.catalog.models import Listing
from doorstep.core.errors import DomainError, NotFound
from doorstep.orders.models import Order
from doorstep.payments import methods
from doorstep.recurring import queries, services
from doorstep.recurring.forms import MoveForm, PriceForm, SeriesForm
from doorstep.recurring.models import PriceChange, Series, SeriesAcceptance
from doorstep.web.forms import add_service_error


def _or_404(function: Callable, **arguments):
    try:
        return function(**arguments)
    except NotFound as error:
        raise Http404(error.message) from error


@login_required
def series_list(request: HttpRequest) -> HttpResponse:
    series = list(queries.series_of(request.user))
    as_provider = [s for s in series if s.customer_id != request.user.pk]
    return render(
        request,
        "recurring/list.html",
        {
            "as_customer": [s for s in series if s.customer_id == request.user.pk],
            "requests": [s for s in as_provider if s.awaits_acceptance],
            "as_provider": [s for s in as_provider if not s.awaits_acceptance],
        },
    )


def _starting_point(request: HttpRequest) -> tuple[Listing, dict]:
    """The listing and the form's first values: from one of the customer's
    orders ("Make it regular") or a listing ("Repeat this booking")."""
    source = request.GET.get("order") or request.POST.get("order") or ""
    if source:
        order = (
            Order.objects.select_related("listing")
            .filter(public_id=source, customer=request.user, listing__isnull=False)
            .first()
        )
        if order is None:
            raise Http404(_("No such order."))
        local = timezone.localtime(order.starts_at, timezone=ZoneInfo(order.time_zone))
        return order.listing, {
            "address": order.address,
            "latitude": order.latitude,
            "longitude": order.longitude,
            "notes": order.notes,
            "start_time": local.time().replace(second=0, microsecond=0),
            "cadence": "weekly",
            "order": order.public_id,
        }
    listing = Listing.objects.filter(
        public_id=request.GET.get("listing") or request.POST.get("listing") or ""
    ).first()
    if listing is None:
        raise Http404(_("No such service."))
    return listing, {
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "cadence": "weekly",
    }


@login_required
@require_http_methods(["GET", "POST"])
def new_series(request: HttpRequest) -> HttpResponse:
    listing, initial = _starting_point(request)
    saved = methods.methods_of(request.user)
    form = SeriesForm(request.POST or None, initial=initial, methods=saved)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            series = services.create_series(
                customer=request.user,
                listing_id=listing.public_id,
                cadence=data["cadence"],
                weekdays="".join(data["weekdays"]),
                start_date=data["start_date"],
                start_time=data["start_time"],
                end_date=data["end_date"],
                visit_count=data["visit_count"],
                address=data["address"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                notes=data["notes"],
                payment_method_id=data["payment_method"],
            )
        except DomainError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Your visits are booked as they come up.")
                if series.acceptance == SeriesAcceptance.NOT_NEEDED
                else _(
                    "Sent to the provider: once they accept the series, your "
                    "visits are confirmed as they come up."
                ),
            )
            return redirect(series)
    return render(
        request,
        "recurring/new.html",
        {
            "form": form,
            "listing": listing,
            "saved_methods": saved,
            "source_order": initial.get("order", ""),
        },
    )


@login_required
def series_detail(request: HttpRequest, series_id: str) -> HttpResponse:
    series = _or_404(services.access_series, user=request.user, series_id=series_id)
    return render(
        request,
        "recurring/detail.html",
        _detail_context(request, series),
    )


def _detail_context(request: HttpRequest, series: Series) -> dict:
    now = timezone.now()
    visits = queries.visits_of(series)
    is_customer = series.customer_id == request.user.pk
    return {
        "series": series,
        "is_customer": is_customer,
        "upcoming": [v for v in visits if v.starts_at > now],
        "past": [v for v in visits if v.starts_at <= now][-10:],
        "pending_price": series.price_changes.filter(
            status=PriceChange.Status.PENDING
        ).first(),
        "saved_methods": methods.methods_of(request.user) if is_customer else [],
        "move_form": MoveForm(),
        "price_form": PriceForm(),
    }


@login_required
@require_POST
def series_action(request: HttpRequest, series_id: str, action: str) -> HttpResponse:
    series = _or_404(services.access_series, user=request.user, series_id=series_id)
    user = request.user
    actions: dict[str, tuple[Callable[[], object], str]] = {
        "pause": (
            lambda: services.pause_series(user=user, series_id=series_id),
            _("Paused. Upcoming visits are skipped until you resume."),
        ),
        "resume": (
            lambda: services.resume_series(user=user, series_id=series_id),
            _("Resumed. Your visits are booked again."),
        ),
        "end": (
            lambda: services.end_series(user=user, series_id=series_id),
            _("The recurring booking has ended."),
        ),
        "accept": (
            lambda: services.accept_series(user=user, series_id=series_id),
            _("Accepted. Its visits are confirmed for you as they are booked."),
        ),
        "decline": (
            lambda: services.decline_series(user=user, series_id=series_id),
            _("Declined. The customer is told and the series has ended."),
        ),
        "withdraw-acceptance": (
            lambda: services.withdraw_acceptance(user=user, series_id=series_id),
            _("Withdrawn. Each new visit now waits for your answer."),
        ),
        "card": (
            lambda: services.set_series_card(
                user=user, series_id=series_id, method_id=request.POST.get("method", "")
            ),
            _("Your visits will be charged to this card."),
        ),
        "price": (
            lambda: services.propose_price(
                user=user,
                series_id=series_id,
                price_amount=_int(request.POST.get("price")),
            ),
            _("Your proposal was sent to the customer."),
        ),
        "price-accept": (
            lambda: services.answer_price(
                user=user, change_id=request.POST.get("change", ""), accept=True
            ),
            _("The new price applies to visits booked from now on."),
        ),
        "price-decline": (
            lambda: services.answer_price(
                user=user, change_id=request.POST.get("change", ""), accept=False
            ),
            _("The price stays as it was."),
        ),
    }
    if action not in actions:
        raise Http404(_("No such action."))
    run, success = actions[action]
    _run(request, run, success)
    return redirect(series)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0


def _run(request: HttpRequest, run: Callable[[], object], success: str) -> None:
    try:
        run()
    except NotFound as error:
        raise Http404(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)


@login_required
@require_POST
def visit_action(request: HttpRequest, visit_id: str, action: str) -> HttpResponse:
    visit = _or_404(services.access_visit, user=request.user, visit_id=visit_id)
    user = request.user
    if action == "move":
        form = MoveForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Pick the new date and time."))
            return redirect(visit.series)
        starts_at = timezone.make_aware(
            form.cleaned_data["starts_at"].replace(tzinfo=None),
            ZoneInfo(visit.series.time_zone),
        )
        _run(
            request,
            lambda: services.move_visit(
                user=user, visit_id=visit_id, starts_at=starts_at
            ),
            _("The provider is asked to move this visit."),
        )
        return redirect(visit.series)
    actions = {
        "skip": (services.skip_visit, _("Skipped. This visit is not charged.")),
        "accept": (services.accept_alternative, _("Booked at the time offered.")),
        "decline": (services.decline_alternative, _("Declined. No visit that day.")),
    }
    if action not in actions:
        raise Http404(_("No such action."))
    function, success = actions[action]
    _run(request, lambda: function(user=user, visit_id=visit_id), success)
    return redirect(visit.series)
