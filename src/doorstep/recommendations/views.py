"""Favourites (the heart, the Saved page) and "Book again". Views parse, call
a service or a query, and render; rules live in ``services`` and ``queries``."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from doorstep.catalog.models import PricingModel
from doorstep.catalog.queries import bookable_listings
from doorstep.core.errors import DomainError, NotFound
from doorstep.recommendations import queries, services


def _next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@login_required
@require_POST
def toggle_favourite(request: HttpRequest) -> HttpResponse:
    """The heart: save the listing or provider, or (``saved=1``) unsave it.
    htmx swaps the button; without JavaScript the page reloads."""
    listing_id = request.POST.get("listing") or ""
    provider_id = request.POST.get("provider") or ""
    if request.POST.get("saved") == "1":
        services.unsave_target(
            customer=request.user, listing_id=listing_id, provider_id=provider_id
        )
        saved = False
    else:
        try:
            services.save_favourite(
                customer=request.user, listing_id=listing_id, provider_id=provider_id
            )
        except NotFound as error:
            raise Http404 from error
        except DomainError:
            return HttpResponse(status=400)
        saved = True
    if request.htmx:
        return render(
            request,
            "recommendations/_heart.html",
            {
                "listing_id": listing_id,
                "provider_id": provider_id,
                "saved": saved,
                "next": _next(request, ""),
            },
        )
    return redirect(_next(request, reverse("recommendations:saved")))


@login_required
@require_POST
def remove_favourite(request: HttpRequest, favourite_id: str) -> HttpResponse:
    try:
        services.remove_favourite(customer=request.user, favourite_id=favourite_id)
    except NotFound as error:
        raise Http404 from error
    return redirect("recommendations:saved")


@login_required
@require_GET
def saved(request: HttpRequest) -> HttpResponse:
    """The customer's saved services and providers, each with a way to book
    (again)."""
    favourites = queries.favourites_of(request.user)
    listing_ids = [f.listing_id for f in favourites if f.listing_id]
    bookable = set(
        bookable_listings().filter(pk__in=listing_ids).values_list("pk", flat=True)
    )
    last_orders = queries.last_orders_of(request.user, listing_ids)
    context = {
        "listings": [
            {
                "favourite": f,
                "listing": f.listing,
                "bookable": f.listing_id in bookable,
                "last_order": last_orders.get(f.listing_id),
            }
            for f in favourites
            if f.listing_id
        ],
        "providers": [f for f in favourites if f.provider_id],
    }
    return render(request, "recommendations/saved.html", context)


@login_required
@require_GET
def book_again(request: HttpRequest, order_id: str) -> HttpResponse:
    """From a past order to the booking page, filled in as that order was; if
    the service can no longer be booked, say so and offer similar ones."""
    try:
        order = queries.own_order(customer=request.user, order_id=order_id)
    except NotFound as error:
        raise Http404 from error
    listing = order.listing
    if (
        bookable_listings().filter(pk=listing.pk).exists()
        and listing.pricing_model != PricingModel.QUOTE
    ):
        url = reverse("orders:book", args=[listing.public_id])
        return redirect(f"{url}?again={order.public_id}")
    point = (order.latitude, order.longitude)
    context = {
        "order": order,
        "listing": listing,
        "similar": queries.similar_listings(listing_id=listing.pk, point=point)
        or queries.popular_near(point=point),
    }
    return render(request, "recommendations/unavailable.html", context)
