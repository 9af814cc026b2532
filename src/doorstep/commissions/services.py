"""Ops set and remove commission limits (audited)."""

from django.db import transaction
from django.utils.translation import gettext as _

from doorstep.audit.services import record
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.catalog.models import Category
from doorstep.commissions import audit_actions
from doorstep.commissions.models import CommissionLimit
from doorstep.core.errors import DomainError, NotFound
from doorstep.core.money import known_currencies


def _limit_values(limit: CommissionLimit | None) -> dict[str, object]:
    if limit is None:
        return {}
    return {
        "currency": limit.currency,
        "minimum_amount": limit.minimum_amount,
        "maximum_amount": limit.maximum_amount,
    }


@transaction.atomic
def set_commission_limit(
    *,
    actor,
    category_id: str,
    currency: str,
    minimum_amount: int,
    maximum_amount: int | None,
    reason: str = "",
) -> CommissionLimit:
    """Make the least and the most commission per order of the category
    ``category_id`` in ``currency`` these (minor units; ``maximum_amount``
    ``None``: no ceiling), replacing earlier limits of that pair.

    Raises 403 without ``MANAGE_SETTINGS``, ``NotFound`` for an unknown
    category, and 400 ``invalid_input`` (nothing saved) for an unknown
    currency, a negative amount or a maximum below the minimum."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    category = Category.objects.filter(public_id=category_id).first()
    if category is None:
        raise NotFound("category_not_found", _("No such category."))
    currency = (currency or "").strip().upper()
    errors: dict[str, list[str]] = {}
    if currency not in known_currencies():
        errors["currency"] = [_("Enter a currency code such as CNY or USD.")]
    if minimum_amount is None or minimum_amount < 0:
        errors["minimum_amount"] = [_("Enter an amount of zero or more.")]
    if maximum_amount is not None and maximum_amount < 0:
        errors["maximum_amount"] = [_("Enter an amount of zero or more.")]
    elif (
        maximum_amount is not None
        and minimum_amount is not None
        and maximum_amount < minimum_amount
    ):
        errors["maximum_amount"] = [_("The maximum cannot be below the minimum.")]
    if errors:
        raise DomainError(
            "invalid_input", _("Correct the errors below."), status=400, fields=errors
        )
    limit = (
        CommissionLimit.objects.select_for_update()
        .filter(category=category, currency=currency)
        .first()
    )
    before = _limit_values(limit)
    if limit is None:
        limit = CommissionLimit(category=category, currency=currency)
    limit.minimum_amount = minimum_amount
    limit.maximum_amount = maximum_amount
    limit.save()
    record(
        actor=actor,
        action=audit_actions.SET_COMMISSION_LIMIT,
        target=category,
        before=before,
        after=_limit_values(limit),
        reason=reason,
    )
    return limit


@transaction.atomic
def remove_commission_limit(*, actor, limit_id: str, reason: str = "") -> None:
    """Drop a category's limits in one currency (only its rate applies again).
    Raises 403 without ``MANAGE_SETTINGS`` and ``NotFound`` for an unknown
    limit."""
    require_ops_permission(actor, OpsPermission.MANAGE_SETTINGS)
    limit = (
        CommissionLimit.objects.select_for_update()
        .select_related("category")
        .filter(public_id=limit_id)
        .first()
    )
    if limit is None:
        raise NotFound("not_found", _("No such commission limit."))
    before = _limit_values(limit)
    category = limit.category
    limit.delete()
    record(
        actor=actor,
        action=audit_actions.REMOVE_COMMISSION_LIMIT,
        target=category,
        before=before,
        after={},
        reason=reason,
    )
