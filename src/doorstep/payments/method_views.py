"""Saved cards on the web: the account area's "Payment methods" page (list,
make default, remove), and the checkout's two ways to use them — pay with a
saved card in one click, or pay with a new card and tick "save this card"
(the card is typed on the gateway's page; once the gateway confirms the
payment, the card it holds is saved from its record)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.core.errors import DomainError, NotFound
from doorstep.orders import queries as order_queries
from doorstep.orders import services as order_services
from doorstep.payments import flows, methods


@login_required
@require_GET
def payment_methods(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payments/methods.html",
        {"methods": methods.methods_of(request.user)},
    )


@login_required
@require_POST
def make_default(request: HttpRequest, method_id: str) -> HttpResponse:
    try:
        methods.make_default(user=request.user, method_id=method_id)
    except NotFound as error:
        raise Http404 from error
    messages.success(request, _("This card is now your default."))
    return redirect("payment_methods:list")


@login_required
@require_POST
def remove(request: HttpRequest, method_id: str) -> HttpResponse:
    try:
        methods.remove_method(user=request.user, method_id=method_id)
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Card removed."))
    return redirect("payment_methods:list")


def _order(request: HttpRequest, order_id: str):
    try:
        return order_queries.access_order(request.user, order_id)
    except NotFound as error:
        raise Http404 from error


@login_required
@require_POST
def pay_with_saved(request: HttpRequest, order_id: str) -> HttpResponse:
    """One click: the order's charge held on the chosen saved card."""
    order = _order(request, order_id)
    try:
        methods.pay_order_with_saved_method(
            order=order,
            user=request.user,
            method_id=request.POST.get("method", ""),
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(order)
    return redirect("orders:payment_return", order_id=order.public_id)


@login_required
@require_GET
def pay_with_new_card(request: HttpRequest, order_id: str) -> HttpResponse:
    """A new card on the gateway's page; with ``save=1`` the gateway sends
    the customer back to ``saved_return``, which keeps the card."""
    order = _order(request, order_id)
    if request.GET.get("save") != "1":
        return redirect("orders:pay", order_id=order.public_id)
    return_url = request.build_absolute_uri(
        reverse("payment_methods:saved_return", args=[order.public_id])
    )
    try:
        intent = order_services.start_order_payment(
            order=order, user=request.user, return_url=return_url, save_card=True
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(order)
    if intent.authorised:
        return redirect(return_url)
    if intent.next_action_url:
        return redirect(intent.next_action_url)
    # Stripe.js confirms the intent on our page, as the plain checkout does.
    return redirect("orders:pay", order_id=order.public_id)


@login_required
@require_GET
def saved_return(request: HttpRequest, order_id: str) -> HttpResponse:
    """Back from the gateway: ask it how the payment stands (never the query
    string), keep the card it confirmed, then show the order's outcome."""
    order = _order(request, order_id)
    try:
        order_services.sync_order_payment(order=order, user=request.user)
        payment = flows.order_payment(order)
        if payment is not None:
            methods.save_from_payment(user=request.user, payment=payment)
            messages.success(request, _("Your card is saved for next time."))
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(order)
    return redirect("orders:payment_return", order_id=order.public_id)
