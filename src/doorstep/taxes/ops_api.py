"""Tax regions and their rules for ops in the API, through the same services as
the pages under ``/ops/settings/taxes/`` (``taxes.services.save_tax_region``,
``add_tax_rule``, ``end_tax_rule``), which check the ops role
(``MANAGE_SETTINGS``), validate every field and write the audit trail.

Behind the back office's access (``backoffice.access.require_back_office``: a
token with the ``ops`` scope minted after the TOTP code; 403
``ops_mfa_required`` for staff without, 404 for everyone else). Reads need the
settings role too, as the pages do.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import AwareDatetime, Field

from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import (
    OpsPermission,
    require_back_office,
    require_ops_permission,
)
from doorstep.core.errors import DomainError
from doorstep.taxes import queries, services
from doorstep.taxes.models import TaxRegion, TaxRegionCity, TaxRule

router = Router(tags=["taxes (ops)"])

_REASON = Field(default="", max_length=255, description="For the audit trail.")


def _settings_ops(request: HttpRequest):
    """The caller, if they may read the tax settings (as the pages)."""
    actor = require_back_office(request)
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    return actor


class TaxRegionChangeIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    prices_include_tax: bool = Field(
        description="true: prices shown contain the tax; false: the tax on the "
        "service is added to the total."
    )
    cities: list[str] = Field(
        default_factory=list,
        max_length=1000,
        description="The slugs of its cities; a city is in one region at most.",
    )
    reason: str = _REASON


class TaxRegionIn(TaxRegionChangeIn):
    code: str = Field(
        min_length=1, max_length=20, description="Short and unique, e.g. eu-nl."
    )


class TaxRuleIn(InputSchema):
    name: str = Field(min_length=1, max_length=40, description="On receipts: VAT.")
    rate_bps: int = Field(ge=0, le=1_000_000, description="600 = 6%; up to 10000.")
    on_service: bool = Field(default=False, description="On the service price.")
    on_platform_fees: bool = Field(
        default=False, description="On the commission and the service fee."
    )
    valid_from: AwareDatetime | None = Field(default=None, description="Left out: now.")
    valid_until: AwareDatetime | None = Field(
        default=None, description="Left out: until ended."
    )
    reason: str = _REASON


class EndTaxRuleIn(InputSchema):
    reason: str = _REASON


class TaxRuleOut(Schema):
    id: str
    name: str
    rate_bps: int
    on_service: bool
    on_platform_fees: bool
    valid_from: datetime
    valid_until: datetime | None


class TaxRegionOut(Schema):
    id: str
    code: str
    name: str
    prices_include_tax: bool
    cities: list[str] = Field(description="Slugs.")
    rules: list[TaxRuleOut] = Field(description="Newest first, ended ones too.")


class TaxRegionsOut(Schema):
    items: list[TaxRegionOut]


def _rule_out(rule: TaxRule) -> TaxRuleOut:
    return TaxRuleOut(
        id=rule.public_id,
        name=rule.name,
        rate_bps=rule.rate_bps,
        on_service=rule.on_service,
        on_platform_fees=rule.on_platform_fees,
        valid_from=rule.valid_from,
        valid_until=rule.valid_until,
    )


def _region_out(region: TaxRegion) -> TaxRegionOut:
    cities = TaxRegionCity.objects.filter(region=region).order_by("city__slug")
    return TaxRegionOut(
        id=region.public_id,
        code=region.code,
        name=region.name,
        prices_include_tax=region.prices_include_tax,
        cities=list(cities.values_list("city__slug", flat=True)),
        rules=[_rule_out(rule) for rule in region.rules.order_by("-valid_from", "-pk")],
    )


@router.get(
    "/ops/settings/tax-regions",
    response=TaxRegionsOut,
    summary="The tax regions with their cities and rules (ops)",
    description="By code.",
)
def ops_tax_regions(request: HttpRequest) -> TaxRegionsOut:
    _settings_ops(request)
    return TaxRegionsOut(items=[_region_out(region) for region in queries.regions()])


@router.post(
    "/ops/settings/tax-regions",
    response={201: TaxRegionOut},
    summary="Add a tax region (ops)",
    description="As the taxes page. Audited.",
)
def ops_add_tax_region(request: HttpRequest, payload: TaxRegionIn):
    actor = require_back_office(request)
    region = services.save_tax_region(
        actor=actor,
        code=payload.code,
        name=payload.name,
        prices_include_tax=payload.prices_include_tax,
        city_slugs=payload.cities,
        reason=payload.reason,
    )
    return Status(201, _region_out(region))


@router.get(
    "/ops/settings/tax-regions/{region_id}",
    response=TaxRegionOut,
    summary="A tax region with its cities and rules (ops)",
)
def ops_tax_region(request: HttpRequest, region_id: str) -> TaxRegionOut:
    _settings_ops(request)
    return _region_out(services.access_region(region_id))


@router.put(
    "/ops/settings/tax-regions/{region_id}",
    response=TaxRegionOut,
    summary="Change a tax region (ops)",
    description="Its name, how prices are shown and its cities (the code "
    "stays). Orders already booked keep their region and tax. Audited.",
)
def ops_change_tax_region(
    request: HttpRequest, region_id: str, payload: TaxRegionChangeIn
) -> TaxRegionOut:
    actor = require_back_office(request)
    region = services.save_tax_region(
        actor=actor,
        region_id=region_id,
        name=payload.name,
        prices_include_tax=payload.prices_include_tax,
        city_slugs=payload.cities,
        reason=payload.reason,
    )
    return _region_out(region)


@router.post(
    "/ops/settings/tax-regions/{region_id}/rules",
    response={201: TaxRuleOut},
    summary="Add a tax rule to a region (ops)",
    description="Rules are never edited: a new rate is a new rule, and the one "
    "it replaces is ended. Audited.",
)
def ops_add_tax_rule(request: HttpRequest, region_id: str, payload: TaxRuleIn):
    actor = require_back_office(request)
    try:
        rule = services.add_tax_rule(
            actor=actor,
            region_id=region_id,
            name=payload.name,
            rate_bps=payload.rate_bps,
            on_service=payload.on_service,
            on_platform_fees=payload.on_platform_fees,
            valid_from=payload.valid_from,
            valid_until=payload.valid_until,
            reason=payload.reason,
        )
    except DomainError as error:
        # The service names the web form's field; this body calls it rate_bps.
        if "rate" in error.fields:
            error.fields["rate_bps"] = error.fields.pop("rate")
        raise
    return Status(201, _rule_out(rule))


@router.post(
    "/ops/settings/tax-regions/{region_id}/rules/{rule_id}/end",
    response=TaxRuleOut,
    summary="End a tax rule (ops)",
    description="It no longer applies to new orders; the orders it taxed keep "
    "it. Audited.",
)
def ops_end_tax_rule(
    request: HttpRequest, region_id: str, rule_id: str, payload: EndTaxRuleIn
) -> TaxRuleOut:
    actor = require_back_office(request)
    rule = services.end_tax_rule(
        actor=actor, region_id=region_id, rule_id=rule_id, reason=payload.reason
    )
    return _rule_out(rule)
