"""The demo's claims (support): seeded through the support services.

Warranty claims in every state — waiting for the provider, a redo offered, a
redo booked, redone (the free order done and completed), with ops, refunded by
ops, rejected — and guarantee claims (waiting, approved and paid, rejected),
with the guarantee fund funded by finance. Each step is a service call with an
explicit ``now=`` before the demo's ``now``, on orders the history completed.
The redone story's free order is walked through the past like the history's
orders (``demo.clock``): the clock is moved only around these calls, because
the order process reads the time itself."""

import random
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.test import override_settings

from doorstep.accounts.models import User
from doorstep.catalog.models import Listing
from doorstep.core.errors import DomainError
from doorstep.demo.clock import moved_clock
from doorstep.demo.history import _quiet_settings, start_times
from doorstep.orders.models import BuyingMode, Order
from doorstep.orders.services import transition_order
from doorstep.orders.states import OrderState
from doorstep.payments import flows
from doorstep.support import claims
from doorstep.support.models import GuaranteeClaim, WarrantyClaim

FUND = {"CNY": 2_000_000, "HKD": 2_000_000}

WHAT_IS_WRONG = (
    "The tap is dripping again two days after the repair.",
    "The grout in the corner is already cracking.",
    "The air conditioner makes the same noise as before.",
    "One shelf of the wardrobe is not level.",
    "The drain is slow again.",
    "The socket by the window still does not work.",
    "水龙头修好两天后又开始滴水。",
    "冷氣機又發出同樣的噪音。",
)
DAMAGE = (
    "The ladder scratched the wooden floor in the hall.",
    "A vase on the shelf was knocked over and broke.",
    "The cleaning product left a white stain on the sofa.",
    "搬动柜子时刮坏了墙面。",
)


def _candidates(
    *,
    warranty: bool,
    paid: bool = True,
    bookable: bool = False,
    oldest_first: bool = False,
) -> Iterator[Order]:
    """Completed orders, newest first: with a warranty (``warranty``); with
    money left on the card (``paid``: a refund or a payout can go back to it —
    otherwise free redos count too); of a listing whose provider can be booked
    for a redo (``bookable``) — otherwise platform-dispatched ones too."""
    orders = (
        Order.objects.filter(state=OrderState.COMPLETED)
        .exclude(guarantee_claims__isnull=False)
        .select_related("listing__category", "customer", "dispatch_job__category")
        .order_by("-state_changed_at", "-pk")
    )
    if oldest_first:
        orders = orders.reverse()
    if bookable:
        orders = orders.filter(mode=BuyingMode.BOOK_PROVIDER, listing__isnull=False)
    if warranty:
        orders = orders.filter(
            Q(listing__category__warranty_days__gt=0)
            | Q(dispatch_job__category__warranty_days__gt=0)
        )
    for order in orders:
        if not paid or claims.refundable(order) > 0:
            yield order


def _free_slots(
    listing: Listing,
    *,
    now: datetime,
    after: datetime,
    before: datetime,
    last: bool = False,
) -> list[datetime]:
    """The listing's start times between ``after`` and ``before`` as seen at
    ``now``, soonest (or with ``last``, latest) first."""
    slots = start_times(
        listing, now=now, earliest=after, latest=before, ending=OrderState.COMPLETED
    )
    return list(reversed(slots)) if last else list(slots)


class _Claims:
    def __init__(self, *, ops: User, rng: random.Random, now: datetime) -> None:
        self.ops, self.rng, self.now = ops, rng, now
        self.used: set[int] = set()  # orders with a guarantee claim

    def _text(self, pool) -> str:
        return self.rng.choice(pool)

    def file(
        self,
        *,
        earliest_age: timedelta,
        latest_age: timedelta,
        paid: bool = False,
        bookable: bool = False,
        late: bool = False,
        oldest_first: bool = False,
        fresh: bool = False,
    ):
        """A warranty claim filed between ``latest_age`` and ``earliest_age``
        before now, within its order's warranty and after the order's earlier
        claims were closed — as early as it could be, or with ``late`` as late
        as it could be; with ``fresh`` only on an order never claimed before
        (a story that failed on an order must not pick it again):
        ``(claim, filed_at)``."""
        for order in _candidates(
            warranty=True, paid=paid, bookable=bookable, oldest_first=oldest_first
        ):
            earlier = list(WarrantyClaim.objects.filter(order=order))
            if fresh and earlier:
                continue
            if any(claim.closed_at is None for claim in earlier):
                continue
            completed = claims._moment(order, OrderState.COMPLETED)
            earliest = max(
                completed + timedelta(hours=1),
                self.now - latest_age,
                *(claim.closed_at + timedelta(hours=1) for claim in earlier),
            )
            latest = min(claims.warranty_ends_at(order), self.now - earliest_age)
            if earliest > latest:
                continue
            filed = max(earliest, latest - timedelta(hours=1)) if late else earliest
            try:
                claim = claims.file_warranty_claim(
                    customer=order.customer,
                    order_id=order.public_id,
                    description=self._text(WHAT_IS_WRONG),
                    now=filed,
                )
            except DomainError:
                continue
            return claim, filed
        return None, None

    def offer(
        self, claim: WarrantyClaim, *, at: datetime, after, before, last=False
    ) -> bool:
        """The provider offers the first of a few free times that is still free
        (another story's redo may have taken one since)."""
        slots = _free_slots(
            claim.order.listing, now=at, after=after, before=before, last=last
        )
        for slot in slots[:8]:
            try:
                claims.offer_redo(
                    claim_id=claim.public_id,
                    provider_user=claim.order.provider.user,
                    starts_at=slot,
                    note="I can come back then and fix it.",
                    now=at,
                )
            except DomainError:
                continue
            return True
        return False

    def accept(self, claim: WarrantyClaim, *, at: datetime) -> WarrantyClaim | None:
        # The redo enters the order process, which reads the clock itself.
        with moved_clock(at):
            try:
                return claims.accept_redo(
                    claim_id=claim.public_id, customer=claim.customer, now=at
                )
            except DomainError:
                return None

    def walk_redo(self, claim: WarrantyClaim) -> bool:
        """The provider comes back and does the job; the customer confirms —
        each step at its moment in the past, as the history walks orders."""
        redo = claim.redo_order
        provider, customer = redo.provider.user, redo.customer
        steps = (
            (redo.starts_at - timedelta(minutes=30), "depart", provider, {}),
            (
                redo.starts_at + timedelta(minutes=3),
                "start",
                provider,
                {"start_code": redo.start_code},
            ),
            (redo.ends_at + timedelta(minutes=5), "deliver", provider, {}),
            (redo.ends_at + timedelta(hours=2), "confirm", customer, {}),
        )
        if steps[-1][0] >= self.now:
            return False
        with moved_clock(steps[0][0]) as clock:
            for moment, name, user, data in steps:
                clock.set(moment)
                redo.refresh_from_db()
                transition_order(order=redo, name=name, user=user, data=data)
        claims.escalate_warranty_claims(now=steps[-1][0] + timedelta(minutes=15))
        return True

    def decline(self, claim: WarrantyClaim, *, at: datetime) -> None:
        claims.decline_claim(
            claim_id=claim.public_id,
            provider_user=claim.order.provider.user,
            note="The problem is with the old pipes, not with my work.",
            now=at,
        )

    def decide(self, claim: WarrantyClaim, *, at: datetime, outcome: str) -> None:
        order = claim.order
        claims.decide_warranty_claim(
            claim_id=claim.public_id,
            user=self.ops,
            outcome=outcome,
            amount=max(1, claims.refundable(order) * 3 // 10),
            reason="Photos show the fault; a partial refund is fair."
            if outcome == claims.Outcome.REFUND
            else "The fault is not in the work done.",
            now=at,
        )


def _warranty_stories(story: _Claims, now: datetime) -> dict[str, int]:
    day, hour = timedelta(days=1), timedelta(hours=1)
    respond_days = timedelta(days=settings.DOORSTEP_WARRANTY_RESPONSE_DAYS)
    # Redone, twice, on the oldest orders that allow it: each free order done
    # as late as the provider's calendar allowed, so that claims on the redos
    # themselves may follow (below).
    redone = 0
    for _ in range(6):
        if redone == 2:
            break
        claim, filed = story.file(
            earliest_age=3 * day,
            latest_age=90 * day,
            bookable=True,
            oldest_first=True,
            fresh=True,
        )
        if claim is None:
            break
        offered = story.offer(
            claim,
            at=filed + hour,
            after=filed + day,
            before=now - 2 * day,
            last=True,
        )
        booked = offered and story.accept(claim, at=filed + 2 * hour)
        if booked and story.walk_redo(booked):
            redone += 1
            continue
        # No time for a redo in the past: ops decide this one instead.
        story.decide(claim, at=filed + 2 * hour, outcome=claims.Outcome.REJECT)
    # Open, on orders a provider can be booked for: a redo booked and one
    # offered for days ahead. Filed as late as the warranty allowed and
    # answered at the end of the provider's days to answer, so that the days
    # ahead are within how far the provider takes bookings.
    for accepted in (True, False):
        for _ in range(6):
            claim, filed = story.file(
                earliest_age=3 * hour,
                latest_age=90 * day,
                bookable=True,
                late=True,
                fresh=True,
            )
            if claim is None:
                break
            offered = max(filed + hour, min(claim.respond_by, now) - hour)
            # A day ahead at least: the provider's notice is counted from the
            # moment of each answer, and the customer accepts an hour later.
            if story.offer(claim, at=offered, after=now + day, before=now + 30 * day):
                if not accepted or story.accept(claim, at=offered + hour):
                    break
                continue
            # No free time ahead to offer: ops will decide.
            story.decide(claim, at=offered, outcome=claims.Outcome.REJECT)
    # Decided by ops within hours (one order may be claimed again once its
    # claim is closed): refunded, rejected.
    for outcome in (claims.Outcome.REFUND, claims.Outcome.REJECT):
        claim, filed = story.file(
            earliest_age=2 * day,
            latest_age=90 * day,
            paid=outcome == claims.Outcome.REFUND,
        )
        if claim is not None:
            story.decide(claim, at=filed + hour, outcome=outcome)
    # Open: one the provider left unanswered, which the periodic job sent to
    # ops; one waiting for the provider (filed within their days to answer).
    claim, filed = story.file(earliest_age=respond_days + day, latest_age=90 * day)
    if claim is not None:
        claims.escalate_warranty_claims(now=claim.respond_by)
    story.file(earliest_age=2 * hour, latest_age=respond_days - hour)
    counts = dict.fromkeys(WarrantyClaim.Status.values, 0)
    counts.update(
        WarrantyClaim.objects.values_list("status")
        .order_by()
        .annotate(count=Count("pk"))
    )
    return counts


def _guarantee_stories(story: _Claims, now: datetime) -> dict[str, int]:
    for currency, amount in FUND.items():
        if claims.guarantee_cap(currency):
            flows.fund_guarantee(
                currency=currency,
                amount=amount,
                user=story.ops,
                reason="Guarantee reserve for the quarter",
                key=f"demo-{currency}",
            )
    outcomes = [None, claims.Outcome.APPROVE, claims.Outcome.REJECT]
    for order in _candidates(warranty=False):
        if not outcomes:
            break
        if order.pk in story.used or not claims.guarantee_cap(order.currency):
            continue
        delivered = claims._moment(order, OrderState.DELIVERED)
        filed = delivered + timedelta(hours=story.rng.uniform(2, 30))
        decided = filed + timedelta(hours=story.rng.uniform(4, 20))
        if decided >= now:
            continue
        claimed = min(
            claims.guarantee_cap(order.currency), max(100, order.total_amount // 2)
        )
        try:
            claim = claims.file_guarantee_claim(
                customer=order.customer,
                order_id=order.public_id,
                description=story._text(DAMAGE),
                amount=claimed,
                now=filed,
            )
        except DomainError:
            continue
        story.used.add(order.pk)
        outcome = outcomes.pop(0)
        if outcome is not None:
            _decide_guarantee(story, claim, outcome=outcome, at=decided)
    return {
        f"guarantee_{status}": GuaranteeClaim.objects.filter(status=status).count()
        for status in GuaranteeClaim.Status.values
    }


def _decide_guarantee(story, claim, *, outcome: str, at: datetime) -> None:
    claims.decide_guarantee_claim(
        claim_id=claim.public_id,
        user=story.ops,
        outcome=outcome,
        amount=max(1, claim.claimed_amount * 6 // 10),
        reason="The photos show the damage; paid at the repair quote."
        if outcome == claims.Outcome.APPROVE
        else "The damage was there before the service.",
        now=at,
    )


def seed_claims(*, logins: dict[str, User], seed: int, now: datetime) -> dict[str, int]:
    story = _Claims(ops=logins["ops"], rng=random.Random(f"{seed}:claims"), now=now)
    with override_settings(**_quiet_settings()):
        warranty = _warranty_stories(story, now)
        guarantee = _guarantee_stories(story, now)
    return {
        **{f"warranty_{status}": count for status, count in warranty.items()},
        **guarantee,
    }
