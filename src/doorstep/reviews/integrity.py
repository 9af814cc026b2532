"""Review patterns ops should look at, found when a review is submitted.

A fake review rarely looks fake by itself; the pattern gives it away: several
accounts reviewing from one phone, one network or one card; a provider
collecting a burst of five-star reviews in an afternoon; a reviewer who lives at
the provider's address, shares their phone or company e-mail domain, works in
the same agency, or trades reviews with them. None of this proves anything, so
nothing is hidden automatically: the review gets a ``ReviewFlag`` with the
reasons and ops decide.

Where a review comes from is kept only as keyed hashes (HMAC-SHA-256 with the
site's secret key, one key per kind): the raw IP address, user agent and payment
method never reach the database, yet equal inputs give equal hashes.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest

from doorstep.accounts.models import ProviderProfile, SavedAddress, StaffMember
from doorstep.reviews.models import Direction, Review, ReviewFlag

SANDBOX_GATEWAY = "sandbox"
# Networks and devices are compared over this long; people move on.
LOOKBACK = timedelta(days=90)
# A shared address is only odd when it is not a mail provider everybody uses.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com", "qq.com", "163.com", "126.com", "outlook.com", "hotmail.com",
        "yahoo.com", "icloud.com", "foxmail.com", "sina.com", "sohu.com",
        "aliyun.com", "protonmail.com", "proton.me", "live.com", "msn.com",
        "yeah.net", "me.com", "example.com",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Submission:
    """Where a review was submitted from (raw; hashed before it is stored)."""

    ip: str = ""
    device: str = ""


def submission_from(request: HttpRequest) -> Submission:
    """The submitting client: its address, and its device as the app names it
    (``X-Device-Id``) or, for a browser, its user agent and languages."""
    meta = request.META
    device = meta.get("HTTP_X_DEVICE_ID", "") or "|".join(
        (meta.get("HTTP_USER_AGENT", ""), meta.get("HTTP_ACCEPT_LANGUAGE", ""))
    )
    return Submission(ip=meta.get("REMOTE_ADDR", ""), device=device.strip("|"))


def keyed_hash(kind: str, value: str) -> str:
    if not value:
        return ""
    key = f"doorstep.reviews.{kind}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def payment_fingerprint_of(order) -> str:
    """The hashed payment method the order was paid with ("" when none)."""
    from doorstep.payments.models import Payment

    method = (
        Payment.objects.filter(order=order)
        .exclude(payment_method="")
        # The sandbox's test cards are shared by everybody who tries it.
        .exclude(gateway=SANDBOX_GATEWAY)
        .order_by("pk")
        .values_list("gateway", "payment_method")
        .first()
    )
    return keyed_hash("payment", ":".join(method)) if method else ""


def _domain(email: str | None) -> str:
    return (email or "").rpartition("@")[2].lower()


def _same_text(first: str, second: str) -> bool:
    def plain(text: str) -> str:
        return "".join(char for char in (text or "").lower() if char.isalnum())

    return bool(plain(first)) and plain(first) == plain(second)


def find_patterns(review: Review) -> tuple[dict[str, str], set[int]]:
    """``({reason: what was seen}, {pks of the other reviews in it})`` for a
    customer's review of a provider; nothing for the other direction (it does
    not move anyone's reputation)."""
    if review.direction != Direction.CUSTOMER_REVIEWS_PROVIDER:
        return {}, set()
    reasons: dict[str, str] = {}
    related: set[int] = set()
    others = Review.objects.filter(
        direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
        created_at__gte=review.created_at - LOOKBACK,
    ).exclude(author_id=review.author_id)

    shared = {
        ReviewFlag.Reason.SHARED_DEVICE: ("device_hash", others),
        ReviewFlag.Reason.SHARED_PAYMENT: ("payment_fingerprint", others),
        # Offices and mobile networks share addresses: only about one provider.
        ReviewFlag.Reason.SHARED_IP: (
            "ip_hash",
            others.filter(provider_id=review.provider_id),
        ),
    }
    for reason, (field, candidates) in shared.items():
        value = getattr(review, field)
        if not value:
            continue
        pks = set(candidates.filter(**{field: value}).values_list("pk", flat=True))
        if pks:
            authors = 1 + len(
                set(Review.objects.filter(pk__in=pks).values_list("author", flat=True))
            )
            reasons[reason] = f"{authors} reviewers"
            related |= pks

    window = timedelta(hours=settings.DOORSTEP_REVIEW_BURST_HOURS)
    burst = set(
        Review.objects.filter(
            provider_id=review.provider_id,
            direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
            created_at__gt=review.created_at - window,
            created_at__lte=review.created_at,
        )
        .exclude(pk=review.pk)
        .values_list("pk", flat=True)
    )
    if len(burst) + 1 >= settings.DOORSTEP_REVIEW_BURST_COUNT:
        reasons[ReviewFlag.Reason.BURST] = (
            f"{len(burst) + 1} reviews in {settings.DOORSTEP_REVIEW_BURST_HOURS} h"
        )
        related |= burst

    reasons.update(_links(review, related))
    return reasons, related


def _links(review: Review, related: set[int]) -> dict[str, str]:
    """Reasons that tie the reviewer to the reviewed provider."""
    reasons: dict[str, str] = {}
    author, provider = review.author, review.provider
    owner = provider.user

    saved = SavedAddress.objects.filter(user=author).values_list("address", flat=True)
    if _same_text(provider.address, review.order.address) or any(
        _same_text(address, provider.address) for address in saved
    ):
        reasons[ReviewFlag.Reason.SAME_ADDRESS] = provider.address

    if author.phone and author.phone == owner.phone:
        reasons[ReviewFlag.Reason.SAME_CONTACT] = "phone"
    elif (
        (domain := _domain(author.email))
        and domain == _domain(owner.email)
        and domain not in PUBLIC_MAIL_DOMAINS
    ):
        reasons[ReviewFlag.Reason.SAME_CONTACT] = domain

    if provider.agency_id is not None and (
        StaffMember.objects.filter(agency_id=provider.agency_id, user=author).exists()
        or ProviderProfile.objects.filter(
            agency_id=provider.agency_id, user=author
        ).exists()
        or provider.agency.owner_id == author.pk
    ):
        reasons[ReviewFlag.Reason.SAME_AGENCY] = provider.agency.name

    mutual = set(
        Review.objects.filter(
            direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
            author=owner,
            provider__user=author,
        ).values_list("pk", flat=True)
    )
    if mutual:
        reasons[ReviewFlag.Reason.MUTUAL] = f"{len(mutual)} reviews back"
        related |= mutual
    return reasons


def flag_patterns(review: Review) -> ReviewFlag | None:
    """Flag ``review`` when it fits a pattern (inside the submitting
    transaction). Returns the flag, or ``None``."""
    reasons, related = find_patterns(review)
    if not reasons:
        return None
    flag = ReviewFlag.objects.create(
        review=review,
        reasons=list(reasons),
        details={str(reason): detail for reason, detail in reasons.items()},
        created_at=review.created_at,
    )
    flag.related.set(related)
    return flag
