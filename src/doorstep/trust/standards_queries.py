"""Reads for standards enforcement: a provider's record (for the provider and
for ops), the ops overview."""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from doorstep.accounts.models import ProviderProfile
from doorstep.audit.queries import entries_for
from doorstep.core.errors import NotFound
from doorstep.payments.models import AccountKind, LedgerAccount
from doorstep.trust.standards import live_points, penalty_rules
from doorstep.trust.standards_models import (
    Appeal,
    Fine,
    PenaltyRule,
    ProviderStanding,
    StandingLevel,
    Strike,
)


@dataclass
class StandardsRecord:
    provider: ProviderProfile
    standing: ProviderStanding
    points: int
    strikes: list[Strike]
    fines: list[Fine]
    owed: list[LedgerAccount] = field(default_factory=list)


def standards_record(provider: ProviderProfile) -> StandardsRecord:
    standing, _created = ProviderStanding.objects.get_or_create(provider=provider)
    strikes = list(
        Strike.objects.filter(provider=provider)
        .select_related("order", "fine", "appeal")
        .order_by("-issued_at", "-pk")
    )
    return StandardsRecord(
        provider=provider,
        standing=standing,
        points=live_points(provider),
        strikes=strikes,
        fines=list(Fine.objects.filter(provider=provider).select_related("order")),
        owed=list(
            LedgerAccount.objects.filter(
                provider=provider, kind=AccountKind.PROVIDER_RECEIVABLE, balance__gt=0
            )
        ),
    )


def ops_provider(public_id: str) -> ProviderProfile:
    provider = (
        ProviderProfile.objects.select_related("user")
        .filter(public_id=public_id)
        .first()
    )
    if provider is None:
        raise NotFound("provider_not_found", _("No such provider."))
    return provider


def open_appeals() -> QuerySet[Appeal]:
    return Appeal.objects.filter(status=Appeal.Status.OPEN).select_related(
        "provider", "strike__order"
    )


def providers_under_enforcement() -> QuerySet[ProviderStanding]:
    return (
        ProviderStanding.objects.filter(level__gt=StandingLevel.GOOD)
        .select_related("provider")
        .order_by("-level", "-changed_at")
    )


def rules() -> list[PenaltyRule]:
    return penalty_rules()


def audit_of(obj) -> list:
    return list(entries_for(obj)[:50])
