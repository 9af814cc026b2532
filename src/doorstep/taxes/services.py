"""Ops manage tax regions and their rules (``MANAGE_SETTINGS``, audited).

A rule is never edited: a new rate is a new rule, and the rule it replaces is
given an end, so every order keeps the rule it was taxed by."""

from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.audit.services import record
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import DomainError, NotFound
from doorstep.marketplace.models import City
from doorstep.taxes import audit_actions
from doorstep.taxes.models import MAX_RATE_BPS, TaxRegion, TaxRegionCity, TaxRule

MAX_NAME_LENGTH = 100
MAX_RULE_NAME_LENGTH = 40


def _invalid(errors: dict[str, list[str]]) -> DomainError:
    return DomainError(
        "invalid_input", _("Correct the errors below."), status=400, fields=errors
    )


def _region_values(region: TaxRegion) -> dict[str, object]:
    return {
        "code": region.code,
        "name": region.name,
        "prices_include_tax": region.prices_include_tax,
        "cities": sorted(
            TaxRegionCity.objects.filter(region=region).values_list(
                "city__slug", flat=True
            )
        ),
    }


def _rule_values(rule: TaxRule) -> dict[str, object]:
    return {
        "region": rule.region.code,
        "name": rule.name,
        "rate_bps": rule.rate_bps,
        "on_service": rule.on_service,
        "on_platform_fees": rule.on_platform_fees,
        "valid_from": rule.valid_from.isoformat(),
        "valid_until": rule.valid_until.isoformat() if rule.valid_until else None,
    }


def access_region(region_id: str) -> TaxRegion:
    region = TaxRegion.objects.filter(public_id=region_id).first()
    if region is None:
        raise NotFound("not_found", _("No such tax region."))
    return region


@transaction.atomic
def save_tax_region(
    *,
    actor,
    name: str,
    prices_include_tax: bool,
    city_slugs: Sequence[str],
    code: str = "",
    region_id: str = "",
    reason: str = "",
) -> TaxRegion:
    """Add a region (``code``, unique) or change the region ``region_id``:
    its name, whether prices there include tax, and its cities (each city in
    one region at most). Orders already booked keep the region and tax they
    were booked with.

    Raises 403 without ``MANAGE_SETTINGS``, ``NotFound`` for an unknown
    region, and 400 ``invalid_input`` (nothing saved) for an empty name, a
    code taken or malformed, an unknown city or a city of another region."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        errors["name"] = [_("Enter a name of at most 100 characters.")]
    if region_id:
        region = (
            TaxRegion.objects.select_for_update().filter(public_id=region_id).first()
        )
        if region is None:
            raise NotFound("not_found", _("No such tax region."))
        before = _region_values(region)
    else:
        code = (code or "").strip().lower()
        if not code or len(code) > 20 or not code.replace("-", "").isalnum():
            errors["code"] = [_("Enter a short code of letters, digits and hyphens.")]
        elif TaxRegion.objects.filter(code=code).exists():
            errors["code"] = [_("Another region has this code.")]
        region = TaxRegion(code=code)
        before = {}
    slugs = sorted({slug.strip() for slug in city_slugs if slug.strip()})
    cities = list(City.objects.filter(slug__in=slugs))
    if len(cities) != len(slugs):
        errors["cities"] = [_("Choose cities the marketplace serves.")]
    taken = TaxRegionCity.objects.filter(city__in=cities)
    if region.pk:
        taken = taken.exclude(region=region)
    if taken.exists():
        errors["cities"] = [
            _("%(cities)s already belong to another region.")
            % {"cities": ", ".join(taken.values_list("city__slug", flat=True))}
        ]
    if errors:
        raise _invalid(errors)
    region.name = name
    region.prices_include_tax = prices_include_tax
    try:
        with transaction.atomic():
            region.save()
            TaxRegionCity.objects.filter(region=region).exclude(
                city__in=cities
            ).delete()
            for city in cities:
                TaxRegionCity.objects.get_or_create(region=region, city=city)
    except IntegrityError as error:  # a concurrent change took the code or a city
        raise _invalid(
            {"cities": [_("Another region took this code or city; try again.")]}
        ) from error
    record(
        actor=actor,
        action=audit_actions.SAVE_TAX_REGION,
        target=region,
        before=before,
        after=_region_values(region),
        reason=reason,
    )
    return region


@transaction.atomic
def add_tax_rule(
    *,
    actor,
    region_id: str,
    name: str,
    rate_bps: int | None,
    on_service: bool,
    on_platform_fees: bool,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    reason: str = "",
) -> TaxRule:
    """Add a tax to the region ``region_id``, in force from ``valid_from``
    (now) until ``valid_until`` (open-ended).

    Raises 403 without ``MANAGE_SETTINGS``, ``NotFound`` for an unknown
    region, and 400 ``invalid_input`` (nothing saved) for an empty name, a
    rate outside 0.01%–100%, a rule on nothing, or an end not after the
    start."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    region = access_region(region_id)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name or len(name) > MAX_RULE_NAME_LENGTH:
        errors["name"] = [_("Enter the name receipts show, e.g. VAT.")]
    if rate_bps is None or not 0 < rate_bps <= MAX_RATE_BPS:
        errors["rate"] = [_("Enter a rate above 0% and at most 100%.")]
    if not (on_service or on_platform_fees):
        errors["on_service"] = [
            _("Choose what it applies to: the service, the platform's fees or both.")
        ]
    valid_from = valid_from or timezone.now()
    if valid_until is not None and valid_until <= valid_from:
        errors["valid_until"] = [_("The end must come after the start.")]
    if errors:
        raise _invalid(errors)
    rule = TaxRule.objects.create(
        region=region,
        name=name,
        rate_bps=rate_bps,
        on_service=on_service,
        on_platform_fees=on_platform_fees,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    record(
        actor=actor,
        action=audit_actions.ADD_TAX_RULE,
        target=region,
        before={},
        after=_rule_values(rule),
        reason=reason,
    )
    return rule


@transaction.atomic
def end_tax_rule(
    *,
    actor,
    region_id: str,
    rule_id: str,
    at: datetime | None = None,
    reason: str = "",
) -> TaxRule:
    """The rule ``rule_id`` of the region ``region_id`` stops applying at
    ``at`` (now). Raises 403 without ``MANAGE_SETTINGS``, ``NotFound`` for an
    unknown rule or one of another region, and 400 ``invalid_input`` for an
    end before its start or a rule already ended."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    rule = (
        TaxRule.objects.select_for_update(of=("self",))
        .select_related("region")
        .filter(public_id=rule_id, region__public_id=region_id)
        .first()
    )
    if rule is None:
        raise NotFound("not_found", _("No such tax rule."))
    at = at or timezone.now()
    if rule.valid_until is not None and rule.valid_until <= at:
        raise _invalid({"valid_until": [_("This rule has already ended.")]})
    if at <= rule.valid_from:
        raise _invalid({"valid_until": [_("The end must come after the start.")]})
    before = _rule_values(rule)
    rule.valid_until = at
    rule.save(update_fields=["valid_until"])
    record(
        actor=actor,
        action=audit_actions.END_TAX_RULE,
        target=rule.region,
        before=before,
        after=_rule_values(rule),
        reason=reason,
    )
    return rule
