"""The webhooks API: the caller's endpoints, their secrets, their delivery log,
replays and test messages, and the catalogue of event types.

Any signed-in person may register endpoints that hear of their own orders,
reviews, quotes and payouts; ops whose role may change the operator's settings
may register ``marketplace`` endpoints that hear of every event of their types.
Someone else's endpoint or delivery answers 404, like one that does not exist.
The secret is in the answer to creating an endpoint and to rotating its secret,
and nowhere else.
"""

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from doorstep.api.pagination import CursorPagination
from doorstep.api.schemas import InputSchema, PatchSchema
from doorstep.backoffice.access import can_use_back_office
from doorstep.core.errors import PermissionDenied
from doorstep.webhooks import catalogue, queries, services
from doorstep.webhooks.models import Attempt, Delivery, Endpoint, Scope

router = Router(tags=["webhooks"])


class EventTypeOut(Schema):
    name: str = Field(
        description='e.g. "order.accept"; filters may also say "order.*".'
    )
    family: str
    description: str


class EndpointIn(InputSchema):
    url: str = Field(
        description="https:// (plain http only where the operator allows it); "
        "must not lead to a private or local network.",
        min_length=1,
        max_length=500,
    )
    description: str = Field("", max_length=200)
    event_types: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Types from GET /webhooks/event-types, or families such as "
        '"order.*"; empty: every type.',
    )
    scope: Scope = Field(
        Scope.OWN,
        description="`own`: events about your own orders, reviews, quotes and "
        "payouts. `marketplace`: every event of the chosen types (ops only).",
    )


class EndpointPatchIn(PatchSchema):
    url: str | None = Field(None, min_length=1, max_length=500)
    description: str | None = Field(None, max_length=200)
    event_types: list[str] | None = Field(None, max_length=100)
    enabled: bool | None = Field(
        None, description="Turning an endpoint back on forgets its failures."
    )


class EndpointOut(Schema):
    id: str
    url: str
    description: str
    event_types: list[str]
    scope: Scope
    enabled: bool
    disabled_reason: str = Field(
        description="`owner`, `gone` (410), `failing` (days of failures) or `ops`; "
        "empty while enabled."
    )
    disabled_at: datetime | None
    created_at: datetime


class EndpointWithSecretOut(EndpointOut):
    secret: str = Field(
        description="`whsec_…`: verify signatures with it. Shown only now."
    )
    previous_secret_expires_at: datetime | None = Field(
        description="Until then the previous secret also signs every message."
    )


class DeliveryOut(Schema):
    id: str = Field(description="Also the `webhook-id` header of every attempt.")
    event_type: str
    status: Delivery.Status
    attempts: int
    last_status_code: int | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    payload: dict = Field(description="The body sent, as JSON.")


class AttemptOut(Schema):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str
    response_body: str = Field(description="The first 2 KB of the answer.")
    manual: bool


class DeliveryDetailOut(DeliveryOut):
    attempt_log: list[AttemptOut] = Field(description="Newest first.")


def endpoint_out(endpoint: Endpoint) -> dict:
    return {
        "id": endpoint.public_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": endpoint.event_types,
        "scope": endpoint.scope,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": endpoint.disabled_at,
        "created_at": endpoint.created_at,
    }


def _with_secret(endpoint: Endpoint, secret: str) -> dict:
    return {
        **endpoint_out(endpoint),
        "secret": secret,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
    }


def _delivery_out(delivery: Delivery) -> dict:
    import json

    return {
        "id": delivery.public_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "next_attempt_at": delivery.next_attempt_at,
        "delivered_at": delivery.delivered_at,
        "created_at": delivery.created_at,
        "payload": json.loads(delivery.body),
    }


def _attempt_out(attempt: Attempt) -> dict:
    return {
        "number": attempt.number,
        "started_at": attempt.started_at,
        "duration_ms": attempt.duration_ms,
        "status_code": attempt.status_code,
        "error": attempt.error,
        "response_body": attempt.response_body,
        "manual": attempt.manual,
    }


class _EndpointsPage(CursorPagination):
    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = [endpoint_out(endpoint) for endpoint in page["items"]]
        return page


class _DeliveriesPage(CursorPagination):
    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = [_delivery_out(delivery) for delivery in page["items"]]
        return page


def _caller(request: HttpRequest):
    return request.auth  # type: ignore[attr-defined]


def _require_second_factor(request: HttpRequest) -> None:
    """A marketplace endpoint hears of everyone's events: ops staff need the
    back office's second factor for it (their role is checked by the service)."""
    user = _caller(request)
    if user.is_staff and not can_use_back_office(request):
        raise PermissionDenied(
            "ops_mfa_required",
            _("Marketplace endpoints need a session or token with a second factor."),
        )


@router.get(
    "/webhooks/event-types",
    response=list[EventTypeOut],
    summary="The event types webhooks can send",
    description='Every message is `{"type", "timestamp", "data"}` with public '
    "ids only, signed per the Standard Webhooks specification (headers "
    "`webhook-id`, `webhook-timestamp`, `webhook-signature`). `webhook.test` is "
    "sent only by POST /webhooks/endpoints/{id}/test.",
)
def list_event_types(request: HttpRequest):
    return [
        {"name": kind.name, "family": kind.family, "description": str(kind.description)}
        for kind in catalogue.event_types().values()
    ]


@router.get(
    "/webhooks/endpoints", response=list[EndpointOut], summary="Your webhook endpoints"
)
@paginate(_EndpointsPage)
def list_endpoints(request: HttpRequest):
    return queries.endpoints_of(_caller(request))


@router.post(
    "/webhooks/endpoints",
    response={201: EndpointWithSecretOut},
    summary="Register a webhook endpoint",
    description="The answer holds the signing secret; it is not shown again.",
)
def create_endpoint(request: HttpRequest, payload: EndpointIn):
    if payload.scope == Scope.MARKETPLACE:
        _require_second_factor(request)
    endpoint, secret = services.create_endpoint(
        owner=_caller(request),
        url=str(payload.url),
        description=payload.description,
        event_types=payload.event_types,
        scope=payload.scope,
    )
    return Status(201, _with_secret(endpoint, secret))


@router.get(
    "/webhooks/endpoints/{endpoint_id}",
    response=EndpointOut,
    summary="A webhook endpoint",
)
def get_endpoint(request: HttpRequest, endpoint_id: str):
    return endpoint_out(queries.access_endpoint(_caller(request), endpoint_id))


@router.patch(
    "/webhooks/endpoints/{endpoint_id}",
    response=EndpointOut,
    summary="Change a webhook endpoint",
)
def update_endpoint(request: HttpRequest, endpoint_id: str, payload: EndpointPatchIn):
    changes = payload.model_dump(exclude_unset=True)
    endpoint = services.update_endpoint(
        user=_caller(request), endpoint_id=endpoint_id, **changes
    )
    return endpoint_out(endpoint)


@router.delete(
    "/webhooks/endpoints/{endpoint_id}",
    response={204: None},
    summary="Remove a webhook endpoint and its delivery log",
)
def delete_endpoint(request: HttpRequest, endpoint_id: str):
    services.delete_endpoint(user=_caller(request), endpoint_id=endpoint_id)
    return Status(204, None)


@router.post(
    "/webhooks/endpoints/{endpoint_id}/rotate-secret",
    response=EndpointWithSecretOut,
    summary="Give a webhook endpoint a new secret",
    description="The previous secret goes on signing beside the new one for 24 "
    "hours (`webhook-signature` then holds two signatures).",
)
def rotate_secret(request: HttpRequest, endpoint_id: str):
    endpoint, secret = services.rotate_secret(
        user=_caller(request), endpoint_id=endpoint_id
    )
    return _with_secret(endpoint, secret)


@router.post(
    "/webhooks/endpoints/{endpoint_id}/test",
    response={202: DeliveryOut},
    summary="Send a test message to a webhook endpoint",
)
def send_test(request: HttpRequest, endpoint_id: str):
    delivery = services.send_test_message(
        user=_caller(request), endpoint_id=endpoint_id
    )
    return Status(202, _delivery_out(delivery))


@router.get(
    "/webhooks/endpoints/{endpoint_id}/deliveries",
    response=list[DeliveryOut],
    summary="A webhook endpoint's deliveries",
    description="Newest first.",
)
@paginate(_DeliveriesPage)
def list_deliveries(request: HttpRequest, endpoint_id: str):
    return queries.deliveries_of(queries.access_endpoint(_caller(request), endpoint_id))


@router.get(
    "/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}",
    response=DeliveryDetailOut,
    summary="A delivery and its attempts",
)
def get_delivery(request: HttpRequest, endpoint_id: str, delivery_id: str):
    delivery = queries.access_delivery(_caller(request), endpoint_id, delivery_id)
    return {
        **_delivery_out(delivery),
        "attempt_log": [_attempt_out(a) for a in queries.attempts_of(delivery)],
    }


@router.post(
    "/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/replay",
    response={202: DeliveryOut},
    summary="Send a delivery again",
    description="Same `webhook-id` and body, newly signed.",
)
def replay_delivery(request: HttpRequest, endpoint_id: str, delivery_id: str):
    delivery = services.replay_delivery(
        user=_caller(request), endpoint_id=endpoint_id, delivery_id=delivery_id
    )
    return Status(202, _delivery_out(delivery))
