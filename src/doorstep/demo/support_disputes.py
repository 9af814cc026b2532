"""The demo's disputes (support): seeded through the support services, one in
each state — waiting for the other side's answer, an offer made, settled by
agreement, escalated to ops, decided by ops with a split, decided with a
penalty — about the past's completed jobs (and delivered ones while one is
left undisputed), at explicit times within each job's filing window. The
demo logins take part where they can: the demo provider has a claim to
answer, the demo customer an offer to take."""

from datetime import datetime, timedelta

from django.conf import settings
from django.test import override_settings

from doorstep.accounts.models import User
from doorstep.core.errors import DomainError
from doorstep.demo.clock import moved_clock
from doorstep.demo.history import _quiet_settings, start_times
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.payments.models import Payment, PaymentStatus
from doorstep.support import disputes
from doorstep.support.models import Dispute
from doorstep.support.redo import check_redo_time

Category = Dispute.Category

STORIES = (
    # (what the dispute ends as, reason, statement)
    (
        "awaiting_response",
        Category.POOR_QUALITY,
        "The bathroom was not cleaned at all; the photos in our chat show it.",
    ),
    (
        "offer_made",
        Category.NOT_DONE,
        "We booked three hours and the job ended after two.",
    ),
    (
        "settled",
        Category.DAMAGE,
        "A glass shelf in the bathroom was cracked during the cleaning.",
    ),
    (
        "escalated",
        Category.OVERCHARGED,
        "I was asked for extra materials I never agreed to.",
    ),
    (
        "decided_split",
        Category.POOR_QUALITY,
        "Windows left streaky and the oven untouched.",
    ),
    (
        "decided_penalty",
        Category.CONDUCT,
        "The worker arrived an hour late and left the door open.",
    ),
)
OPEN_ENDINGS = {"awaiting_response", "offer_made"}
RESPONSES = {
    "offer_made": "Sorry — I can give back part of it for the missing hour.",
    "settled": "I am sorry about the shelf; here is the cost of a new one.",
    "escalated": "The materials were agreed in our messages before I bought them.",
    "decided_split": "Everything on the checklist was done.",
    "decided_penalty": "Traffic was bad; the job was still done well.",
}
DECISIONS = {
    "decided_split": "Half of the job is missing on the photos: half is refunded.",
    "decided_penalty": (
        "Arriving an hour late without a word and leaving the door open breaks "
        "the quality standard: a full refund and a strike."
    ),
}


def _refundable(order: Order) -> bool:
    return Payment.objects.filter(
        order=order, kind="order", status=PaymentStatus.CAPTURED
    ).exists()


def _candidates(state: str, logins: dict[str, User]) -> list[Order]:
    """Undisputed orders in ``state`` with money to refund, the demo logins'
    first, then the most recent."""
    orders = [
        order
        for order in Order.objects.filter(state=state, dispute__isnull=True)
        .select_related("customer", "provider__user")
        .order_by("-state_changed_at", "pk")
        if _refundable(order)
    ]
    return sorted(orders, key=lambda order: not _ours(order, logins))


def _ours(order: Order, logins: dict[str, User]) -> bool:
    """Whether a demo login is the order's customer or provider."""
    mine = {logins["customer"].pk, logins["provider"].pk}
    return order.customer_id in mine or (
        order.provider is not None and order.provider.user_id in mine
    )


def _opened_at(order: Order, now: datetime) -> datetime:
    """Within the order's filing window and before ``now``: a day after the
    job was done, or an hour ago for a job done within the last day."""
    return min(order.state_changed_at + timedelta(days=1), now - timedelta(hours=1))


def seed_disputes(
    *, logins: dict[str, User], seed: int, now: datetime
) -> dict[str, int]:
    ops = logins["ops"]
    window = timedelta(days=settings.DOORSTEP_DISPUTE_WINDOW_DAYS)
    completed = [
        order
        for order in _candidates(OrderState.COMPLETED, logins)
        if _opened_at(order, now) <= order.state_changed_at + window
    ]
    # Delivered jobs dispute too, but one stays undisputed for the other
    # demos (the customer login confirms one).
    delivered = _candidates(OrderState.DELIVERED, logins)[:-1]
    report: dict[str, int] = {}
    with override_settings(**_quiet_settings()):
        # The redo first: it needs a booked job whose provider has free time,
        # and the other stories can take any job.
        redone = _settled_with_a_redo([*completed, *delivered], logins=logins, now=now)
        report["disputes_settled_with_redo"] = int(redone is not None)
        completed = [order for order in completed if order != redone]
        delivered = [order for order in delivered if order != redone]
        for ending, category, statement in STORIES:
            # The open ones are about recent work: their answers are still due.
            first, second = (
                (delivered, completed)
                if ending in OPEN_ENDINGS
                else (completed, delivered)
            )
            pool = first or second
            if not pool:
                break
            if ending in OPEN_ENDINGS:
                # The most recent job, opened an hour ago when its window
                # allows: its answer is still due.
                pool.sort(key=lambda order: order.state_changed_at, reverse=True)
            order = pool.pop(0)
            at = _opened_at(order, now)
            if ending in OPEN_ENDINGS and (
                order.state != OrderState.COMPLETED
                or now - timedelta(hours=1) <= order.state_changed_at + window
            ):
                at = now - timedelta(hours=1)
            # Each step later than the last, all before ``now``.
            reply_at = at + (now - at) / 4
            decided_at = at + (now - at) / 2
            customer = order.customer
            provider = order.provider.user
            dispute = disputes.open_dispute(
                user=customer,
                order_id=order.public_id,
                category=category,
                statement=statement,
                now=at,
            )
            reply = RESPONSES.get(ending, "")
            half = dispute.paid_amount // 2
            if ending == "offer_made":
                disputes.respond_to_dispute(
                    user=provider,
                    dispute_id=dispute.public_id,
                    answer="offer",
                    amount=dispute.paid_amount // 3,
                    statement=reply,
                    now=reply_at,
                )
            elif ending == "settled":
                disputes.respond_to_dispute(
                    user=provider,
                    dispute_id=dispute.public_id,
                    answer="offer",
                    amount=dispute.paid_amount // 4,
                    statement=reply,
                    now=reply_at,
                )
                disputes.accept_offer(
                    user=customer,
                    dispute_id=dispute.public_id,
                    now=decided_at,
                )
            elif ending in {"escalated", "decided_split", "decided_penalty"}:
                disputes.respond_to_dispute(
                    user=provider,
                    dispute_id=dispute.public_id,
                    answer="reject",
                    statement=reply,
                    now=reply_at,
                )
                if ending != "escalated":
                    disputes.decide_dispute(
                        user=ops,
                        dispute_id=dispute.public_id,
                        refund_amount=(
                            half if ending == "decided_split" else dispute.paid_amount
                        ),
                        reason=DECISIONS[ending],
                        penalise_provider=ending == "decided_penalty",
                        now=decided_at,
                    )
            report[f"disputes_{ending}"] = 1
    report["disputes"] = Dispute.objects.count()
    return report


def _settled_with_a_redo(
    pool: list[Order], *, logins: dict[str, User], now: datetime
) -> Order | None:
    """A dispute settled by a free redo: the provider offered to come back and
    the customer took it yesterday, so the redo is an upcoming order on both
    calendars. On the most recent booked job whose provider has a free time
    in the coming days for a job as long as that one, leaving the demo
    logins' jobs to the other stories. Every offered time is tried: the page
    offers times for the listing's usual length, and the job may have been
    longer (add-ons). Returns the disputed order, or ``None`` when no job
    could be redone."""
    booked = sorted(
        (order for order in pool if order.listing_id is not None),
        key=lambda order: (_ours(order, logins), -order.state_changed_at.timestamp()),
    )
    for order in booked:
        at = _opened_at(order, now) - timedelta(hours=20)
        if at <= order.state_changed_at:
            continue
        reply_at, accepted_at = at + timedelta(hours=4), at + timedelta(hours=8)
        times = start_times(
            order.listing,
            now=reply_at,
            earliest=now + timedelta(days=1),
            latest=now + timedelta(days=10),
            ending=OrderState.COMPLETED,
        )
        for redo_at in times:
            try:
                check_redo_time(order=order, starts_at=redo_at, now=reply_at)
            except DomainError:
                continue
            dispute = disputes.open_dispute(
                user=order.customer,
                order_id=order.public_id,
                category=Category.NOT_DONE,
                statement="The balcony and the windows were not done.",
                now=at,
            )
            disputes.respond_to_dispute(
                user=order.provider.user,
                dispute_id=dispute.public_id,
                answer="redo",
                redo_at=redo_at,
                statement="I ran out of time — I will come back and finish it.",
                now=reply_at,
            )
            # The redo enters the order process, which reads the clock itself.
            with moved_clock(accepted_at):
                disputes.accept_offer(
                    user=order.customer, dispute_id=dispute.public_id, now=accepted_at
                )
            return order
    return None
