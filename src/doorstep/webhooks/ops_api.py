"""Webhooks for ops in the API: every endpoint, and turning one off (audited,
its owner told). Behind the back office's access: 403 ``ops_mfa_required`` for
staff without a second factor, 404 for everyone else."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router
from ninja.pagination import paginate

from doorstep.api.pagination import CursorPagination
from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.webhooks import queries, services
from doorstep.webhooks.api import EndpointOut, endpoint_out
from doorstep.webhooks.models import Endpoint

router = Router(tags=["webhooks (ops)"])


class OpsEndpointOut(EndpointOut):
    owner: str = Field(description="The owner's public id.")
    consecutive_failures: int


class DisableIn(InputSchema):
    reason: str = Field(min_length=1, max_length=500)


def _ops_out(endpoint: Endpoint) -> dict:
    return {
        **endpoint_out(endpoint),
        "owner": endpoint.owner.public_id,
        "consecutive_failures": endpoint.consecutive_failures,
    }


class _Page(CursorPagination):
    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page["items"] = [_ops_out(endpoint) for endpoint in page["items"]]
        return page


@router.get(
    "/ops/webhooks/endpoints",
    response=list[OpsEndpointOut],
    summary="Every webhook endpoint (ops)",
)
@paginate(_Page)
def list_all_endpoints(request: HttpRequest) -> QuerySet[Endpoint]:
    require_back_office(request)
    return queries.all_endpoints()


@router.post(
    "/ops/webhooks/endpoints/{endpoint_id}/disable",
    response=OpsEndpointOut,
    summary="Turn someone's webhook endpoint off (ops)",
    description="Audited as `webhooks.disable_endpoint` with the reason; the owner "
    "is told. Turning an endpoint off again changes nothing.",
)
def disable_endpoint(request: HttpRequest, endpoint_id: str, payload: DisableIn):
    actor = require_back_office(request)
    endpoint = services.disable_endpoint_as_ops(
        actor=actor, endpoint_id=endpoint_id, reason=payload.reason
    )
    return _ops_out(queries.all_endpoints().get(pk=endpoint.pk))
