"""Reads of growth for the customer's pages and the API: what a person holds,
whom they invited, the welcome offer a friend gets."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.money import Money
from doorstep.growth import checkout, referrals
from doorstep.growth.models import Campaign, Coupon, Referral, RewardLot
from doorstep.web.templatetags.doorstep_ui import money as shown


@dataclass(frozen=True)
class Holding:
    """What a person holds in one currency."""

    currency: str
    credit: Money
    points: int

    @property
    def points_value(self) -> Money:
        return Money(self.points, self.currency)


def holdings(user: User) -> list[Holding]:
    """Credit and points still usable, per currency the person has earned in."""
    now = timezone.now()
    currencies = sorted(
        set(RewardLot.objects.filter(user=user).values_list("currency", flat=True))
    )
    held = []
    for currency in currencies:
        balance = checkout.balances(user, currency, now=now)
        held.append(
            Holding(
                currency=currency,
                credit=Money(balance[RewardLot.Kind.CREDIT], currency),
                points=balance[RewardLot.Kind.POINTS],
            )
        )
    return held


def welcome_coupon(currency: str | None = None) -> Coupon | None:
    """The referral programme's welcome offer a friend gets on a first order
    (``referrals.welcome_coupon``, which checkout applies): in ``currency``,
    else in the site's, else any."""
    for wanted in (currency, settings.DOORSTEP_CURRENCY):
        if wanted:
            coupon = referrals.welcome_coupon(wanted)
            if coupon is not None:
                return coupon
    return (
        Coupon.objects.filter(
            campaign__kind=Campaign.Kind.REFERRAL,
            campaign__status=Campaign.Status.ACTIVE,
            for_user__isnull=True,
        )
        .select_related("campaign")
        .order_by("-pk")
        .first()
    )


def invited_friends(user: User) -> list[Referral]:
    return list(
        Referral.objects.filter(inviter=user)
        .select_related("invitee")
        .order_by("-created_at", "-pk")
    )


def earned_from_friends(user: User) -> list[Money]:
    rows = (
        Referral.objects.filter(
            inviter=user, status=Referral.Status.REWARDED, reward_amount__gt=0
        )
        .values("currency")
        .annotate(total=Sum("reward_amount"))
        .order_by("currency")
    )
    return [Money(row["total"], row["currency"]) for row in rows]


def offer_text(coupon: Coupon | None) -> str:
    """What the welcome offer takes off, as people say it: "CN¥30.00",
    "20%", "20% (up to CN¥50.00)"."""
    if coupon is None:
        return ""
    if coupon.kind == Coupon.Kind.FIXED:
        return shown(Money(coupon.amount, coupon.currency))
    percent = f"{coupon.percent_bps / 100:g}%"
    if coupon.cap_amount:
        return _("%(percent)s (up to %(cap)s)") % {
            "percent": percent,
            "cap": shown(Money(coupon.cap_amount, coupon.currency)),
        }
    return percent


def invitation_text(inviter: User, coupon: Coupon | None) -> str:
    name = inviter.get_short_name() or _("A friend")
    if coupon is None:
        return _("%(name)s invited you to Doorstep: book trusted local services.") % {
            "name": name
        }
    return _(
        "%(name)s invited you to Doorstep: get %(offer)s off your first booking."
    ) % {"name": name, "offer": offer_text(coupon)}
