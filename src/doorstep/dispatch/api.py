"""The platform-dispatch API for customers: what the platform sells at a place
(with its price and promise), what buying it costs, buying it, and how the
search for a worker stands.

The order itself is read and moved like any other (``/orders/{id}``,
``/orders/{id}/transitions/cancel``); these endpoints add the dispatch side.
Every order endpoint answers 404 for an order the caller is not a party to.
"""

from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from doorstep.accounts.models import User
from doorstep.catalog.models import localized
from doorstep.core.errors import NotFound
from doorstep.dispatch import booking
from doorstep.dispatch.schemas import (
    DispatchOrderIn,
    DispatchServiceOut,
    DispatchServicePriceOut,
    DispatchStatusOut,
    DispatchWorkerOut,
    PlaceQuery,
    PromiseOut,
)
from doorstep.orders import queries as order_queries
from doorstep.orders.api import placed_order_answer, price_out
from doorstep.orders.models import BuyingMode
from doorstep.orders.process import Actor
from doorstep.orders.schemas import MoneyOut, OrderDetailOut

router = Router(tags=["dispatch"])


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,return-value]


def service_out(on_sale: booking.OnSale) -> DispatchServiceOut:
    offer, service, category = on_sale.offer, on_sale.service, on_sale.category
    promise = on_sale.promise
    return DispatchServiceOut(
        id=service.public_id,
        title=service.title,
        description=localized(service, "description"),
        category_id=category.public_id,
        category_name=category.name,
        city=offer.city.slug,
        city_name=offer.city.name,
        time_zone=offer.city.time_zone,
        price=MoneyOut(amount=offer.price_amount, currency=offer.currency),
        duration_minutes=service.duration_minutes,
        standard=category.standard,
        warranty_days=category.warranty_days,
        promise=PromiseOut(
            respond_minutes=promise.respond_minutes,
            arrive_minutes=promise.arrive_minutes if offer.offers_asap else None,
            offers_asap=offer.offers_asap,
        ),
    )


@router.get(
    "/dispatch/services",
    auth=None,
    response=list[DispatchServiceOut],
    summary="What the platform sells at a place",
    description=(
        "The platform's fixed-price services on sale in the city the point falls "
        "in, with the city's price, what is included, the warranty and the "
        "promise (a worker accepts within `respond_minutes`; as soon as "
        "possible, at the door within `arrive_minutes`). An empty list outside "
        "every served city. Public."
    ),
)
def list_services(
    request: HttpRequest, place: Query[PlaceQuery]
) -> list[DispatchServiceOut]:
    return [
        service_out(on_sale)
        for on_sale in booking.catalogue_near(place.latitude, place.longitude)
    ]


@router.get(
    "/dispatch/services/{service_id}/price",
    auth=None,
    response=DispatchServicePriceOut,
    summary="What buying a platform service at a place costs",
    description=(
        "The price breakdown at that place (the city's price): lines, service "
        "fee, tax included and total — the figures `POST /dispatch/orders` "
        "stores and the card is held for. Public. 404 `service_not_found`; 422 "
        "`outside_service_area`, `service_not_sold_here`."
    ),
)
def preview_price(
    request: HttpRequest, service_id: str, place: Query[PlaceQuery]
) -> DispatchServicePriceOut:
    on_sale = booking.service_on_sale(
        service_id=service_id, latitude=place.latitude, longitude=place.longitude
    )
    price = price_out(
        booking.price_of(on_sale.offer),
        duration_minutes=on_sale.service.duration_minutes,
    )
    return DispatchServicePriceOut(**price.model_dump(), service=service_out(on_sale))


@router.post(
    "/dispatch/orders",
    response={200: OrderDetailOut, 201: OrderDetailOut},
    summary="Buy a platform service",
    description=(
        "For an address, `asap: true` or a `starts_at` (at least an hour ahead, "
        "at most 30 days). The order starts `awaiting_payment`: confirm "
        "`payment` with the gateway as for `POST /orders`. Once the money is "
        "held the order is `dispatching` while the platform finds a worker "
        "(`GET /dispatch/orders/{id}`), then `accepted`.\n\n"
        "Send an `Idempotency-Key` header to make retries safe: the first "
        "request answers **201**; a repeat with the same key and body answers "
        "**200** with the same order (`Idempotent-Replayed: true`); the same key "
        "with another body is a 422 `idempotency_mismatch`.\n\n"
        "Errors: 404 `service_not_found`; 422 `outside_service_area`, "
        "`service_not_sold_here`, `asap_not_offered`, `too_soon`, "
        "`too_far_ahead`; 400 bad fields (`invalid_input` with `errors`)."
    ),
)
def create_order(
    request: HttpRequest, payload: DispatchOrderIn, response: HttpResponse
) -> Status[OrderDetailOut]:
    user = _caller(request)
    order = booking.place_dispatch_order(
        customer=user,
        service_id=payload.service_id,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        starts_at=payload.starts_at,
        asap=payload.asap,
        notes=payload.notes,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return placed_order_answer(request, response, order, user)


@router.get(
    "/dispatch/orders/{order_id}",
    response=DispatchStatusOut,
    summary="How the search for a worker stands",
    description=(
        "The promise (respond by, at the door by), how many workers were asked "
        "(not who declined), and once someone took the job, who comes and "
        "when. For the customer of a dispatched order; 404 for anyone else's "
        "and for orders of other modes."
    ),
)
def get_status(request: HttpRequest, order_id: str) -> DispatchStatusOut:
    order = order_queries.access_order(
        _caller(request), order_id, as_role=Actor.CUSTOMER
    )
    status = (
        booking.dispatch_status(order) if order.mode == BuyingMode.DISPATCH else None
    )
    if status is None:
        raise NotFound("order_not_found", _("No such order."))
    # A dispatched order is in its city's zone.
    zone = ZoneInfo(order.time_zone or "UTC")

    def local(moment):
        return moment.astimezone(zone) if moment else None

    worker = None
    if status.worker_name:
        worker = DispatchWorkerOut(
            name=status.worker_name,
            agency_name=status.agency_name,
            rating=round(status.rating_mean, 2) if status.rating_mean else None,
            rating_count=status.rating_count,
        )
    return DispatchStatusOut(
        order_id=order.public_id,
        state=order.state,
        state_label=order.state_label,
        asap=status.is_asap,
        searching=status.searching,
        escalated=status.escalated,
        opened_at=local(status.opened_at),
        respond_by=local(status.respond_by),
        arrive_by=local(status.arrive_by),
        accepted_at=local(status.accepted_at),
        departed_at=local(status.departed_at),
        arrived_at=local(status.arrived_at),
        eta=local(status.eta),
        offers_made=status.offers_made,
        worker=worker,
    )
