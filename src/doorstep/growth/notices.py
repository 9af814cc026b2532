"""Notices about rewards, from the ``growth.*`` events (kind ``rewards``): the
inviter hears that a friend joined and when their reward is paid; a customer
hears of the points a booking earned. Delivered at least once;
``notify_about_event`` makes each notification once. A referral held for
review says nothing to either side until ops decide."""

from django.urls import reverse
from django.utils.translation import gettext as _

from doorstep.core.money import Money
from doorstep.events.models import Event
from doorstep.growth.models import Referral, RewardLot
from doorstep.notifications.consumers import Planned
from doorstep.notifications.models import Kind

KIND = Kind.REWARDS


def on_growth_event(event: Event) -> None:
    from doorstep.notifications.services import notify_about_event

    planned = plan_for(event)
    if planned:
        notify_about_event(event=event, planned=planned)


def _friend(referral: Referral) -> str:
    name = (referral.invitee.name or "").split()
    return name[0] if name else str(_("A friend"))


def plan_for(event: Event) -> list[Planned]:
    step = event.topic.split(".", 1)[1]
    if step == "points_earned":
        lot = (
            RewardLot.objects.select_related("user")
            .filter(public_id=event.subject)
            .first()
        )
        if lot is None:
            return []
        return [
            Planned(
                lot.user,
                KIND,
                "points_earned",
                reverse("growth:rewards"),
                {"count": lot.amount, "amount": Money(lot.amount, lot.currency)},
            )
        ]
    referral = (
        Referral.objects.select_related("inviter", "invitee")
        .filter(public_id=event.subject)
        .first()
    )
    if referral is None:
        return []
    url = reverse("growth:invite")
    if step == "referral_joined":
        return [
            Planned(
                referral.inviter,
                KIND,
                "referral_joined",
                url,
                {"friend": _friend(referral)},
            )
        ]
    if step == "referral_rewarded" and referral.reward_amount:
        wording = (
            "provider_referral_rewarded"
            if event.payload.get("to") == "provider"
            else "referral_rewarded"
        )
        return [
            Planned(
                referral.inviter,
                KIND,
                wording,
                url,
                {
                    "friend": _friend(referral),
                    "amount": Money(referral.reward_amount, referral.currency),
                },
            )
        ]
    return []
