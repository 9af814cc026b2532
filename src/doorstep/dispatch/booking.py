"""Buying a platform service: a catalogue service on sale in the customer's
city, for an address, at a time or as soon as possible.

The order is created waiting for payment, like a booking; paying moves it to
``dispatching`` (``orders/processes/dispatch.py``), which opens the job's
promise clocks and starts the offers.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.geo import cell_of
from doorstep.dispatch.models import DispatchJob, ServiceInCity, SlaPolicy
from doorstep.dispatch.sla import policy_for
from doorstep.marketplace.queries import city_near
from doorstep.orders.engine import start_order
from doorstep.orders.models import BuyingMode, Order
from doorstep.orders.pricing import PriceBreakdown, price_fixed_service, save_lines
from doorstep.orders.process import Actor
from doorstep.orders.states import OrderState
from doorstep.taxes.rates import region_for_city_id

MAX_ADDRESS_LENGTH = 255
MAX_NOTES_LENGTH = 2000
# A booked time must leave dispatch this long to find someone, and not lie
# further ahead than people plan a home service.
MIN_LEAD_MINUTES = 60
MAX_DAYS_AHEAD = 30


def _invalid(fields: dict[str, list[str]]) -> DomainError:
    return DomainError(
        "invalid_input", _("Please correct the marked fields."), fields=fields
    )


@dataclass(frozen=True)
class OnSale:
    """A catalogue service as a customer at one place can buy it: the city's
    price and the promise in force there (``dispatch.sla.policy_for``)."""

    offer: ServiceInCity
    promise: SlaPolicy

    @property
    def service(self):
        return self.offer.service

    @property
    def category(self):
        return self.offer.service.category

    @property
    def city(self):
        return self.offer.city


def services_near(latitude: float, longitude: float) -> list[ServiceInCity]:
    """What the platform sells at this point (the city it falls in)."""
    served = city_near(latitude, longitude)
    if served is None:
        return []
    return list(
        ServiceInCity.objects.filter(
            city__slug=served.slug, is_active=True, service__is_active=True
        )
        .select_related("service__category", "city")
        .order_by("service__category__position", "service__title_en")
    )


def catalogue_near(latitude: float, longitude: float) -> list[OnSale]:
    """``services_near`` with each service's promise (one policy read per
    category: services of a category share it)."""
    offers = services_near(latitude, longitude)
    promises: dict[tuple[int, int], SlaPolicy] = {}
    result = []
    for offer in offers:
        key = (offer.city_id, offer.service.category_id)
        if key not in promises:
            promises[key] = policy_for(city_id=key[0], category_id=key[1])
        result.append(OnSale(offer=offer, promise=promises[key]))
    return result


def service_on_sale(*, service_id: str, latitude: float, longitude: float) -> OnSale:
    """The service ``service_id`` as sold at this point. Raises ``NotFound``
    (no such service) and ``DomainError`` ``outside_service_area`` (not sold
    here: outside any served city, or not in this one)."""
    offer = _service_here(service_id, latitude, longitude)
    promise = policy_for(city_id=offer.city_id, category_id=offer.service.category_id)
    return OnSale(offer=offer, promise=promise)


def price_of(offer: ServiceInCity) -> PriceBreakdown:
    """What buying the service costs: the figures the order stores."""
    return price_fixed_service(
        title=offer.service.title,
        price_amount=offer.price_amount,
        currency=offer.currency,
        tax_region=region_for_city_id(offer.city_id),
    )


def _service_here(service_id: str, latitude: float, longitude: float) -> ServiceInCity:
    served = city_near(latitude, longitude)
    offer = (
        ServiceInCity.objects.filter(
            service__public_id=service_id,
            service__is_active=True,
            is_active=True,
            city__slug=served.slug if served else "",
        )
        .select_related("service__category", "city")
        .first()
    )
    if offer is not None:
        return offer
    if not ServiceInCity.objects.filter(
        service__public_id=service_id, service__is_active=True, is_active=True
    ).exists():
        raise NotFound("service_not_found", _("No such service."))
    if served is None:
        message = _("We do not serve this address yet.")
        raise DomainError(
            "outside_service_area", message, fields={"address": [message]}
        )
    message = _("This service is not offered in %(city)s.") % {"city": served.name}
    raise DomainError("service_not_sold_here", message, fields={"address": [message]})


def _check_place(*, address: str, latitude: float, longitude: float, notes: str):
    errors: dict[str, list[str]] = {}
    if not address:
        errors["address"] = [_("Tell us where to come.")]
    elif len(address) > MAX_ADDRESS_LENGTH:
        errors["address"] = [_("Keep the address under 255 characters.")]
    if not -90 <= latitude <= 90:
        errors["latitude"] = [_("Place the pin on the map.")]
    if not -180 <= longitude <= 180:
        errors["longitude"] = [_("Place the pin on the map.")]
    if len(notes) > MAX_NOTES_LENGTH:
        errors["notes"] = [_("Keep the notes under 2,000 characters.")]
    if errors:
        raise _invalid(errors)


def _check_time(
    starts_at: datetime | None, *, asap: bool, offer: ServiceInCity, now: datetime
) -> datetime:
    if asap:
        if starts_at is not None:
            raise _invalid(
                {"starts_at": [_("Choose a time or as soon as possible, not both.")]}
            )
        if not offer.offers_asap:
            message = _("Here this service is booked for a time, not at once.")
            raise DomainError(
                "asap_not_offered", message, fields={"starts_at": [message]}
            )
        return now
    if starts_at is None or timezone.is_naive(starts_at):
        raise _invalid({"starts_at": [_("Choose a time, with its time zone.")]})
    if starts_at < now + timedelta(minutes=MIN_LEAD_MINUTES):
        message = _("Book at least %(minutes)d minutes ahead, or as soon as possible.")
        raise DomainError(
            "too_soon",
            message % {"minutes": MIN_LEAD_MINUTES},
            fields={"starts_at": [message % {"minutes": MIN_LEAD_MINUTES}]},
        )
    if starts_at > now + timedelta(days=MAX_DAYS_AHEAD):
        message = _("Book at most %(days)d days ahead.") % {"days": MAX_DAYS_AHEAD}
        raise DomainError("too_far_ahead", message, fields={"starts_at": [message]})
    return starts_at.astimezone(UTC)


def _fingerprint(**parameters: Any) -> str:
    text = json.dumps(parameters, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def place_dispatch_order(
    *,
    customer: User,
    service_id: str,
    address: str,
    latitude: float,
    longitude: float,
    starts_at: datetime | None = None,
    asap: bool = False,
    notes: str = "",
    idempotency_key: str = "",
) -> Order:
    """Buy catalogue service ``service_id`` for the address: priced at the
    city's price, created waiting for payment (``orders.services.
    start_order_payment`` as for any order). Nothing is claimed yet: the
    worker's time is taken when someone accepts.

    Raises ``NotFound`` ``service_not_found``, ``DomainError`` 422
    (``outside_service_area``, ``service_not_sold_here``, ``asap_not_offered``,
    ``too_soon``, ``too_far_ahead``), 400
    (``invalid_input``), ``idempotency_mismatch`` (422) for a repeated key
    with other parameters.
    """
    address = (address or "").strip()
    notes = (notes or "").strip()
    key = (idempotency_key or "").strip()[:100]
    fingerprint = _fingerprint(
        service=service_id,
        asap=asap,
        starts_at=starts_at.isoformat() if starts_at else None,
        address=address,
        latitude=round(float(latitude), 6),
        longitude=round(float(longitude), 6),
        notes=notes,
    )
    if key:
        existing = Order.objects.filter(customer=customer, idempotency_key=key).first()
        if existing is not None:
            return _replay(existing, fingerprint)
    try:
        order = _create(
            customer=customer,
            service_id=service_id,
            address=address,
            latitude=float(latitude),
            longitude=float(longitude),
            starts_at=starts_at,
            asap=asap,
            notes=notes,
            key=key,
            fingerprint=fingerprint,
        )
    except IntegrityError:
        existing = Order.objects.filter(customer=customer, idempotency_key=key).first()
        if not key or existing is None:
            raise
        return _replay(existing, fingerprint)
    order.replayed = False
    return order


def _replay(order: Order, fingerprint: str) -> Order:
    if order.request_fingerprint and order.request_fingerprint != fingerprint:
        raise DomainError(
            "idempotency_mismatch",
            _("This idempotency key was used for another request."),
        )
    order.replayed = True
    return order


@transaction.atomic
def _create(
    *,
    customer: User,
    service_id: str,
    address: str,
    latitude: float,
    longitude: float,
    starts_at: datetime | None,
    asap: bool,
    notes: str,
    key: str,
    fingerprint: str,
) -> Order:
    _check_place(address=address, latitude=latitude, longitude=longitude, notes=notes)
    offer = _service_here(service_id, latitude, longitude)
    now = timezone.now()
    start = _check_time(starts_at, asap=asap, offer=offer, now=now)
    service, city = offer.service, offer.city
    breakdown = price_of(offer)
    order = Order.objects.create(
        mode=BuyingMode.DISPATCH,
        state=OrderState.AWAITING_PAYMENT,
        state_changed_at=now,
        customer=customer,
        title=service.title,
        starts_at=start,
        ends_at=start + timedelta(minutes=service.duration_minutes),
        time_zone=city.time_zone,
        address=address,
        latitude=latitude,
        longitude=longitude,
        notes=notes,
        **breakdown.order_figures(),
        idempotency_key=key,
        request_fingerprint=fingerprint if key else "",
    )
    save_lines(order, breakdown)
    DispatchJob.objects.create(
        order=order,
        service=service,
        category=service.category,
        city=city,
        is_asap=asap,
        h3_cell=cell_of(latitude, longitude),
    )
    start_order(order, user=customer, actor=Actor.CUSTOMER, data={"asap": asap})
    return order


@dataclass(frozen=True)
class DispatchStatus:
    """Where the search for a worker stands, as the customer may see it: the
    promise, how many workers were asked (never who declined) and, once
    someone took the job, who comes and when."""

    is_asap: bool
    searching: bool
    escalated: bool
    opened_at: datetime | None
    respond_by: datetime | None
    arrive_by: datetime | None
    accepted_at: datetime | None
    departed_at: datetime | None
    arrived_at: datetime | None
    offers_made: int
    worker_name: str
    agency_name: str
    rating_mean: float | None
    rating_count: int
    # When the worker is due at the door: the promise while searching, the
    # time agreed with the worker once assigned.
    eta: datetime | None


def dispatch_status(order: Order) -> DispatchStatus | None:
    """The dispatch side of ``order`` (``None`` for an order of another mode).
    The caller has checked that the reader may see the order."""
    job = (
        DispatchJob.objects.filter(order_id=order.pk)
        .select_related("worker__staff__agency", "worker__provider__reputation")
        .first()
    )
    if job is None:
        return None
    searching = order.state == OrderState.DISPATCHING
    worker = job.worker if not searching else None
    reputation = getattr(worker.provider, "reputation", None) if worker else None
    agency = worker.staff.agency if worker and worker.staff_id else None
    return DispatchStatus(
        is_asap=job.is_asap,
        searching=searching,
        escalated=searching and job.escalated_at is not None,
        opened_at=job.opened_at,
        respond_by=job.respond_by,
        arrive_by=job.arrive_by,
        accepted_at=job.accepted_at,
        departed_at=job.departed_at,
        arrived_at=job.arrived_at,
        offers_made=job.offers_made,
        worker_name=worker.display_name if worker else "",
        agency_name=agency.name if agency else "",
        rating_mean=reputation.mean if reputation and reputation.count else None,
        rating_count=reputation.count if reputation else 0,
        eta=order.starts_at if worker else job.arrive_by,
    )
