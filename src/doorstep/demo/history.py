"""The demo marketplace's past: about ninety days of life, through the real services.

Every order is booked, paid, accepted, started, delivered, disputed, refunded and
reviewed by the same service functions the web and the API call, with the clock
moved to the moment each step happens (``demo.clock``). The scheduler's periodic
work (timers, review windows, clearing, payouts) runs as "sweeps" at its own
moments in between. Nothing is written around the services: the ledger, the
gateway's books, events, notifications and rating caches are whatever the
services made of the story, so ``doorstep reconcile`` agrees and a listing's
stars are the reviews behind them.

The simulation is a queue of stories ordered by time: each story (one order, or
the sweeps) is a generator that yields when it wants to continue and is resumed
with the clock set to that moment. A step that would happen after "now" is not
taken: the order stays where it is, as live orders do.
"""

import heapq
import logging
import math
import random
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import count

from django.conf import settings
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile, SavedAddress, User
from doorstep.catalog.models import Listing, PricingModel
from doorstep.catalog.photos import ProcessedPhoto, process_photo
from doorstep.catalog.queries import bookable_listings
from doorstep.catalog.services import attach_listing_photo
from doorstep.core.errors import DomainError
from doorstep.demo import pictures
from doorstep.demo.clock import DemoClock, moved_clock
from doorstep.demo.data import (
    CHAT_AFTER_BOOKING,
    CUSTOMER_REVIEWS,
    DISPUTE_REASONS,
    INQUIRIES,
    INQUIRY_ANSWERS,
    PROVIDER_CHAT,
    PROVIDER_REPLIES,
    PROVIDER_REVIEWS_OF_CUSTOMERS,
)
from doorstep.demo.integrity import DemoPhones
from doorstep.marketplace import policy
from doorstep.messaging.services import (
    conversation_for_order,
    send_message,
    start_inquiry,
)
from doorstep.notifications.services import mark_all_read
from doorstep.orders.engine import fire_due_timers
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.services import place_order, transition_order
from doorstep.orders.states import OrderState
from doorstep.payments import flows
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import AccountKind, LedgerAccount
from doorstep.payments.payout_accounts import (
    onboard_provider_in_sandbox,
    payout_account_of,
)
from doorstep.reviews.models import Review
from doorstep.reviews.services import (
    reply_to_review,
    reveal_due_reviews,
    submit_review,
)
from doorstep.scheduling.queries import provider_zone
from doorstep.scheduling.slots import bookable_slots
from doorstep.support import disputes
from doorstep.support.models import Dispute

logger = logging.getLogger(__name__)

DISPUTE_CATEGORIES = (
    Dispute.Category.POOR_QUALITY,
    Dispute.Category.NOT_DONE,
    Dispute.Category.DAMAGE,
)
# Ops' reasons, read by both sides: (kept by the provider, refunded).
OPS_DECISIONS = (
    "The photos and the chat show the job was done as booked.",
    "The photos show the job was not done; the customer gets everything back.",
)
HISTORY_DAYS = 90
DEMO_ORDERS = 100
TEST_CARD = "4242424242424242"
SWEEP_EVERY = timedelta(hours=6)
# Sandbox payouts approved this close to "now" are still with the bank.
PAYOUT_TRANSIT = timedelta(hours=40)
MAX_REVIEW_PHOTOS = 10

# How stories end, with how common each is. Every one of them is told at least
# once; the demo logins get one of each they can play a part in.
ENDINGS = (
    (OrderState.COMPLETED, 60),
    ("completed_by_ops", 1),
    (OrderState.ACCEPTED, 10),
    (OrderState.REQUESTED, 4),
    (OrderState.ON_THE_WAY, 1),
    (OrderState.IN_SERVICE, 1),
    (OrderState.DELIVERED, 3),
    (OrderState.DECLINED, 4),
    (OrderState.EXPIRED, 3),
    ("cancelled_free", 4),
    ("cancelled_fee", 3),
    ("cancelled_by_provider", 2),
    (OrderState.NO_SHOW_CUSTOMER, 1),
    (OrderState.NO_SHOW_PROVIDER, 1),
    (OrderState.DISPUTED, 1),
    (OrderState.REFUNDED, 1),
    # Checkouts: one abandoned (the time is let go), one being paid right now.
    (OrderState.PAYMENT_EXPIRED, 2),
    (OrderState.AWAITING_PAYMENT, 1),
)
# Endings that need a request the provider answers (not an instant booking).
NEEDS_REQUEST = {OrderState.REQUESTED, OrderState.DECLINED, OrderState.EXPIRED}
# Endings where the customer never pays (a checkout left on the card page).
UNPAID_ENDINGS = {OrderState.PAYMENT_EXPIRED, OrderState.AWAITING_PAYMENT}
# Endings that happen around "now".
LIVE_NOW = {OrderState.ON_THE_WAY, OrderState.IN_SERVICE}


# --- The two steps others are changing: keep each in one place -------------------


def book_and_pay(
    *,
    customer: User,
    listing: Listing,
    starts_at: datetime,
    address: SavedAddress,
    notes: str = "",
    pay: bool = True,
) -> Order:
    """Book ``listing`` at ``starts_at`` and pay with the sandbox's good test card
    on its hosted page, as a customer does from the booking page."""
    order = place_order(
        customer=customer,
        listing_id=listing.public_id,
        starts_at=starts_at,
        hours=listing.min_hours
        if listing.pricing_model == PricingModel.HOURLY
        else None,
        address=address.address,
        latitude=address.latitude,
        longitude=address.longitude,
        notes=notes,
    )
    if not pay:
        return order  # the customer leaves the card page; the order waits
    return sandbox.pay_with_sandbox_card(order, TEST_CARD)


def onboard_for_payouts(provider: ProviderProfile) -> None:
    """Make ``provider`` able to receive payouts: they complete the sandbox's
    onboarding page once."""
    account = payout_account_of(provider)
    if account is None or not account.can_receive_payouts():
        onboard_provider_in_sandbox(provider=provider)


# --- Planning ----------------------------------------------------------------------


@dataclass
class Cast:
    """Who can play in the stories: listings, customers near them, the logins."""

    listings: list[Listing]
    places: dict[str, list[tuple[User, SavedAddress]]]  # by time zone
    ops: User
    demo_customer: User
    demo_provider: ProviderProfile
    _near: dict[int, list[tuple[User, SavedAddress]]] = field(default_factory=dict)

    def customers_near(self, listing: Listing) -> list[tuple[User, SavedAddress]]:
        if listing.pk not in self._near:
            self._near[listing.pk] = [
                (user, place)
                for user, place in self.places.get(listing.provider.time_zone, [])
                if user.pk != listing.provider.user_id
                and _km(listing, place) <= float(listing.service_radius_km) * 0.95
            ]
        return self._near[listing.pk]


def _km(listing: Listing, place: SavedAddress) -> float:
    p1, p2 = math.radians(listing.latitude), math.radians(place.latitude)
    d_lat = p2 - p1
    d_lng = math.radians(place.longitude - listing.longitude)
    h = (
        math.sin(d_lat / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(d_lng / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def _cast(logins: dict[str, User]) -> Cast:
    listings = list(
        Listing.objects.filter(
            status=Listing.Status.PUBLISHED, price_amount__isnull=False
        )
        .select_related("provider__user", "category__parent")
        .order_by("pk")
    )
    places: dict[str, list[tuple[User, SavedAddress]]] = {}
    addresses = SavedAddress.objects.filter(
        is_default=True,
        user__provider_profile__isnull=True,
        user__is_staff=False,
        user__staff_memberships__isnull=True,
    ).select_related("user")
    for place in addresses.order_by("pk"):
        places.setdefault(place.user.time_zone, []).append((place.user, place))
    return Cast(
        listings=listings,
        places=places,
        ops=logins["ops"],
        demo_customer=logins["customer"],
        demo_provider=logins["provider"].provider_profile,
    )


@dataclass(frozen=True)
class Plan:
    ending: str
    listing: Listing
    customer: User
    place: SavedAddress
    booked_at: datetime
    earliest_start: datetime
    latest_start: datetime
    inquiry: bool = False
    chat: bool = False


@dataclass
class HistoryReport:
    orders: int = 0
    skipped: int = 0
    reviews: int = 0
    messages: int = 0
    payouts: int = 0
    listing_photos: int = 0
    endings: dict[str, int] = field(default_factory=dict)
    # Processor seconds per phase ("photos", "stories"), for tuning the size.
    seconds: dict[str, float] = field(default_factory=dict)


def _windows(
    ending: str, *, now: datetime, rng: random.Random
) -> tuple[datetime, datetime, datetime]:
    """(booked at, earliest start, latest start) for a story with this ending."""
    days, hours, minutes = (
        lambda n: timedelta(days=n),
        lambda n: timedelta(hours=n),
        lambda n: timedelta(minutes=n),
    )
    if ending == OrderState.AWAITING_PAYMENT:
        booked = now - minutes(rng.randint(2, 8))
        return booked, now + days(1), now + days(9)
    if ending == OrderState.REQUESTED:
        booked = now - minutes(rng.randint(10, 70))
        return booked, now + days(1), now + days(9)
    if ending == OrderState.ACCEPTED:
        booked = now - hours(rng.uniform(2, 200))
        return booked, max(now + hours(8), booked + days(1)), now + days(14)
    if ending == OrderState.ON_THE_WAY:
        booked = now - days(rng.uniform(1, 4))
        return booked, now + minutes(10), now + minutes(75)
    if ending == OrderState.IN_SERVICE:
        booked = now - days(rng.uniform(1, 4))
        return booked, now - minutes(100), now - minutes(15)
    if ending == OrderState.DELIVERED:
        booked = now - days(rng.uniform(3, 6))
        return booked, now - hours(40), now - hours(6)
    if ending == OrderState.DISPUTED:
        booked = now - days(rng.uniform(6, 12))
        return booked, booked + days(1), now - days(4)
    booked = now - days(rng.uniform(5, HISTORY_DAYS - 2))
    lead = days(rng.choice((1, 1, 2, 2, 3, 4, 6, 9)))
    return booked, booked + lead, booked + lead + days(2)


def _plan(
    ending: str,
    *,
    cast: Cast,
    rng: random.Random,
    now: datetime,
    provider: ProviderProfile | None = None,
    customer: User | None = None,
) -> Plan | None:
    listings = [
        listing
        for listing in cast.listings
        if (provider is None or listing.provider_id == provider.pk)
        and (ending not in NEEDS_REQUEST or not listing.instant_book)
        and (ending != OrderState.REQUESTED or listing.response_window_hours >= 2)
    ]
    rng.shuffle(listings)
    for listing in listings[:40]:
        near = cast.customers_near(listing)
        if customer is not None:
            near = [(user, place) for user, place in near if user.pk == customer.pk]
        elif provider is None:
            # The demo customer's story is told on purpose, not by chance.
            near = [(u, p) for u, p in near if u.pk != cast.demo_customer.pk]
        if not near:
            continue
        person, place = rng.choice(near)
        booked, earliest, latest = _windows(ending, now=now, rng=rng)
        if ending in LIVE_NOW and not start_times(
            listing, now=booked, earliest=earliest, latest=latest, ending=ending
        ):
            continue  # a job going on now needs a provider who works now
        return Plan(
            ending=ending,
            listing=listing,
            customer=person,
            place=place,
            booked_at=booked,
            earliest_start=earliest,
            latest_start=latest,
            inquiry=rng.random() < 0.15,
            chat=ending not in UNPAID_ENDINGS and rng.random() < 0.35,
        )
    return None


def start_times(
    listing: Listing,
    *,
    now: datetime,
    earliest: datetime,
    latest: datetime,
    ending: str,
) -> list[datetime]:
    """The bookable start times of ``listing`` between ``earliest`` and
    ``latest``, as the booking page would offer them at ``now``; a job that is
    to be in service at the end must still be going on then."""
    zone = provider_zone(listing.provider)
    earliest = max(earliest, now + timedelta(minutes=1))
    if earliest > latest:
        return []
    try:
        slots = bookable_slots(
            listing=listing,
            start_date=earliest.astimezone(zone).date(),
            end_date=latest.astimezone(zone).date(),
            hours=listing.min_hours
            if listing.pricing_model == PricingModel.HOURLY
            else None,
            now=now,
        )
    except DomainError:
        return []
    return [
        slot.starts_at
        for slot in slots
        if earliest <= slot.starts_at <= latest
        and (
            ending != OrderState.IN_SERVICE
            or slot.ends_at > latest + timedelta(minutes=35)
        )
    ]


# --- Telling the stories -----------------------------------------------------------

Story = Generator[datetime, None, None]


class History:
    """Tells the stories on the moved ``clock``, up to ``now``, and counts what
    they made."""

    def __init__(
        self, *, cast: Cast, rng: random.Random, now: datetime, clock: DemoClock
    ) -> None:
        self.cast = cast
        self.rng = rng
        self.now = now
        self.clock = clock
        self.report = HistoryReport()
        self.review_photos = 0
        self.review_languages: set[str] = set()  # of customers who wrote a text
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.phones = DemoPhones(sharing_from=now - timedelta(days=HISTORY_DAYS // 3))

    # -- the queue

    def run(self, stories: Sequence[Story]) -> None:
        sequence = count()
        queue: list[tuple[datetime, int, Story]] = []

        def resume(story: Story) -> None:
            try:
                moment = next(story)
            except StopIteration:
                return
            except DomainError as error:
                # The world moved on (the slot was taken, a guard refused): the
                # story ends here, as it would for a real person.
                logger.debug("demo story stopped: %s", error.code)
                self.report.skipped += 1
                return
            if moment <= self.now:
                heapq.heappush(queue, (moment, next(sequence), story))

        for story in stories:
            resume(story)
        while queue:
            moment, _seq, story = heapq.heappop(queue)
            self.clock.set(max(moment, self.clock.now))
            resume(story)
        self.clock.set(self.now)

    # -- one order

    def _text(self, pool: dict[str, Sequence[str]], user: User) -> str:
        return self.rng.choice(pool.get(user.language) or pool["en"])

    def _alternatives(self, plan: Plan) -> list[Listing]:
        """Other bookable listings of the plan's category, in an order of
        their own (a separate generator: the main one's draws stay as they
        were, so the rest of the history does not change)."""
        others = list(
            bookable_listings()
            .filter(category=plan.listing.category_id)
            .exclude(pk=plan.listing.pk)
            .exclude(provider__user=plan.customer)
            .select_related("provider__user")
            .order_by("pk")[:12]
        )
        random.Random(f"{plan.ending}:{plan.booked_at.isoformat()}").shuffle(others)
        return others

    def _pick_start(self, plan: Plan) -> datetime | None:
        fitting = start_times(
            plan.listing,
            now=self.clock.now,
            earliest=plan.earliest_start,
            latest=plan.latest_start,
            ending=plan.ending,
        )
        return self.rng.choice(fitting[:24]) if fitting else None

    def order_story(self, plan: Plan) -> Story:
        rng, customer, listing = self.rng, plan.customer, plan.listing
        provider_user = listing.provider.user
        if plan.inquiry:
            yield plan.booked_at - timedelta(hours=rng.uniform(2, 30))
            conversation = start_inquiry(
                customer=customer, listing_id=listing.public_id
            )
            self._say(customer, conversation, INQUIRIES)
            yield self.clock.now + timedelta(minutes=rng.randint(4, 95))
            self._say(provider_user, conversation, INQUIRY_ANSWERS)
        yield plan.booked_at
        if not bookable_listings().filter(pk=listing.pk).exists():
            # Restricted or suspended by then (standards enforcement): customers
            # cannot book it any more.
            self.report.skipped += 1
            return
        starts_at = self._pick_start(plan)
        if starts_at is None:
            # That provider is booked up then: the customer books another of
            # the same service instead, so every ending is still told.
            for other in self._alternatives(plan):
                plan = replace(plan, listing=other)
                starts_at = self._pick_start(plan)
                if starts_at is not None:
                    listing, provider_user = other, other.provider.user
                    break
        if starts_at is None:
            self.report.skipped += 1
            return
        order = book_and_pay(
            customer=customer,
            listing=listing,
            starts_at=starts_at,
            address=plan.place,
            pay=plan.ending not in UNPAID_ENDINGS,
        )
        self.report.orders += 1
        self.report.endings[plan.ending] = self.report.endings.get(plan.ending, 0) + 1
        ending = plan.ending
        if plan.chat:
            yield self.clock.now + timedelta(minutes=rng.randint(3, 40))
            chat = conversation_for_order(order=order)
            self._say(customer, chat, CHAT_AFTER_BOOKING)
        if ending in {OrderState.REQUESTED, OrderState.EXPIRED} | UNPAID_ENDINGS:
            return  # the provider has not answered (the sweep expires it)
        if order.state == OrderState.REQUESTED:
            window = (order.respond_by - self.clock.now).total_seconds() / 60
            yield self.clock.now + timedelta(
                minutes=rng.uniform(3, max(4, min(180, window * 0.7)))
            )
            if ending == OrderState.DECLINED:
                self._fire(order, "decline", provider_user)
                return
            self._fire(order, "accept", provider_user)
        if plan.chat:
            yield self.clock.now + timedelta(minutes=rng.randint(5, 120))
            self._say(provider_user, conversation_for_order(order=order), PROVIDER_CHAT)
        if ending == "cancelled_free":
            free_until = order.starts_at - timedelta(
                hours=policy.current().cancellation_free_hours + 2
            )
            moment = self.clock.now + timedelta(hours=rng.uniform(1, 20))
            if moment < free_until:
                yield moment
                self._fire(order, "cancel", customer)
                return
            ending = (
                OrderState.COMPLETED
            )  # too late to cancel for free: the job goes ahead
        if ending == "cancelled_fee":
            yield order.starts_at - timedelta(hours=rng.uniform(2, 20))
            self._fire(order, "cancel", customer)
            return
        if ending == "cancelled_by_provider":
            yield self.clock.now + (order.starts_at - self.clock.now) * rng.uniform(
                0.2, 0.8
            )
            self._fire(order, "cancel", provider_user)
            return
        if ending == OrderState.ACCEPTED:
            return
        if ending == OrderState.NO_SHOW_PROVIDER:
            yield order.starts_at + timedelta(minutes=rng.randint(25, 60))
            self._fire(order, "report_provider_no_show", customer)
            return
        depart_at = order.starts_at - timedelta(minutes=rng.randint(20, 50))
        if ending == OrderState.ON_THE_WAY:
            depart_at = min(depart_at, self.now - timedelta(minutes=rng.randint(2, 9)))
        yield max(self.clock.now, depart_at)
        self._fire(order, "depart", provider_user)
        if ending == OrderState.ON_THE_WAY:
            return
        if ending == OrderState.NO_SHOW_CUSTOMER:
            yield order.starts_at + timedelta(minutes=rng.randint(20, 40))
            self._fire(order, "report_customer_no_show", provider_user)
            return
        yield order.starts_at + timedelta(minutes=rng.randint(0, 8))
        self._fire(order, "start", provider_user, data={"start_code": order.start_code})
        if ending == OrderState.IN_SERVICE:
            return
        yield order.ends_at + timedelta(minutes=rng.randint(0, 15))
        self._fire(order, "deliver", provider_user)
        if ending == OrderState.DELIVERED:
            return
        if ending in {OrderState.DISPUTED, OrderState.REFUNDED, "completed_by_ops"}:
            # A dispute on evidence (support): the provider rejects it and ops
            # decide — all back to the customer, or all to the provider.
            yield self.clock.now + timedelta(hours=rng.uniform(1, 20))
            dispute = disputes.open_dispute(
                user=customer,
                order_id=order.public_id,
                category=DISPUTE_CATEGORIES[order.pk % len(DISPUTE_CATEGORIES)],
                statement=self._text(DISPUTE_REASONS, customer),
            )
            if ending == OrderState.DISPUTED:
                return
            yield self.clock.now + timedelta(hours=rng.uniform(10, 40))
            disputes.respond_to_dispute(
                user=provider_user, dispute_id=dispute.public_id, answer="reject"
            )
            refunded = ending == OrderState.REFUNDED
            disputes.decide_dispute(
                user=self.cast.ops,
                dispute_id=dispute.public_id,
                refund_amount=dispute.paid_amount if refunded else 0,
                reason=OPS_DECISIONS[refunded],
            )
            order.refresh_from_db()
            if refunded:
                return
        elif rng.random() < 0.7:
            yield self.clock.now + timedelta(hours=rng.uniform(0.5, 30))
            self._fire(order, "confirm", customer)
        else:
            # Left to the auto-complete timer, which a sweep fires.
            yield order.state_changed_at + timedelta(
                hours=settings.DOORSTEP_AUTO_COMPLETE_HOURS, minutes=30
            )
            order.refresh_from_db()
        if order.state == OrderState.COMPLETED:
            yield from self._reviews(order, customer, provider_user)

    def _fire(
        self,
        order: Order,
        name: str,
        user: User,
        *,
        data: dict | None = None,
        as_ops: bool = False,
    ) -> None:
        order.refresh_from_db()
        transition_order(order=order, name=name, user=user, data=data, as_ops=as_ops)
        order.refresh_from_db()

    def _say(self, user: User, conversation, pool) -> None:
        send_message(
            sender=user, conversation=conversation, body=self._text(pool, user)
        )
        self.report.messages += 1

    def _reviews(self, order: Order, customer: User, provider_user: User) -> Story:
        rng = self.rng
        customer_writes = rng.random() < 0.8
        provider_writes = rng.random() < 0.55
        moments = []
        if customer_writes:
            moments.append(("customer", timedelta(hours=rng.uniform(1, 120))))
        if provider_writes:
            moments.append(("provider", timedelta(hours=rng.uniform(1, 200))))
        moments.sort(key=lambda item: item[1])
        completed_at = self.clock.now
        for side, after in moments:
            yield completed_at + after
            if side == "customer":
                self._customer_review(order, customer)
            else:
                submit_review(
                    order=order,
                    author=provider_user,
                    stars=rng.choices((5, 4, 3), (8, 2, 1))[0],
                    text=self._text(PROVIDER_REVIEWS_OF_CUSTOMERS, provider_user),
                )
            self.report.reviews += 1
        review = Review.objects.filter(
            order=order, author=customer, revealed_at__isnull=False
        ).first()
        if review is None and customer_writes:
            # Revealed when the window closes (a sweep): look again then.
            yield completed_at + timedelta(days=15)
            review = Review.objects.filter(
                order=order, author=customer, revealed_at__isnull=False
            ).first()
        if review is not None and rng.random() < 0.35:
            yield max(self.clock.now, review.revealed_at) + timedelta(
                hours=rng.uniform(1, 48)
            )
            reply_to_review(
                review_id=review.public_id,
                user=provider_user,
                text=self._text(PROVIDER_REPLIES, provider_user),
            )

    def _customer_review(self, order: Order, customer: User) -> None:
        rng = self.rng
        stars = rng.choices((5, 4, 3, 2, 1), (62, 24, 8, 4, 2))[0]
        pool = CUSTOMER_REVIEWS[stars]
        photos = []
        if (
            stars >= 4
            and self.review_photos < MAX_REVIEW_PHOTOS
            # The first good review always shows photos, so the demo has some.
            and (self.review_photos == 0 or rng.random() < 0.12)
        ):
            self.review_photos += 1
            root = order.listing.category.parent or order.listing.category
            photos = [pictures.review_photo(root_slug=root.slug, seed=order.public_id)]

        # Most write a few words; the first in each language always does, so
        # the demo has reviews to read in every language whatever it drew.
        writes = rng.random() < 0.85 or customer.language not in self.review_languages
        if writes:
            self.review_languages.add(customer.language)

        def score() -> int:
            return max(1, min(5, stars + rng.choice((0, 0, 0, 1, -1))))

        submit_review(
            order=order,
            author=customer,
            stars=stars,
            text=self._text(pool, customer) if writes else "",
            quality=score(),
            punctuality=score(),
            communication=score(),
            value=score(),
            photos=photos,
            submission=self.phones.submission_for(customer, now=self.clock.now),
        )

    # -- the scheduler

    def sweeps(self) -> Story:
        """What the worker's scheduler does, at its times: fire due timers, close
        review windows, send disputes nobody answered to ops, clear earnings,
        pay out weekly, and people reading their notifications now and then."""
        moment = self.start
        paid_in_transit = False
        while moment <= self.now:
            yield moment
            fire_due_timers()
            reveal_due_reviews()
            disputes.escalate_overdue_disputes()
            if moment.hour < SWEEP_EVERY.seconds // 3600:
                flows.clear_pending(now=moment)
                in_transit = self.now - moment < PAYOUT_TRANSIT
                # No weekly run just before the last one, so that one has
                # earnings to send and the demo shows payouts on their way.
                weekly = moment.weekday() == 0 and (
                    self.now - moment > PAYOUT_TRANSIT + timedelta(days=4)
                )
                if weekly or (in_transit and not paid_in_transit):
                    self.pay_out(in_transit=in_transit)
                    paid_in_transit = paid_in_transit or in_transit
                if self.now - moment > timedelta(days=1):
                    self.read_notifications()
            moment += SWEEP_EVERY

    def pay_out(self, *, in_transit: bool) -> None:
        """Every provider with enough available asks for it; ops approve the
        batch. Payouts approved in the last day or two are still on their way."""
        accounts = LedgerAccount.objects.filter(
            kind=AccountKind.PROVIDER_AVAILABLE, balance__gt=0
        ).select_related("provider")
        requests = []
        for account in accounts.order_by("pk"):
            if account.balance < policy.amount_in("min_payout", account.currency):
                continue
            if not in_transit and self.rng.random() < 0.35:
                continue  # not everyone cashes out every week
            onboard_for_payouts(account.provider)
            requests.append(
                flows.request_payout(
                    provider=account.provider,
                    amount=account.balance,
                    currency=account.currency,
                ).pk
            )
        if not requests:
            return
        overrides = {}
        if in_transit:
            overrides = {
                "DOORSTEP_SANDBOX_AUTO_DELIVER": False,
                "DOORSTEP_SANDBOX_WEBHOOK_DELAY_SECONDS": int(
                    PAYOUT_TRANSIT.total_seconds()
                ),
            }
        with override_settings(**overrides):
            flows.approve_payouts(request_ids=requests, user=self.cast.ops)
        self.report.payouts += len(requests)

    def read_notifications(self) -> None:
        from doorstep.notifications.models import Notification

        readers = set(
            Notification.objects.filter(read_at__isnull=True).values_list(
                "recipient_id", flat=True
            )
        )
        for user in User.objects.filter(pk__in=readers):
            if self.rng.random() < 0.3:
                mark_all_read(user=user)


# --- Listing photos ----------------------------------------------------------------


def give_listing_photos(
    listings: Sequence[Listing], *, seed: object, own_pictures: ProviderProfile
) -> int:
    """A cover for every listing, through the catalogue's photo service. One
    picture per category (each listing gets its own copy of the files); the demo
    provider login's listings each get their own."""
    processed: dict[str, ProcessedPhoto] = {}
    made = 0
    for listing in listings:
        category = listing.category
        root = category.parent or category
        key = (
            f"listing:{listing.pk}"
            if listing.provider_id == own_pictures.pk
            else f"category:{category.pk}"
        )
        if key not in processed:
            processed[key] = process_photo(
                pictures.listing_cover(
                    root_slug=root.slug,
                    title=category.name_en,
                    seed=f"{seed}:{key}",
                )
            )
        attach_listing_photo(
            actor=listing.provider.user,
            listing_id=listing.public_id,
            photo=processed[key],
            alt_text=category.name_en,
            reindex=False,  # the build indexes every listing once, at the end
        )
        made += 1
    return made


# --- Putting it together -------------------------------------------------------------


def _quiet_settings() -> dict:
    """While the past is built: every task runs at once (under the moved clock),
    and no mail or text message leaves the machine."""
    return {
        "TASKS": {
            "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
        },
        "DOORSTEP_EMAIL_DELIVERY_BACKEND": (
            "django.core.mail.backends.dummy.EmailBackend"
        ),
        "SMS_SENDER": "doorstep.notifications.sms.OutboxSmsSender",
        "DOORSTEP_SANDBOX_CHAOS": False,
        "RATELIMIT_ENABLE": False,
    }


def _story_plans(
    cast: Cast, *, rng: random.Random, now: datetime, orders: int
) -> list[Plan]:
    plans: list[Plan] = []

    def add(ending: str, **who) -> None:
        plan = _plan(ending, cast=cast, rng=rng, now=now, **who)
        if plan is not None:
            plans.append(plan)

    # Every ending once; then once each for the provider and the customer
    # logins; then their regulars; then whatever the weights draw.
    names = [name for name, _weight in ENDINGS]
    for name in names:
        add(name)
    for name in names:
        add(name, provider=cast.demo_provider)
    for name in names:
        add(name, customer=cast.demo_customer)
    for _ in range(orders // 10):
        add(OrderState.COMPLETED, provider=cast.demo_provider)
    for _ in range(orders // 30):
        add(OrderState.COMPLETED, customer=cast.demo_customer)
    weights = [weight for _name, weight in ENDINGS]
    for _ in range(orders * 2):
        if len(plans) >= orders:
            break
        add(rng.choices(names, weights)[0])
    return plans[:orders]


def build_history(
    *,
    logins: dict[str, User],
    seed: object,
    orders: int = DEMO_ORDERS,
    now: datetime | None = None,
    on_step: Callable[[str], None] | None = None,
) -> HistoryReport:
    """Tell ``orders`` stories over the ``HISTORY_DAYS`` before ``now`` (see the
    module docstring), then give every listing a photo. Runs outside any
    transaction: the services commit as they would in production."""
    now = now or timezone.now()
    tasks_log = logging.getLogger("django_tasks")
    level = tasks_log.level
    # Thousands of tasks run while the past is built; their lines say nothing.
    tasks_log.setLevel(logging.WARNING)
    try:
        return _build_history(logins=logins, seed=seed, orders=orders, now=now)
    finally:
        tasks_log.setLevel(level)


def _build_history(
    *, logins: dict[str, User], seed: object, orders: int, now: datetime
) -> HistoryReport:
    rng = random.Random(f"{seed}:history")
    cast = _cast(logins)
    started = time.process_time()
    with override_settings(**_quiet_settings()):
        report_photos = give_listing_photos(
            Listing.objects.exclude(status=Listing.Status.DRAFT)
            .select_related("provider__user", "category__parent")
            .order_by("pk"),
            seed=seed,
            own_pictures=cast.demo_provider,
        )
        plans = _story_plans(cast, rng=rng, now=now, orders=orders)
        plans.sort(key=lambda plan: plan.booked_at)
        photos_done = time.process_time()
        with moved_clock(now - timedelta(days=HISTORY_DAYS)) as clock:
            history = History(cast=cast, rng=rng, now=now, clock=clock)
            history.report.listing_photos = report_photos
            history.report.seconds["photos"] = photos_done - started
            history.run([history.sweeps(), *map(history.order_story, plans)])
        sandbox.clear_injected_failures()
    _derive_provider_figures()
    history.report.seconds["stories"] = time.process_time() - photos_done
    return history.report


def schedule_payouts_in_transit() -> int:
    """Hand the sandbox's undelivered payout outcomes to the worker, due when
    the bank answers. Called once the build is done, with the real task
    backend; one that cannot run a task later (the immediate one) would pay
    them now, so they are left pending (``sandbox.deliver_pending`` sends them
    on demand)."""
    from doorstep.payments.tasks import deliver_sandbox_webhook

    if not deliver_sandbox_webhook.get_backend().supports_defer:
        return 0
    return sandbox.schedule_pending_deliveries()


def _derive_provider_figures() -> None:
    """Completed jobs and the median time to answer a request, from the orders."""
    completed: dict[int, int] = {}
    for provider_id in Order.objects.filter(state=OrderState.COMPLETED).values_list(
        "provider_id", flat=True
    ):
        completed[provider_id] = completed.get(provider_id, 0) + 1
    created = dict(
        OrderEvent.objects.filter(
            transition="create", to_state=OrderState.REQUESTED
        ).values_list("order_id", "created_at")
    )
    answers: dict[int, list[float]] = {}
    for order_id, provider_id, moment in OrderEvent.objects.filter(
        Q(transition="accept") | Q(transition="decline"), order_id__in=created
    ).values_list("order_id", "order__provider_id", "created_at"):
        minutes = (moment - created[order_id]).total_seconds() / 60
        answers.setdefault(provider_id, []).append(minutes)
    profiles = list(ProviderProfile.objects.all())
    for profile in profiles:
        profile.completed_jobs = completed.get(profile.pk, 0)
        times = sorted(answers.get(profile.pk, []))
        profile.median_response_minutes = (
            max(1, round(times[len(times) // 2])) if times else None
        )
    ProviderProfile.objects.bulk_update(
        profiles, ["completed_jobs", "median_response_minutes"], batch_size=500
    )
