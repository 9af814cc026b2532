"""The customer's pages for platform services: the catalogue of what the
platform sells in a city (price, what is included, the promise), and the page
where one is bought (where, as soon as possible or when, notes, price), which
then hands over to the order's payment step like any booking.

Views parse, call ``dispatch.booking`` and render; the rules live there.
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from doorstep.accounts.models import SavedAddress
from doorstep.core.errors import DomainError, NotFound
from doorstep.dispatch import booking
from doorstep.dispatch.booking_forms import DispatchBookingForm
from doorstep.dispatch.models import ServiceInCity
from doorstep.marketplace.queries import cities, city_by_slug, city_near
from doorstep.marketplace.state import ServedCity


def _chosen_city(request: HttpRequest) -> ServedCity | None:
    """The city picked (``?city=``), else the one of the customer's default
    address, else the first the marketplace serves."""
    picked = city_by_slug(request.GET.get("city") or "")
    if picked is not None:
        return picked
    if request.user.is_authenticated:
        home = (
            SavedAddress.objects.filter(user=request.user)
            .order_by("-is_default", "label")
            .first()
        )
        if home is not None and (near := city_near(home.latitude, home.longitude)):
            return near
    served = cities()
    return served[0] if served else None


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """What the platform sells in a city, by category."""
    city = _chosen_city(request)
    on_sale = booking.catalogue_near(city.latitude, city.longitude) if city else []
    categories: dict[int, dict] = {}
    for item in on_sale:
        group = categories.setdefault(
            item.category.pk, {"category": item.category, "services": []}
        )
        group["services"].append(item)
    context = {
        "city": city,
        "cities": cities(),
        "categories": list(categories.values()),
    }
    return render(request, "dispatch/catalogue.html", context)


def _service_in(service_id: str, city: ServedCity | None) -> booking.OnSale:
    if city is None:
        raise Http404
    try:
        return booking.service_on_sale(
            service_id=service_id, latitude=city.latitude, longitude=city.longitude
        )
    except DomainError as error:
        raise Http404 from error


def _city_of(request: HttpRequest, service_id: str) -> ServedCity | None:
    """The city the page prices in: the one asked for, or the chosen one, or
    the first that sells the service."""
    city = _chosen_city(request)
    if request.GET.get("city") or city is None:
        return city
    if ServiceInCity.objects.filter(
        service__public_id=service_id, city__slug=city.slug, is_active=True
    ).exists():
        return city
    other = (
        ServiceInCity.objects.filter(service__public_id=service_id, is_active=True)
        .values_list("city__slug", flat=True)
        .first()
    )
    return city_by_slug(other or "") or city


def _book_page(
    request: HttpRequest,
    on_sale: booking.OnSale,
    form: DispatchBookingForm,
    *,
    status: int = 200,
) -> HttpResponse:
    offer = on_sale.offer
    context = {
        "on_sale": on_sale,
        "service": on_sale.service,
        "category": on_sale.category,
        "city": offer.city,
        "promise": on_sale.promise,
        "form": form,
        "addresses": form.addresses,
        "breakdown": booking.price_of(offer),
        "area_latitude": offer.city.latitude,
        "area_longitude": offer.city.longitude,
        "map_tile_url": settings.DOORSTEP_MAP_TILE_URL,
        "map_attribution": settings.DOORSTEP_MAP_ATTRIBUTION,
        "lead_minutes": booking.MIN_LEAD_MINUTES,
        "max_days": booking.MAX_DAYS_AHEAD,
    }
    return render(request, "dispatch/book.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, service_id: str) -> HttpResponse:
    """Say where and when, see the price, then pay on the gateway's page."""
    city = _city_of(request, service_id)
    on_sale = _service_in(service_id, city)
    offer = on_sale.offer
    options = {
        "user": request.user,
        "zone": ZoneInfo(offer.city.time_zone),
        "centre": (offer.city.latitude, offer.city.longitude),
        "offers_asap": offer.offers_asap,
    }
    if request.method == "GET":
        return _book_page(request, on_sale, DispatchBookingForm(**options))
    form = DispatchBookingForm(request.POST, **options)
    if not form.is_valid():
        return _book_page(request, on_sale, form, status=400)
    try:
        order = booking.place_dispatch_order(
            customer=request.user, service_id=service_id, **form.service_arguments()
        )
    except NotFound as error:
        raise Http404 from error
    except DomainError as error:
        form.add_service_error(error)
        return _book_page(request, on_sale, form, status=error.status)
    # The card is typed on the gateway's page, not ours.
    return redirect("orders:pay", order_id=order.public_id)
