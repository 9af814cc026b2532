"""The demo's trust signals, made through the real services once the history
has given providers their reviews and jobs: the ID-verified badge for the
providers the build marked verified, background checks in every state (clear,
waiting for ops to decide, waiting for the candidate, consented and not yet
started), and the top-provider rules with the providers they qualify."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Count
from django.test.utils import override_settings
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile, User
from doorstep.trust.background_checks.sandbox import deliver_due_events
from doorstep.trust.badges import grant_badge
from doorstep.trust.check_services import record_consent, start_background_check
from doorstep.trust.models import BadgeKind
from doorstep.trust.top_provider import (
    requalify_top_providers,
    update_top_provider_rules,
)

# Rules the demo's 90 days of history can meet (most providers there have one
# or two jobs, and response times are not derived): the defaults are stricter.
DEMO_RULES = {
    "min_rating": Decimal("4.50"),
    "min_reviews": 1,
    "min_completed_jobs": 1,
    "max_median_response_minutes": None,
    "max_cancellation_bps": 1000,
    "window_days": 180,
}
# The sandbox's outcome comes from the candidate's test data (its docstring):
# these words in the legal name choose "consider" and "suspended".
CHECK_PLAN = ("clear", "clear", "clear", "consider", "suspend", "consent", "consent")
DEMO_ADDRESS = "192.0.2.10"  # documentation range (RFC 5737)


def build_trust_badges(*, logins: dict[str, User], now: datetime | None = None) -> dict:
    now = now or timezone.now()
    ops = logins["ops"]
    verified = 0
    for provider in ProviderProfile.objects.filter(verified_at__isnull=False):
        grant_badge(
            provider,
            BadgeKind.ID_VERIFIED,
            source="demo:verified_at",
            now=provider.verified_at,
        )
        verified += 1

    demo_provider = logins["provider"].provider_profile
    busiest = list(
        ProviderProfile.objects.exclude(pk=demo_provider.pk)
        .annotate(jobs=Count("orders"))
        .order_by("-jobs", "pk")
        .select_related("user")[: len(CHECK_PLAN) - 1]
    )
    checks = 0
    # Results come at once, not after the sandbox's minute; they still travel
    # as signed webhooks to our handler.
    with override_settings(DOORSTEP_CHECK_SANDBOX_DELAY_SECONDS=0):
        for provider, plan in zip([demo_provider, *busiest], CHECK_PLAN, strict=False):
            name = provider.user.name or provider.display_name
            if plan in {"consider", "suspend"}:
                name = f"{name} ({plan})"
            record_consent(
                provider=provider,
                user=provider.user,
                legal_name=name,
                agreed=True,
                ip_address=DEMO_ADDRESS,
                user_agent="Doorstep demo",
            )
            if plan == "consent":
                continue
            start_background_check(provider_id=provider.public_id, user=ops)
            checks += 1
        deliver_due_events(now=timezone.now())

    update_top_provider_rules(user=ops, values=DEMO_RULES)
    top = requalify_top_providers(now=now)
    return {"id_verified": verified, "checks": checks, "top_provider": top["granted"]}
