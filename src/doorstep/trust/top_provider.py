"""The "Top provider" badge: the rules ops set, and the periodic requalification
that grants it to every provider who meets them and takes it from those who no
longer do, with the reason.

Requalification reads everything in a handful of grouped queries (reputation,
completed jobs, the window's bookings and cancellations, response times, the
current holders) and writes in bulk, so 10,000 providers cost the same few
queries as ten.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile
from doorstep.audit.services import record
from doorstep.backoffice.access import OpsPermission, has_ops_permission
from doorstep.core.errors import DomainError, PermissionDenied
from doorstep.orders.models import Order
from doorstep.orders.process import Actor
from doorstep.orders.states import UNPAID_STATES, OrderState
from doorstep.reviews.models import ProviderReputation
from doorstep.trust import audit_actions
from doorstep.trust.badges import live_badges
from doorstep.trust.check_models import TopProviderRules
from doorstep.trust.models import BadgeKind, ProviderBadge

RULE_FIELDS = (
    "min_rating",
    "min_reviews",
    "min_completed_jobs",
    "max_median_response_minutes",
    "max_cancellation_bps",
    "window_days",
)
# Orders that never became a job: the window's rate counts the others.
NOT_BOOKED_STATES = frozenset(
    {*UNPAID_STATES, OrderState.REQUESTED, OrderState.DECLINED, OrderState.EXPIRED}
)
_CHUNK = 500


def active_rules() -> TopProviderRules:
    """The rules in force (the defaults, unsaved, until ops first set them)."""
    return TopProviderRules.objects.filter(is_active=True).first() or TopProviderRules()


def can_manage_rules(user) -> bool:
    return has_ops_permission(user, OpsPermission.MANAGE_SETTINGS) or (
        has_ops_permission(user, OpsPermission.ENFORCE_STANDARDS)
    )


@transaction.atomic
def update_top_provider_rules(*, user, values: dict[str, object]) -> TopProviderRules:
    """Ops replace the rules: a new active row, the old one kept inactive, the
    change audited with both. Needs ``MANAGE_SETTINGS`` or
    ``ENFORCE_STANDARDS``; values out of range raise ``invalid_input``."""
    if not can_manage_rules(user):
        raise PermissionDenied(
            "ops_permission_required",
            _("Your operations role does not allow this."),
        )
    current = (
        TopProviderRules.objects.select_for_update().filter(is_active=True).first()
    )
    before = (current or TopProviderRules()).as_dict()
    rules = TopProviderRules(created_by=user, is_active=True)
    for name in RULE_FIELDS:
        setattr(rules, name, values.get(name, getattr(current or rules, name)))
    fields = _validate(rules)
    if fields:
        raise DomainError(
            "invalid_input", _("Some fields are not valid."), fields=fields
        )
    if current is not None:
        current.is_active = False
        current.save(update_fields=["is_active"])
    rules.save()
    record(
        actor=user,
        action=audit_actions.UPDATE_TOP_PROVIDER_RULES,
        target=rules,
        before=before,
        after=rules.as_dict(),
    )
    return rules


def _validate(rules: TopProviderRules) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    try:
        rating = Decimal(str(rules.min_rating))
    except ArithmeticError:
        rating = Decimal(-1)
    if not Decimal(0) <= rating <= Decimal(5):
        fields["min_rating"] = [_("Enter a rating between 0 and 5.")]
    if not 0 <= int(rules.max_cancellation_bps) <= 10_000:
        fields["max_cancellation_bps"] = [_("Enter between 0 and 10000 (100%).")]
    if not 1 <= int(rules.window_days) <= 730:
        fields["window_days"] = [_("Enter between 1 and 730 days.")]
    return fields


# --- Requalification --------------------------------------------------------------


@dataclass(frozen=True)
class ProviderRecord:
    """What the rules read about one provider."""

    rating: float = 0.0
    reviews: int = 0
    completed_jobs: int = 0
    median_response_minutes: int | None = None
    window_jobs: int = 0
    window_cancellations: int = 0
    active: bool = True


def failed_rule(record_: ProviderRecord, rules: TopProviderRules) -> str | None:
    """Why the provider does not qualify (the first rule they miss), or None."""
    if not record_.active:
        return "not active"
    if record_.reviews < rules.min_reviews:
        return f"reviews {record_.reviews} < {rules.min_reviews}"
    if Decimal(str(round(record_.rating, 2))) < Decimal(str(rules.min_rating)):
        return f"rating {record_.rating:.2f} < {rules.min_rating}"
    if record_.completed_jobs < rules.min_completed_jobs:
        return f"completed jobs {record_.completed_jobs} < {rules.min_completed_jobs}"
    limit = rules.max_median_response_minutes
    if limit is not None and (
        record_.median_response_minutes is None
        or record_.median_response_minutes > limit
    ):
        return f"median response {record_.median_response_minutes} min > {limit}"
    if record_.window_jobs:
        rate = record_.window_cancellations * 10_000 // record_.window_jobs
        if rate > rules.max_cancellation_bps:
            return (
                f"cancellations {rate / 100:.1f}% > "
                f"{rules.max_cancellation_bps / 100:.1f}% over {rules.window_days} days"
            )
    return None


def provider_records(
    *, rules: TopProviderRules, now: datetime, among: set[int]
) -> dict[int, ProviderRecord]:
    """The records of the providers in ``among`` plus everyone with reviews,
    read in grouped queries (never one per provider)."""
    reputation = {
        provider_id: (mean, count)
        for provider_id, mean, count in ProviderReputation.objects.filter(
            count__gt=0
        ).values_list("provider_id", "mean", "count")
    }
    ids = set(reputation) | among
    completed = dict(
        Order.objects.filter(state=OrderState.COMPLETED)
        .values("provider_id")
        .annotate(jobs=Count("pk"))
        .values_list("provider_id", "jobs")
    )
    window = {
        row["provider_id"]: (row["jobs"], row["cancelled"])
        for row in Order.objects.filter(
            starts_at__gte=now - timedelta(days=rules.window_days), starts_at__lt=now
        )
        .exclude(state__in=NOT_BOOKED_STATES)
        .values("provider_id")
        .annotate(
            jobs=Count("pk"),
            cancelled=Count(
                "pk",
                filter=Q(state=OrderState.NO_SHOW_PROVIDER)
                | Q(state=OrderState.CANCELLED, cancelled_by=Actor.PROVIDER),
            ),
        )
    }
    profiles = {
        pk: (status, minutes)
        for pk, status, minutes in ProviderProfile.objects.values_list(
            "pk", "status", "median_response_minutes"
        )
    }
    records = {}
    for provider_id in ids:
        if provider_id not in profiles:
            continue
        status, minutes = profiles[provider_id]
        mean, count = reputation.get(provider_id, (0.0, 0))
        jobs, cancelled = window.get(provider_id, (0, 0))
        records[provider_id] = ProviderRecord(
            rating=mean,
            reviews=count,
            completed_jobs=completed.get(provider_id, 0),
            median_response_minutes=minutes,
            window_jobs=jobs,
            window_cancellations=cancelled,
            active=status == ProviderProfile.Status.ACTIVE,
        )
    return records


def _chunks(ids: list[int]):
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


@transaction.atomic
def requalify_top_providers(*, now: datetime | None = None) -> dict[str, int]:
    """Grant "Top provider" to everyone who meets the active rules and revoke it
    (with the rule they missed as the reason) from holders who no longer do."""
    now = now or timezone.now()
    rules = active_rules()
    holders = set(
        live_badges(at=now)
        .filter(kind=BadgeKind.TOP_PROVIDER)
        .values_list("provider_id", flat=True)
    )
    records = provider_records(rules=rules, now=now, among=holders)
    qualified = set()
    revoke: dict[str, list[int]] = {}
    for provider_id, provider_record in records.items():
        reason = failed_rule(provider_record, rules)
        if reason is None:
            qualified.add(provider_id)
        elif provider_id in holders:
            revoke.setdefault(reason, []).append(provider_id)
    for provider_id in holders - set(records):
        revoke.setdefault("not a provider any more", []).append(provider_id)

    revoked = 0
    for reason, ids in revoke.items():
        for chunk in _chunks(sorted(ids)):
            revoked += ProviderBadge.objects.filter(
                kind=BadgeKind.TOP_PROVIDER,
                category__isnull=True,
                revoked_at__isnull=True,
                provider_id__in=chunk,
            ).update(revoked_at=now, revoked_reason=f"rule: {reason}"[:200])

    new = sorted(qualified - holders)
    source = f"rule:top_provider:{rules.pk or 'default'}"
    for chunk in _chunks(new):
        # A lapsed row that nobody revoked would still hold the "one live badge"
        # constraint: close it first.
        ProviderBadge.objects.filter(
            kind=BadgeKind.TOP_PROVIDER,
            category__isnull=True,
            revoked_at__isnull=True,
            provider_id__in=chunk,
        ).update(revoked_at=now, revoked_reason="expired")
        ProviderBadge.objects.bulk_create(
            [
                ProviderBadge(
                    provider_id=provider_id,
                    kind=BadgeKind.TOP_PROVIDER,
                    granted_at=now,
                    source=source,
                )
                for provider_id in chunk
            ]
        )
    return {
        "granted": len(new),
        "revoked": revoked,
        "kept": len(qualified & holders),
        "considered": len(records),
    }
