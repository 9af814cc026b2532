"""Reads: one access check per object, used by the API and the web pages."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from doorstep.core.errors import NotFound
from doorstep.webhooks.models import Attempt, Delivery, Endpoint


def endpoints_of(user) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(owner=user)


def access_endpoint(user, endpoint_id: str) -> Endpoint:
    """``user``'s endpoint ``endpoint_id``; ``NotFound`` for anyone else's."""
    endpoint = Endpoint.objects.filter(owner=user, public_id=endpoint_id).first()
    if endpoint is None:
        raise NotFound("not_found", _("No such webhook endpoint."))
    return endpoint


def access_delivery(user, endpoint_id: str, delivery_id: str) -> Delivery:
    """A delivery of ``user``'s endpoint; ``NotFound`` for anyone else's."""
    delivery = (
        Delivery.objects.select_related("endpoint")
        .filter(
            endpoint__owner=user,
            endpoint__public_id=endpoint_id,
            public_id=delivery_id,
        )
        .first()
    )
    if delivery is None:
        raise NotFound("not_found", _("No such webhook delivery."))
    return delivery


def deliveries_of(endpoint: Endpoint) -> QuerySet[Delivery]:
    return endpoint.deliveries.all()


def attempts_of(delivery: Delivery) -> QuerySet[Attempt]:
    return delivery.attempt_log.all()


def all_endpoints() -> QuerySet[Endpoint]:
    """Every endpoint, for ops."""
    return Endpoint.objects.select_related("owner")
