"""Order screens: the booking page, the customer's orders, the provider's inbox,
one order's page (both sides), and the back office's view of any order.

Each view parses a form, calls one service (or query) and renders or redirects;
the rules live in ``services.py``, ``pricing.py`` and the process definition.
"""

from collections import Counter
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from doorstep.accounts.models import ProviderProfile
from doorstep.backoffice.access import can_use_back_office
from doorstep.catalog.models import Listing, PaymentTiming, PricingModel
from doorstep.catalog.queries import bookable_listings, service_area_centre
from doorstep.core.errors import DomainError, NotFound, PermissionDenied
from doorstep.growth import checkout
from doorstep.growth.sharing import qr_svg
from doorstep.marketplace import policy
from doorstep.orders import queries, services
from doorstep.orders.forms import (
    BookingForm,
    DeliverForm,
    ReasonForm,
    RescheduleForm,
    StartForm,
    parse_day,
    parse_instant,
    zone_or_none,
)
from doorstep.orders.models import Order
from doorstep.orders.pricing import breakdown_of, chosen_add_ons, price_booking
from doorstep.orders.process import Actor
from doorstep.orders.processes import process_for
from doorstep.orders.states import START_CODE_STATES, OrderState
from doorstep.payments import after_service
from doorstep.payments.conf import setting as payment_setting
from doorstep.payments.gateways import WALLET_LABELS
from doorstep.payments.queries import extra_charges, order_money
from doorstep.scheduling.queries import provider_zone
from doorstep.scheduling.slots import bookable_slots, chosen_staff

PICKER_DAYS = 14
OPS_PAGE_SIZE = 50
# Forms a transition needs beyond a button.
TRANSITION_FORMS = {
    "start": StartForm,
    "deliver": DeliverForm,
    "cancel": ReasonForm,
}


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- Booking ------------------------------------------------------------------------


def _listing_to_book(request: HttpRequest, listing_id: str) -> Listing:
    listing = (
        bookable_listings()
        .select_related("provider__user", "category")
        .prefetch_related("add_ons")
        .filter(public_id=listing_id)
        .first()
    )
    if listing is None:
        raise Http404
    return listing


def _viewer_zone(request: HttpRequest, listing: Listing) -> ZoneInfo:
    """The customer's zone: the browser's (sent by booking.js), else their
    profile's, else the provider's (where the job happens)."""
    params = request.POST if request.method == "POST" else request.GET
    zone = zone_or_none(params.get("tz"))
    if zone is None and request.user.time_zone not in ("", "UTC"):
        zone = zone_or_none(request.user.time_zone)
    return zone or provider_zone(listing.provider)


def _booking_choices(
    listing: Listing, params
) -> tuple[int | None, list, DomainError | None]:
    """The hours and add-ons picked so far (ignoring bad ones: the submit
    reports them)."""
    hours = None
    if listing.pricing_model == PricingModel.HOURLY:
        try:
            hours = int(params.get("hours") or listing.min_hours)
        except ValueError:
            hours = listing.min_hours
    try:
        add_ons = chosen_add_ons(listing, params.getlist("add_ons"))
    except DomainError as error:
        return hours, [], error
    return hours, add_ons, None


def _picker(
    listing: Listing,
    *,
    zone: ZoneInfo,
    hours: int | None,
    extra_minutes: int,
    day: date | None,
    selected: str = "",
    url: str,
    staff_id: str = "",
) -> dict:
    """The date strip (next ``PICKER_DAYS`` days in the viewer's zone, each with
    how many start times it has) and the chosen day's start times (of the
    chosen staff member, or of any, for an agency's service)."""
    today = timezone.now().astimezone(zone).date()
    last = today + timedelta(days=PICKER_DAYS - 1)
    error = None
    try:
        slots = bookable_slots(
            listing=listing,
            start_date=today,
            end_date=last,
            hours=hours,
            viewer_tz=zone,
            extra_minutes=extra_minutes,
            staff=chosen_staff(listing, staff_id),
        )
    except DomainError as exc:
        slots, error = [], exc.message
    per_day = Counter(slot.local_starts_at.date() for slot in slots)
    if day is None or not today <= day <= last:
        day = next((d for d in sorted(per_day)), today)
    the_provider_zone = provider_zone(listing.provider)
    return {
        "picker_url": url,
        "days": [
            {"date": today + timedelta(days=n), "count": per_day[today + timedelta(n)]}
            for n in range(PICKER_DAYS)
        ],
        "day": day,
        "slots": [
            {
                "value": slot.local_starts_at.isoformat(),
                "local": slot.local_starts_at,
                "provider_local": slot.starts_at.astimezone(the_provider_zone),
            }
            for slot in slots
            if slot.local_starts_at.date() == day
        ],
        "selected": selected,
        "slot_error": error,
        "viewer_zone": str(zone),
        "provider_zone": str(the_provider_zone),
        "zones_differ": str(zone) != str(the_provider_zone),
    }


def _price_context(listing: Listing, params) -> dict:
    hours, add_ons, error = _booking_choices(listing, params)
    breakdown = price_booking(listing=listing, hours=hours, add_ons=add_ons)
    return {"breakdown": breakdown, "price_error": error.message if error else None}


def _book_page(
    request: HttpRequest,
    listing: Listing,
    form: BookingForm,
    *,
    status: int = 200,
    params=None,
) -> HttpResponse:
    if params is None:
        params = request.POST if form.is_bound else request.GET
    zone = _viewer_zone(request, listing)
    hours, add_ons, _error = _booking_choices(listing, params)
    selected = params.get("starts_at") or ""
    chosen = parse_instant(selected)
    day = parse_day(params.get("date")) or (
        chosen.astimezone(zone).date() if chosen else None
    )
    slots_url = reverse("orders:booking_slots", args=[listing.public_id])
    form.connect_picker(slots_url)
    area_latitude, area_longitude = service_area_centre(listing)
    context = {
        "listing": listing,
        "form": form,
        "addresses": form.addresses,
        "area_latitude": area_latitude,
        "area_longitude": area_longitude,
        "map_tile_url": settings.DOORSTEP_MAP_TILE_URL,
        "map_attribution": settings.DOORSTEP_MAP_ATTRIBUTION,
        "free_hours": policy.current().cancellation_free_hours,
        "picker": _picker(
            listing,
            zone=zone,
            hours=hours,
            extra_minutes=sum(add_on.extra_minutes for add_on in add_ons),
            day=day,
            selected=selected,
            url=slots_url,
            staff_id=params.get("staff") or "",
        ),
        **_price_context(listing, params),
    }
    return render(request, "orders/book.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, listing_id: str) -> HttpResponse:
    """Pick a time, say where, and book (or request to book)."""
    listing = _listing_to_book(request, listing_id)
    back = reverse("catalog:listing", args=[listing.public_id])
    if listing.provider.user_id == request.user.pk:
        messages.info(request, _("This is your own service: customers book it here."))
        return redirect(back)
    if listing.pricing_model == PricingModel.QUOTE:
        messages.info(
            request,
            _("This service is priced on quote: it cannot be booked directly."),
        )
        return redirect(back)
    staff = queries.listing_staff(listing)
    if request.method == "GET":
        # "Book again" (?again=<order>): the past order's choices fill the
        # form; the customer still picks a time and books as usual.
        choices = queries.repeat_booking_choices(
            customer=request.user,
            order_id=request.GET.get("again") or "",
            listing=listing,
        )
        params = request.GET.copy()
        for name, value in choices.items():
            if name == "add_ons":
                params.setlist(name, value)
            elif name in ("hours", "staff"):
                params[name] = str(value)
        return _book_page(
            request,
            listing,
            BookingForm(
                listing=listing, user=request.user, staff=staff, initial=choices
            ),
            params=params,
        )
    form = BookingForm(request.POST, listing=listing, user=request.user, staff=staff)
    if form.is_valid():
        try:
            # One transaction: a promo code that does not apply undoes the
            # booking, so the customer fixes the code beside its field and
            # nothing is held meanwhile (a code needs the order to be judged).
            with transaction.atomic():
                order = services.place_order(
                    customer=request.user,
                    listing_id=listing.public_id,
                    **form.service_arguments(),
                )
                if code := form.cleaned_data.get("promo_code"):
                    checkout.apply(order=order, user=request.user, code=code)
        except DomainError as error:
            form.add_service_error(error)
            return _book_page(request, listing, form, status=error.status)
        if warning := getattr(order, "booking_text_warning", ""):
            messages.warning(request, warning)
        if order.payment_timing != PaymentTiming.PAY_NOW:
            # Paid later (after the service, in cash): booked, nothing to pay.
            return redirect(order)
        # The time is held; the card is typed on the gateway's page, not ours.
        return redirect("orders:pay", order_id=order.public_id)
    return _book_page(request, listing, form, status=400)


# --- Paying: the gateway's page, then back ------------------------------------------


@login_required
@require_GET
@csp_update(
    {
        "script-src": ["https://js.stripe.com"],
        "frame-src": ["https://js.stripe.com", "https://hooks.stripe.com"],
        "connect-src": ["https://api.stripe.com"],
    }
)
def pay(request: HttpRequest, order_id: str) -> HttpResponse:
    """Send the customer to the gateway to pay for an order waiting for payment:
    the sandbox's hosted page, or Stripe.js confirming the intent here."""
    order = _visible(request, order_id)
    wallet = request.GET.get("with") or None
    try:
        intent = services.start_order_payment(
            order=order,
            user=request.user,
            return_url=request.build_absolute_uri(
                reverse("orders:payment_return", args=[order.public_id])
            ),
            gateway=wallet,
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(order)
    if intent.authorised:
        return redirect("orders:payment_return", order_id=order.public_id)
    if wallet and intent.next_action_url:
        return _pay_with_wallet(request, order, wallet, intent.next_action_url)
    if intent.next_action_url:
        return redirect(intent.next_action_url)
    context = {
        "order": order,
        "client_secret": intent.client_secret,
        "publishable_key": payment_setting("STRIPE_PUBLISHABLE_KEY"),
        "return_url": request.build_absolute_uri(
            reverse("orders:payment_return", args=[order.public_id])
        ),
    }
    return render(request, "orders/pay.html", context)


def _pay_with_wallet(
    request: HttpRequest, order, wallet: str, code: str
) -> HttpResponse:
    """A wallet's payment: its code as a QR code to scan with the wallet's app
    (a link to open on a phone), then back to the return page, which asks the
    wallet how the payment stands."""
    context = {
        "order": order,
        "wallet": str(WALLET_LABELS.get(wallet, wallet)),
        # segno escapes the title and writes only numbers and path commands.
        "qr_svg": mark_safe(  # noqa: S308
            qr_svg(code, title=_("Payment QR code"), css_class="pay-wallet__qr")
        ),
        "link": code if code.startswith("https://") else "",
    }
    return render(request, "orders/pay_wallet.html", context)


@login_required
@require_GET
def payment_return(request: HttpRequest, order_id: str) -> HttpResponse:
    """Where the gateway sends the customer back. What the query string says
    is ignored: the gateway is asked how the payment stands."""
    order = _visible(request, order_id)
    try:
        order = services.sync_order_payment(order=order, user=request.user)
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(order)
    if order.state == OrderState.ACCEPTED:
        messages.success(request, _("Booked! The provider will see you then."))
    elif order.state == OrderState.REQUESTED:
        messages.success(
            request,
            _("Request sent. We will tell you as soon as the provider answers."),
        )
    elif order.state == OrderState.DISPATCHING:
        messages.success(
            request, _("Paid. We are finding a pro for you: follow it here.")
        )
    elif order.state == OrderState.COMPLETED and not (
        after_service.awaits_customer_payment(order)
    ):
        messages.success(request, _("Paid. Thank you."))
    elif order.state == OrderState.AWAITING_PAYMENT:
        messages.error(
            request,
            _(
                "The payment was not completed, so nothing is booked yet. "
                "Try again or use another card."
            ),
        )
    return redirect(order)


@login_required
@require_GET
def booking_slots(request: HttpRequest, listing_id: str) -> HttpResponse:
    """The slot picker for the chosen day, hours and add-ons (an htmx partial)."""
    listing = _listing_to_book(request, listing_id)
    zone = _viewer_zone(request, listing)
    hours, add_ons, _error = _booking_choices(listing, request.GET)
    context = _picker(
        listing,
        zone=zone,
        hours=hours,
        extra_minutes=sum(add_on.extra_minutes for add_on in add_ons),
        day=parse_day(request.GET.get("date")),
        selected=request.GET.get("starts_at") or "",
        url=reverse("orders:booking_slots", args=[listing.public_id]),
        staff_id=request.GET.get("staff") or "",
    )
    return render(request, "orders/_slot_picker.html", {"picker": context})


@login_required
@require_GET
def booking_price(request: HttpRequest, listing_id: str) -> HttpResponse:
    """The price breakdown for the hours and add-ons picked (an htmx partial):
    computed here, never in the browser."""
    listing = _listing_to_book(request, listing_id)
    if listing.pricing_model == PricingModel.QUOTE:
        raise Http404
    context = {"listing": listing, **_price_context(listing, request.GET)}
    return render(request, "orders/_price_summary.html", context)


# --- The customer's orders and the provider's inbox ---------------------------------


@login_required
@require_GET
def my_orders(request: HttpRequest) -> HttpResponse:
    orders = queries.customer_orders(request.user)
    return render(request, "orders/my_orders.html", {"orders": orders})


@login_required
@require_GET
def provider_inbox(request: HttpRequest) -> HttpResponse:
    provider = ProviderProfile.objects.filter(user=request.user).first()
    if provider is None:
        messages.info(request, _("Become a provider to receive bookings."))
        return redirect("accounts:provider")
    inbox = queries.provider_inbox(provider)
    return render(
        request,
        "orders/provider_inbox.html",
        {"inbox": inbox, "provider": provider, "now": timezone.now()},
    )


# --- One order, as customer or provider ---------------------------------------------


def _visible(request: HttpRequest, order_id: str) -> Order:
    try:
        return queries.access_order(request.user, order_id)
    except NotFound as error:
        raise Http404 from error


def _action_forms(bound: dict | None = None) -> dict:
    bound = bound or {}
    return {
        name: bound.get(name) or form_class(prefix=name)
        for name, form_class in TRANSITION_FORMS.items()
    }


def _order_context(
    request: HttpRequest,
    order: Order,
    *,
    bound_forms: dict | None = None,
    reschedule_form: RescheduleForm | None = None,
) -> dict:
    user = request.user
    role = queries.role_on(order, user)
    transitions = queries.party_transitions(order, user)
    pending = queries.pending_reschedule(order)
    context = {
        "order": order,
        "role": role.value if role else "",
        "transitions": transitions,
        "transition_names": {transition.name for transition in transitions},
        "forms": _action_forms(bound_forms),
        "events": queries.timeline(order),
        "lines": list(order.lines.all()),
        "photos": list(order.photos.all()),
        "pending_reschedule": pending,
        "reschedule_form": reschedule_form or RescheduleForm(),
        "version": queries.version_of(order),
        "money": order_money(order),
        "price": breakdown_of(order),
        "extra_charges": extra_charges(order),
        "cancel_fee": queries.cancellation_fee_preview(order, user),
        "free_hours": policy.current().cancellation_free_hours,
        # The template compares with the names, never with spelled-out states.
        "OrderState": OrderState,
        "show_start_code": role == "customer" and order.state in START_CODE_STATES,
        "can_reschedule": order.can_reschedule()
        and order.listing_id is not None
        and (pending is None or pending.proposed_by == role),
    }
    # Paid later (``payments.after_service``): what happens with the money,
    # and the pay button once the saved card was refused.
    context["payment_note"] = after_service.payment_note(
        order, for_provider=role != Actor.CUSTOMER
    )
    context["customer_must_pay"] = (
        role == Actor.CUSTOMER and after_service.awaits_customer_payment(order)
    )
    if context["can_reschedule"] and (pending is None or reschedule_form):
        context.update(_reschedule_picker(request, order))
    return context


def _reschedule_picker(request: HttpRequest, order: Order) -> dict:
    listing = order.listing
    zone = (
        ZoneInfo(order.time_zone)
        if order.time_zone
        else provider_zone(listing.provider)
    )
    return {
        "reschedule": _picker(
            listing,
            zone=zone,
            hours=order.hours,
            extra_minutes=services.booked_extra_minutes(order),
            day=parse_day(request.GET.get("date")),
            selected=request.GET.get("starts_at") or "",
            url=reverse("orders:reschedule_slots", args=[order.public_id]),
        )
    }


def _render_order(
    request: HttpRequest, order: Order, *, status: int = 200, **forms
) -> HttpResponse:
    context = _order_context(request, order, **forms)
    return render(request, "orders/order_detail.html", context, status=status)


def render_order_page(
    request: HttpRequest, order: Order, *, status: int = 200, extra: dict
) -> HttpResponse:
    """The order page with another app's part of it: growth's discounts form
    sent back with its errors beside the fields."""
    context = {**_order_context(request, order), **extra}
    return render(request, "orders/order_detail.html", context, status=status)


@login_required
@require_GET
def order_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    return _render_order(request, _visible(request, order_id))


@login_required
@require_GET
def order_live(request: HttpRequest, order_id: str) -> HttpResponse:
    """The live part of the order page, polled by htmx every few seconds. While
    nothing changed it answers 204, which htmx leaves alone (so a half-typed
    start code is not wiped)."""
    order = _visible(request, order_id)
    if request.GET.get("v") == queries.version_of(order):
        return HttpResponse(status=204)
    return render(request, "orders/_order_live.html", _order_context(request, order))


@login_required
@require_POST
def order_transition(request: HttpRequest, order_id: str, name: str) -> HttpResponse:
    """Accept, decline, start, deliver, confirm, cancel…: one button each."""
    order = _visible(request, order_id)
    form_class = TRANSITION_FORMS.get(name)
    form = form_class(request.POST, request.FILES, prefix=name) if form_class else None
    if form is not None and not form.is_valid():
        return _render_order(request, order, status=400, bound_forms={name: form})
    data = dict(form.cleaned_data) if form is not None else {}
    photos = data.pop("photos", None) or []
    try:
        order = services.transition_order(
            order=order,
            name=name,
            user=request.user,
            data=data,
            photos=photos,
            expected_state=request.POST.get("expected_state") or None,
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        if form is not None and error.fields:
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
            return _render_order(
                request, order, status=error.status, bound_forms={name: form}
            )
        messages.error(request, error.message)
        return redirect(_safe_next(request, order.get_absolute_url()))
    messages.success(
        request,
        _("Done. The order is now: %(state)s.") % {"state": order.state_label},
    )
    return redirect(_safe_next(request, order.get_absolute_url()))


@login_required
@require_GET
def reschedule_slots(request: HttpRequest, order_id: str) -> HttpResponse:
    order = _visible(request, order_id)
    if not order.can_reschedule() or order.listing is None:
        raise Http404
    context = _reschedule_picker(request, order)
    return render(
        request, "orders/_slot_picker.html", {"picker": context["reschedule"]}
    )


@login_required
@require_POST
def reschedule_propose(request: HttpRequest, order_id: str) -> HttpResponse:
    order = _visible(request, order_id)
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            services.propose_reschedule(
                order=order, user=request.user, starts_at=form.cleaned_data["starts_at"]
            )
        except NotFound as error:
            raise Http404 from error
        except DomainError as error:
            messages_for_field = error.fields.get("starts_at") or [error.message]
            for message in messages_for_field:
                form.add_error("starts_at", message)
            return _render_order(
                request, order, status=error.status, reschedule_form=form
            )
        messages.success(request, _("New time proposed. We will tell the other side."))
        return redirect(order)
    return _render_order(request, order, status=400, reschedule_form=form)


@login_required
@require_POST
def reschedule_answer(
    request: HttpRequest, order_id: str, request_id: str
) -> HttpResponse:
    order = _visible(request, order_id)
    accept = request.POST.get("answer") == "accept"
    try:
        services.answer_reschedule(
            order=order, user=request.user, request_id=request_id, accept=accept
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(order)
    if accept:
        messages.success(request, _("The booking has moved to the new time."))
    else:
        messages.info(request, _("You declined the new time; the booking stays."))
    return redirect(order)


# --- The back office ------------------------------------------------------------------


def _ops_only(request: HttpRequest) -> None:
    # Ops pages do not admit they exist to anyone else.
    if not can_use_back_office(request):
        raise Http404


@require_GET
def ops_order_list(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    state = request.GET.get("state") or ""
    search = (request.GET.get("q") or "").strip()
    # Every state of every buying mode (``dispatching`` is only dispatch's).
    states = list(OrderState.choices)
    if state not in {name for name, _label in states}:
        state = ""
    page = Paginator(queries.ops_orders(state=state, search=search), OPS_PAGE_SIZE)
    context = {
        "page": page.get_page(request.GET.get("page")),
        "states": states,
        "state": state,
        "q": search,
    }
    return render(request, "orders/ops_list.html", context)


@require_GET
def ops_order_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    _ops_only(request)
    try:
        order = queries.ops_order(order_id)
    except NotFound as error:
        raise Http404 from error
    context = {
        "order": order,
        "events": queries.timeline(order),
        "timers": list(order.timers.all()),
        "reschedules": list(order.reschedule_requests.all()),
        "lines": list(order.lines.all()),
        "photos": list(order.photos.all()),
        "transitions": queries.ops_transitions(order, request.user),
        "mermaid": process_for(order.mode).mermaid(),
        "now": timezone.now(),
        "dossier": _ops_dossier(request, order),
    }
    return render(request, "orders/ops_detail.html", context)


def _ops_dossier(request: HttpRequest, order: Order):
    """The order's money, events, conversation and audit entries, for ops whose
    role looks people up (the rest see the order's own history only)."""
    from doorstep.backoffice.queries import order_dossier

    try:
        return order_dossier(user=request.user, order=order)
    except PermissionDenied:
        return None


@require_POST
def ops_order_transition(
    request: HttpRequest, order_id: str, name: str
) -> HttpResponse:
    _ops_only(request)
    try:
        order = queries.ops_order(order_id)
    except NotFound as error:
        raise Http404 from error
    reason = (request.POST.get("reason") or "").strip()
    try:
        order = services.transition_order(
            order=order,
            name=name,
            user=request.user,
            data={"reason": reason} if reason else None,
            expected_state=request.POST.get("expected_state") or None,
            as_ops=True,
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Done. The order is now: %(state)s.") % {"state": order.state_label},
        )
    return redirect("orders:ops_detail", order_id=order.public_id)
