"""Trust & safety work waiting for ops in the demo, made through the real
services: a few people asking to pay or deal off the platform (flagged
messages, once the past is built) and two accounts reviewing from one phone in
the past weeks (a flagged review pattern)."""

from datetime import datetime, timedelta

from doorstep.accounts.models import User
from doorstep.catalog.models import Listing
from doorstep.demo.clock import moved_clock
from doorstep.messaging.services import send_message, start_inquiry
from doorstep.reviews.integrity import Submission

OFF_PLATFORM_ASKS = (
    ("customer", "Can I just pay you by Alipay directly? We'd both skip the fee."),
    ("customer", "下次不用走平台了，微信转你就行"),
    ("provider", "取消訂單吧，我照樣過去，現金給我就好"),
)
SHARED_PHONE = Submission(ip="198.51.100.23", device="Android 14 · demo phone 5f2c")


def seed_integrity_flags(*, logins: dict[str, User], now: datetime) -> None:
    """Cheap: three messages, a few hours before ``now`` (the review pattern
    comes from the history's reviews: see ``DemoPhones``)."""
    with moved_clock(now - timedelta(hours=6)) as clock:
        _off_platform_messages(logins["customer"], clock=clock)


def _off_platform_messages(customer: User, *, clock) -> None:
    listings = (
        Listing.objects.filter(status=Listing.Status.PUBLISHED)
        .exclude(provider__user=customer)
        .select_related("provider__user")
        .order_by("pk")
    )
    for (side, text), listing in zip(OFF_PLATFORM_ASKS, listings, strict=False):
        conversation = start_inquiry(customer=customer, listing_id=listing.public_id)
        sender = customer if side == "customer" else listing.provider.user
        send_message(sender=sender, conversation=conversation, body=text)
        clock.set(clock.now + timedelta(minutes=40))


class DemoPhones:
    """Where demo customers review from: each from their own phone, except the
    first two who review after ``sharing_from`` — one person with two accounts,
    whose second review ops find flagged."""

    def __init__(self, *, sharing_from: datetime) -> None:
        self.sharing_from = sharing_from
        self.sharers: list[int] = []

    def submission_for(self, customer: User, *, now: datetime) -> Submission:
        if (
            now >= self.sharing_from
            and len(self.sharers) < 2
            and customer.pk not in self.sharers
        ):
            self.sharers.append(customer.pk)
        if customer.pk in self.sharers:
            return SHARED_PHONE
        return Submission(
            ip=f"demo-network-{customer.pk}", device=f"demo phone {customer.public_id}"
        )
