"""The dispatch promises (service-level policies) for ops in the API, through
the same services as the settings page (``dispatch.sla.save_policy``,
``delete_policy``), which check the ops role and write the audit trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else).
"""

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from doorstep.api.ids import row_pk
from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.dispatch import sla
from doorstep.dispatch.models import SlaPolicy

router = Router(tags=["dispatch (ops)"])

# The service checks each number against the model's limits; this only keeps
# values a database column can hold.
_NUMBER = {"ge": 0, "le": 32767}


class DispatchPromiseIn(InputSchema):
    city: str = Field(
        default="", max_length=64, description="A city's slug; blank: every city."
    )
    category: str = Field(
        default="",
        max_length=40,
        description="A category's id; blank: every category.",
    )
    respond_minutes: int = Field(**_NUMBER, description="1–1440.")
    arrive_minutes: int = Field(**_NUMBER, description="5–1440.")
    asap_offer_seconds: int = Field(**_NUMBER, description="15–3600.")
    scheduled_offer_minutes: int = Field(**_NUMBER, description="1–1440.")
    offers_at_once: int = Field(
        default=SlaPolicy._meta.get_field("offers_at_once").default,
        **_NUMBER,
        description=(
            "A job booked for later is offered to this many workers at once; the "
            "first to accept takes it. 1–10."
        ),
    )
    compensation_bps: int = Field(
        **_NUMBER, description="Of the price, when a promise is broken; 0–10000."
    )
    redispatch_on_breach: bool = True
    reason: str = Field(default="", max_length=500, description="For the audit trail.")


class RemoveDispatchPromiseIn(InputSchema):
    reason: str = Field(default="", max_length=500, description="For the audit trail.")


class DispatchPromiseOut(Schema):
    id: str
    city: str | None = Field(description="The city's slug; null: every city.")
    category: str | None = Field(description="The category's id; null: every one.")
    respond_minutes: int
    arrive_minutes: int
    asap_offer_seconds: int
    scheduled_offer_minutes: int
    offers_at_once: int
    compensation_bps: int
    redispatch_on_breach: bool


class DispatchPromisesOut(Schema):
    items: list[DispatchPromiseOut]


def _out(policy: SlaPolicy) -> DispatchPromiseOut:
    return DispatchPromiseOut(
        id=str(policy.pk),
        city=policy.city.slug if policy.city_id else None,
        category=policy.category.public_id if policy.category_id else None,
        **{name: getattr(policy, name) for name in sla.POLICY_FIELDS},
    )


@router.get(
    "/ops/dispatch/promises",
    response=DispatchPromisesOut,
    summary="The dispatch promises (ops)",
    description="The default first, then by city and category.",
)
def ops_list_promises(request: HttpRequest) -> DispatchPromisesOut:
    require_back_office(request)
    return DispatchPromisesOut(items=[_out(policy) for policy in sla.policies()])


@router.put(
    "/ops/dispatch/promises",
    response=DispatchPromiseOut,
    summary="Set the dispatch promise for a city and category (ops)",
    description="Creates or changes the one for the pair, as the settings page; "
    "applies to orders paid from now on. Audited. 400 `invalid_input` for an "
    "unknown city or category or a number out of range.",
)
def ops_set_promise(
    request: HttpRequest, payload: DispatchPromiseIn
) -> DispatchPromiseOut:
    actor = require_back_office(request)
    policy = sla.save_policy(
        actor=actor,
        city_slug=payload.city,
        category_id=payload.category,
        respond_minutes=payload.respond_minutes,
        arrive_minutes=payload.arrive_minutes,
        asap_offer_seconds=payload.asap_offer_seconds,
        scheduled_offer_minutes=payload.scheduled_offer_minutes,
        offers_at_once=payload.offers_at_once,
        compensation_bps=payload.compensation_bps,
        redispatch_on_breach=payload.redispatch_on_breach,
        reason=payload.reason,
    )
    return _out(policy)


@router.post(
    "/ops/dispatch/promises/{promise_id}/remove",
    response={204: None},
    summary="Remove a dispatch promise (ops)",
    description="Its city and category fall back to the next most specific "
    "promise. Audited with the reason.",
)
def ops_remove_promise(
    request: HttpRequest, promise_id: str, payload: RemoveDispatchPromiseIn
):
    actor = require_back_office(request)
    sla.delete_policy(actor=actor, policy_id=row_pk(promise_id), reason=payload.reason)
    return Status(204, None)
