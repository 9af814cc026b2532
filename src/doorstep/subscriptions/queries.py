"""Reads of provider plans: what is offered, a provider's history, and the
ops figures (subscribers, monthly recurring revenue per currency)."""

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import NotFound
from doorstep.subscriptions.models import (
    Interval,
    Plan,
    Subscription,
    SubscriptionCharge,
    SubscriptionStatus,
)

# Paying subscribers (a trial pays nothing yet; past due still owes).
PAYING = (SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE)


def offered_plans() -> list[Plan]:
    return list(
        Plan.objects.filter(status=Plan.Status.ACTIVE).prefetch_related("prices")
    )


def charges_of(subscription_ids: list[int]) -> list[SubscriptionCharge]:
    return list(
        SubscriptionCharge.objects.select_related("plan", "subscription").filter(
            subscription_id__in=subscription_ids
        )
    )


def history_of(provider) -> list[SubscriptionCharge]:
    """Every billing attempt of the provider's plans, newest first."""
    return charges_of(
        list(
            Subscription.objects.filter(provider=provider).values_list("pk", flat=True)
        )
    )


def monthly_amount(amount: int, interval: str) -> int:
    """A price per interval as a month's worth, rounded down (a yearly price
    counts one twelfth)."""
    return amount // 12 if interval == Interval.YEAR else amount


@dataclass(frozen=True)
class PlanFigures:
    plan: Plan
    subscribers: int
    # Monthly recurring revenue per currency, never summed across currencies.
    mrr: dict[str, int]


def plan_figures(*, user) -> tuple[list[PlanFigures], dict[str, int]]:
    """Each plan with its live subscribers and MRR by currency, and the
    total MRR by currency."""
    require_ops_permission(user, OpsPermission.MANAGE_SETTINGS)
    subscribers: dict[int, int] = defaultdict(int)
    mrr: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    total: dict[str, int] = defaultdict(int)
    live = Subscription.objects.filter(
        status__in=[*PAYING, SubscriptionStatus.TRIALING]
    ).values_list("plan_id", "status", "amount", "interval", "currency")
    for plan_id, status, amount, interval, currency in live:
        subscribers[plan_id] += 1
        if status in PAYING:
            month = monthly_amount(amount, interval)
            mrr[plan_id][currency] += month
            total[currency] += month
    figures = [
        PlanFigures(plan, subscribers[plan.pk], dict(sorted(mrr[plan.pk].items())))
        for plan in Plan.objects.prefetch_related("prices")
    ]
    return figures, dict(sorted(total.items()))


def ops_plan(*, user, plan_id: str) -> Plan:
    """Any plan, offered or archived, for ops; ``NotFound`` ``plan_not_found``."""
    require_ops_permission(user, OpsPermission.MANAGE_SETTINGS)
    plan = Plan.objects.prefetch_related("prices").filter(public_id=plan_id).first()
    if plan is None:
        raise NotFound("plan_not_found", _("No such plan."))
    return plan


def plan_subscribers(*, user, plan: Plan) -> list[Subscription]:
    require_ops_permission(user, OpsPermission.MANAGE_SETTINGS)
    return list(
        Subscription.objects.select_related("provider__user")
        .filter(plan=plan)
        .order_by("-created_at")[:200]
    )
