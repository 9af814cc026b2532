"""Standards enforcement in the demo, through the real services, after the
history: the history's provider no-shows and late cancellations already gave
strikes and fines (the order events fired the rules); here the demo provider
appeals one of theirs (an appeal waits on the ops home), ops uphold quality
complaints against another provider, and restrict a third, so the ops pages and
the provider's Standards page have something to show. A few service calls."""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.test import override_settings

from doorstep.accounts.models import ProviderProfile, User
from doorstep.catalog.models import Listing
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.trust import standards
from doorstep.trust.standards_models import (
    ReasonCode,
    StandingLevel,
    Strike,
)


@dataclass
class StandardsReport:
    strikes: int = 0
    appeals: int = 0
    restricted: int = 0


COMPLAINT = "The kitchen was left uncleaned; the photos confirm the complaint."
APPEAL = (
    "The customer moved the appointment by message an hour before; I went to "
    "the address in the order. Please look at our conversation."
)


def _completed_orders(provider: ProviderProfile, count: int) -> list[Order]:
    return list(
        Order.objects.filter(provider=provider, state=OrderState.COMPLETED).order_by(
            "pk"
        )[:count]
    )


def seed_standards(*, logins: dict[str, User], quiet: dict) -> StandardsReport:
    """``quiet``: the history's settings (tasks run at once, nothing sent)."""
    ops = logins["ops"]
    demo_provider = logins["provider"].provider_profile
    report = StandardsReport()
    with override_settings(**quiet):
        standards.penalty_rules()
        # An open appeal: the demo provider contests a strike of theirs (the
        # history's no-show), or a complaint upheld on one of their jobs.
        strike = Strike.objects.filter(provider=demo_provider).first()
        if strike is None:
            orders = _completed_orders(demo_provider, 1)
            if orders:
                strike = standards.uphold_quality_complaint(
                    user=ops, order=orders[0], reason=COMPLAINT
                )
        if strike is not None:
            standards.file_appeal(
                user=demo_provider.user, strike_id=strike.public_id, text=APPEAL
            )
            report.appeals += 1
        # Other providers with completed jobs: one with upheld complaints, one
        # restricted by ops after them.
        others = list(
            ProviderProfile.objects.exclude(pk=demo_provider.pk)
            .filter(
                pk__in=Listing.objects.filter(status=Listing.Status.PUBLISHED).values(
                    "provider"
                )
            )
            .annotate(
                done=Count("orders", filter=Q(orders__state=OrderState.COMPLETED))
            )
            .order_by("-done", "pk")[:2]
        )
        for position, provider in enumerate(others):
            for order in _completed_orders(provider, 2):
                standards.uphold_quality_complaint(
                    user=ops, order=order, reason=COMPLAINT
                )
            if position == 1:
                standards.set_standing(
                    user=ops,
                    provider=provider,
                    level=StandingLevel.RESTRICTED,
                    reason_code=ReasonCode.QUALITY,
                    reason="Two upheld complaints in a month; retraining booked.",
                )
                report.restricted += 1
    report.strikes = Strike.objects.count()
    return report
