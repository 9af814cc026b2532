"""Referrals, both sides: everyone's code, the friend who joins through it,
and the inviter's reward once the friend's first order is safely done.

- A customer's friend gets the programme's welcome discount on their first
  order (the inviter's code is the friend's code at checkout, see
  ``growth.checkout``); the inviter earns credit once that order's dispute
  window passes.
- A provider who invites a provider earns money on their balance once the
  new provider has completed ``DOORSTEP_REFERRAL_PROVIDER_JOBS`` jobs.
- Every reward is judged first (``growth.fraud``) on what the two accounts
  share — devices, phones, cards, addresses, networks — and on the pattern
  around them; above the risk threshold it is held for ops (the quarantine
  queue), with the reasons. Sign-ups through one code beyond the velocity
  limit are recorded but never rewarded.
"""

import hashlib
import hmac
import ipaddress
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import SavedAddress, User
from doorstep.audit import services as audit
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import Conflict, NotFound
from doorstep.events.services import record_event
from doorstep.growth import fraud, ledger
from doorstep.growth.audit_actions import REJECT_REFERRAL, RELEASE_REFERRAL
from doorstep.growth.models import (
    Campaign,
    Coupon,
    OrderRewards,
    Referral,
    ReferralCode,
    RewardLot,
    Sighting,
)
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.payments.models import Payment

DEVICE_COOKIE = "ds_device"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def keyed_hash(kind: str, value: str) -> str:
    """A keyed hash of a raw identifier (HMAC-SHA-256 with the site's key, one
    key per kind): equal inputs compare equal, the raw value is never kept."""
    if not value:
        return ""
    key = f"doorstep.growth.{kind}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.strip().lower().encode(), hashlib.sha256).hexdigest()


def network_of(ip: str) -> str:
    """The network an address is in: /24 for IPv4, /48 for IPv6 ("" if none)."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


# --- Codes ----------------------------------------------------------------------------


def code_for(user: User) -> ReferralCode:
    """``user``'s own code, made on first ask: a few letters of their name and
    random characters, easy to read aloud."""
    existing = ReferralCode.objects.filter(user=user).first()
    if existing is not None:
        return existing
    stem = "".join(
        ch for ch in (user.name or "").upper() if ch.isascii() and ch.isalpha()
    )
    stem = (stem[:4] or "DS").ljust(2, "X")
    for _attempt in range(10):
        tail = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
        try:
            with transaction.atomic():
                return ReferralCode.objects.create(user=user, code=f"{stem}{tail}")
        except IntegrityError:
            existing = ReferralCode.objects.filter(user=user).first()
            if existing is not None:
                return existing
    raise RuntimeError("no free referral code after 10 tries")


def welcome_coupon(currency: str) -> Coupon | None:
    """The referral programme's welcome offer in ``currency``: the coupon of
    its active campaign there (``None`` when the programme does not run in
    that currency)."""
    return (
        Coupon.objects.filter(
            campaign__kind=Campaign.Kind.REFERRAL,
            campaign__status=Campaign.Status.ACTIVE,
            campaign__currency=currency,
            for_user__isnull=True,
        )
        .select_related("campaign")
        .order_by("-pk")
        .first()
    )


# --- Sightings and sign-up ------------------------------------------------------------


def record_sighting(user: User, request: HttpRequest, *, now: datetime | None = None):
    """Note the device cookie and network ``user`` is on (sign-up, sign-in,
    checkout) as keyed hashes, with when they were last seen together."""
    device = request.COOKIES.get(DEVICE_COOKIE, "") or request.META.get(
        "HTTP_X_DEVICE_ID", ""
    )
    network = network_of(request.META.get("REMOTE_ADDR", ""))
    Sighting.objects.update_or_create(
        user=user,
        device_hash=keyed_hash("device", device),
        network_hash=keyed_hash("network", network),
        defaults={"at": now or timezone.now()},
    )


def attach(*, invitee: User, code: str, now: datetime | None = None) -> Referral | None:
    """``invitee`` joined through ``code``: the referral, or ``None`` when the
    code is unknown, their own, or they were referred already. Beyond the
    velocity limit the referral is recorded rejected (ops see it)."""
    now = now or timezone.now()
    referral_code = ReferralCode.objects.filter(
        code=(code or "").strip().upper()
    ).first()
    if referral_code is None or referral_code.user_id == invitee.pk:
        return None
    if Referral.objects.filter(invitee=invitee).exists():
        return None
    recent = tuple(
        Referral.objects.filter(
            code=referral_code, created_at__gte=now - timedelta(days=30)
        ).values_list("created_at", flat=True)
    )
    over = fraud.velocity_exceeded((*recent, now), now=now)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                code=referral_code,
                inviter_id=referral_code.user_id,
                invitee=invitee,
                status=Referral.Status.REJECTED if over else Referral.Status.JOINED,
                reasons=[fraud.Reason.VELOCITY.value] if over else [],
                risk_score=100 if over else 0,
                created_at=now,
                decided_at=now if over else None,
            )
            if not over:
                record_event(topic="growth.referral_joined", subject=referral.public_id)
    except IntegrityError:
        return None
    return referral


# --- Qualifying and judging -----------------------------------------------------------


def qualify_by(order: Order, *, now: datetime) -> Referral | None:
    """Called once per order whose dispute window passed: the customer's
    referral qualifies on their first such order; a provider's on their Nth
    completed job."""
    referral = (
        Referral.objects.filter(invitee=order.customer, status=Referral.Status.JOINED)
        .select_related("inviter", "invitee")
        .first()
    )
    if referral is not None:
        earlier = OrderRewards.objects.filter(order__customer=order.customer).exclude(
            order=order
        )
        if not earlier.exists():
            return judge(referral, order=order, now=now)
    if order.provider is None:
        return None
    referral = (
        Referral.objects.filter(
            invitee=order.provider.user_id, status=Referral.Status.JOINED
        )
        .select_related("inviter", "invitee")
        .first()
    )
    if referral is None:
        return None
    done = Order.objects.filter(
        provider=order.provider, state=OrderState.COMPLETED, redo_of__isnull=True
    ).count()
    if done < settings.DOORSTEP_REFERRAL_PROVIDER_JOBS:
        return None
    return judge(referral, order=order, now=now)


def judge(referral: Referral, *, order: Order, now: datetime) -> Referral:
    """Assess the referral; pay it, or hold it for ops with the reasons."""
    assessment = fraud.assess(case_for(referral, order=order, now=now), now=now)
    referral.order = order
    referral.risk_score = assessment.score
    referral.reasons = [reason.value for reason in assessment.reasons]
    if assessment.quarantined:
        referral.status = Referral.Status.QUARANTINED
        referral.save(update_fields=["order", "risk_score", "reasons", "status"])
        return referral
    referral.status = Referral.Status.QUALIFIED
    referral.save(update_fields=["order", "risk_score", "reasons", "status"])
    return _reward(referral, now=now)


def _programme(currency: str) -> Campaign | None:
    return Campaign.objects.filter(
        kind=Campaign.Kind.REFERRAL, currency=currency, status=Campaign.Status.ACTIVE
    ).first()


def _reward(referral: Referral, *, now: datetime) -> Referral:
    """Pay the inviter: credit for a customer, money on the balance for a
    provider who brought a provider. Counted against the programme's budget;
    with none left, the referral is held for ops."""
    order = referral.order
    campaign = _programme(order.currency)
    amount = campaign.reward_amount if campaign else 0
    if amount <= 0:
        referral.status = Referral.Status.REWARDED
        referral.decided_at = now
        referral.save(update_fields=["status", "decided_at"])
        return referral
    taken = (
        Campaign.objects.filter(pk=campaign.pk)
        .filter(
            Q(budget_amount__isnull=True)
            | Q(budget_amount__gte=F("spent_amount") + amount)
        )
        .update(spent_amount=F("spent_amount") + amount)
    )
    if not taken:
        # The programme stops until ops give it more budget.
        Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.ACTIVE).update(
            status=Campaign.Status.SPENT
        )
        referral.status = Referral.Status.QUARANTINED
        referral.reasons = [*referral.reasons, "budget_spent"]
        referral.save(update_fields=["status", "reasons"])
        return referral
    inviter = referral.inviter
    provider = getattr(inviter, "provider_profile", None)
    invitee_is_provider = hasattr(referral.invitee, "provider_profile")
    if provider is not None and invitee_is_provider:
        ledger.pay_provider(
            provider=provider,
            amount=amount,
            currency=order.currency,
            key=f"referral_reward:{referral.public_id}",
        )
    else:
        from doorstep.growth.rewards import grant

        for kind, value in (
            (RewardLot.Kind.CREDIT, amount),
            (RewardLot.Kind.POINTS, settings.DOORSTEP_POINTS_REFERRAL),
        ):
            grant(
                user=inviter,
                kind=kind,
                source=RewardLot.Source.REFERRAL,
                source_ref=referral.public_id,
                amount=value,
                currency=order.currency,
                now=now,
            )
    referral.status = Referral.Status.REWARDED
    referral.reward_amount = amount
    referral.currency = order.currency
    referral.decided_at = now
    referral.save(update_fields=["status", "reward_amount", "currency", "decided_at"])
    record_event(
        topic="growth.referral_rewarded",
        subject=referral.public_id,
        payload={"to": "provider" if provider and invitee_is_provider else "credit"},
    )
    return referral


def _party(user: User, *, now: datetime, window: timedelta) -> fraud.Party:
    since = now - window
    sightings = Sighting.objects.filter(user=user, at__gte=since)
    cards = {
        keyed_hash("card", method)
        for method in Payment.objects.filter(order__customer=user)
        .exclude(payment_method="")
        .exclude(gateway="sandbox")
        .values_list("payment_method", flat=True)
    }
    addresses = {
        keyed_hash("address", " ".join(address.split()))
        for address in (
            *SavedAddress.objects.filter(user=user).values_list("address", flat=True),
            *Order.objects.filter(customer=user, created_at__gte=since).values_list(
                "address", flat=True
            ),
        )
        if address
    }
    email = user.email or ""
    seen: dict[str, datetime] = {}
    for device, network, at in sightings.values_list(
        "device_hash", "network_hash", "at"
    ):
        for value in (device, network):
            if value and (value not in seen or seen[value] < at):
                seen[value] = at
    return fraud.Party(
        user_id=user.pk,
        joined_at=user.date_joined,
        is_provider=hasattr(user, "provider_profile"),
        devices=frozenset(
            h for h in sightings.values_list("device_hash", flat=True) if h
        ),
        phones=frozenset({keyed_hash("phone", user.phone)} if user.phone else ()),
        cards=frozenset(cards),
        addresses=frozenset(addresses),
        networks=frozenset(
            h for h in sightings.values_list("network_hash", flat=True) if h
        ),
        email_domain=email.rsplit("@", 1)[-1].lower() if "@" in email else "",
        last_seen=tuple(seen.items()),
    )


def case_for(referral: Referral, *, order: Order, now: datetime) -> fraud.ReferralCase:
    """What the fraud rules judge, read from the database."""
    window = fraud.LOOKBACK
    inviter = _party(referral.inviter, now=now, window=window)
    invitee = _party(referral.invitee, now=now, window=window)
    siblings = (
        Referral.objects.filter(inviter=referral.inviter)
        .exclude(pk=referral.pk)
        .select_related("invitee")
        .order_by("-created_at")[:20]
    )
    typical = (
        Order.objects.filter(
            state=OrderState.COMPLETED,
            currency=order.currency,
            listing__category=order.listing.category if order.listing_id else None,
        )
        .order_by("total_amount")
        .values_list("total_amount", flat=True)
    )
    amounts = list(typical[:501])
    return fraud.ReferralCase(
        inviter=inviter,
        invitee=invitee,
        signed_up_at=referral.created_at,
        first_order_at=order.created_at,
        first_order_amount=order.total_amount,
        first_order_provider_user_id=order.provider.user_id if order.provider else None,
        first_order_customer_user_id=order.customer_id,
        typical_order_amount=amounts[len(amounts) // 2] if amounts else 0,
        inviter_recent_signups=tuple(
            Referral.objects.filter(
                inviter=referral.inviter, created_at__gte=now - window
            ).values_list("created_at", flat=True)
        ),
        other_invitees=tuple(
            _party(sibling.invitee, now=now, window=window) for sibling in siblings
        ),
        invitee_inviter_ids=frozenset(
            Referral.objects.filter(inviter=referral.invitee).values_list(
                "invitee_id", flat=True
            )
        ),
    )


# --- Ops: the quarantine queue --------------------------------------------------------


def held() -> list[Referral]:
    """Referrals held for review, riskiest first."""
    return list(
        Referral.objects.filter(status=Referral.Status.QUARANTINED)
        .select_related("inviter", "invitee", "order")
        .order_by("-risk_score", "created_at")
    )


def review(
    *,
    user: User,
    referral_id: str,
    release: bool,
    note: str,
    now: datetime | None = None,
) -> Referral:
    """Ops release (pay) or reject a held referral, with a note, audited."""
    require_ops_permission(user, OpsPermission.RUN_GROWTH)
    now = now or timezone.now()
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update().filter(public_id=referral_id).first()
        )
        if referral is None:
            raise NotFound("referral_not_found", _("No such referral."))
        if referral.status != Referral.Status.QUARANTINED:
            raise Conflict("referral_decided", _("This referral was already decided."))
        before = {"status": referral.status}
        referral.reviewed_by = user
        referral.review_note = note[:300]
        referral.save(update_fields=["reviewed_by", "review_note"])
        if release:
            referral = _reward(referral, now=now)
            if referral.status == Referral.Status.QUARANTINED:
                raise Conflict(
                    "promo_code_used_up",
                    _("The referral programme's budget is spent."),
                )
        else:
            referral.status = Referral.Status.REJECTED
            referral.decided_at = now
            referral.save(update_fields=["status", "decided_at"])
        audit.record(
            actor=user,
            action=RELEASE_REFERRAL if release else REJECT_REFERRAL,
            target=referral,
            reason=note,
            before=before,
            after={"status": referral.status},
        )
    return referral
