"""The demo's requests for quotes (Thumbtack): the questions ops ask per
category, and jobs posted, quoted, countered, revised, hired, paid, done,
reviewed, cancelled and left to expire — all through the quotes, orders,
payments and reviews services, on the moved clock (``demo.clock``), after the
marketplace's past so that calendars already hold its bookings.

Requests must reach providers who serve the place and have free time (or
``post_request`` refuses with ``no_providers_match``), so each story picks its
place and category from the listings it can reach, the matching being asked
first. Days are counted in the city's own dates and moments placed at local
hours, so the same stories are told whatever the hour of the build. The demo
customer login owns most requests (open with none, one and several quotes, a
counter-offer and a revision, hired and upcoming, done and reviewed,
cancelled); the demo provider login has requests waiting for their quote.
"""

import logging
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.test import override_settings
from django.utils.dateparse import parse_datetime

from doorstep.accounts.models import SavedAddress, User
from doorstep.catalog.models import Category, Listing, PricingModel
from doorstep.catalog.services import update_listing
from doorstep.core.errors import DomainError
from doorstep.core.money import minor_units
from doorstep.demo.clock import DemoClock, moved_clock
from doorstep.demo.data import CITIES, CITIES_BY_SLUG, MARKETS, OFFERS
from doorstep.demo.history import TEST_CARD, _km, _quiet_settings
from doorstep.demo.quotes_data import (
    COUNTER_MESSAGES,
    DECLINE_REASONS,
    HIRE_NOTES,
    JOBS,
    PROVIDER_REVIEWS,
    QUESTIONS,
    QUOTE_TEXTS,
    REVIEWS,
    REVISION_MESSAGES,
)
from doorstep.marketplace import policy
from doorstep.orders.models import Order
from doorstep.orders.services import transition_order
from doorstep.payments.gateways import sandbox
from doorstep.quotes import services
from doorstep.quotes.matching import free_start_times, match_providers
from doorstep.quotes.models import CategoryQuestion, Invitation, JobRequest, Quote
from doorstep.reviews.services import submit_review

logger = logging.getLogger(__name__)

# Categories a customer may post a matched job in, most wanted first.
AT_HOME = ("home-cleaning", "repairs", "moving-delivery", "photography", "tutoring")
AT_WORK = ("repairs", "photography", "moving-delivery", "home-cleaning", "tutoring")
NEWLY = ("tutoring", "photography", "moving-delivery", "repairs", "home-cleaning")
# Roots whose jobs are usually priced after a look: an on-quote listing is
# made of one of these where a city has none.
QUOTED_ROOTS = ("repairs", "moving-delivery", "photography", "home-cleaning")
# Rounding of quoted prices, in major units.
PRICE_STEP = {"CNY": 10, "TWD": 100, "HKD": 10, "USD": 5}
LANGUAGES = ("en", "zh-hans", "zh-hant")


@dataclass(frozen=True)
class Place:
    customer: User
    address: str
    latitude: float
    longitude: float
    zone: ZoneInfo


def ensure_questions() -> int:
    """The questions of ``QUESTIONS`` for the categories that have none yet;
    returns how many were added."""
    categories = {
        category.slug: category
        for category in Category.objects.filter(
            slug__in={spec.category for spec in QUESTIONS}
        )
    }
    asked = set(
        CategoryQuestion.objects.values_list("category__slug", flat=True).distinct()
    )
    rows = [
        CategoryQuestion(
            category=categories[spec.category],
            position=position,
            kind=spec.kind,
            label_en=spec.en,
            label_zh_hans=spec.zh_hans,
            label_zh_hant=spec.zh_hant,
            choices=[
                {"value": value, "en": en, "zh_hans": hans, "zh_hant": hant}
                for value, en, hans, hant in spec.choices
            ],
            required=spec.required,
        )
        for position, spec in enumerate(QUESTIONS)
        if spec.category in categories and spec.category not in asked
    ]
    for row in rows:
        row.save()  # one by one: the public id is made on save
    return len(rows)


def _root(category: Category) -> Category:
    return category.parent or category


def _language(user: User) -> str:
    return user.language if user.language in LANGUAGES else "en"


def _writes_in(provider_user: User, speaks: list[str], customer: User) -> str:
    """A provider answers in the customer's language when they speak it."""
    wanted = _language(customer)
    return wanted if wanted in speaks else _language(provider_user)


def _pick(texts: dict[str, object], language: str):
    return texts.get(language) or texts["en"]


def _job(category: Category, language: str) -> tuple[str, str]:
    job = JOBS.get(category.slug) or JOBS[_root(category).slug]
    return {"en": job.en, "zh-hans": job.zh_hans, "zh-hant": job.zh_hant}[language]


def _typical_amount(listing: Listing, currency: str) -> int:
    """The whole job's usual price in minor units: the listing's (times its
    minimum hours when hourly), else what its category's offers ask."""
    if listing.price_amount:
        hours = listing.min_hours if listing.pricing_model == PricingModel.HOURLY else 1
        return listing.price_amount * hours
    root = _root(listing.category).slug
    offers = [offer for offer in OFFERS if offer.prices is not None]
    siblings = set(
        Category.objects.filter(parent__slug=root).values_list("slug", flat=True)
    )
    offer = next(
        (offer for offer in offers if offer.category == listing.category.slug),
        None,
    ) or next((offer for offer in offers if offer.category in siblings), None)
    if offer is None:
        return listing.duration_minutes * 10 ** minor_units(currency)
    major = offer.prices[MARKETS.index(currency)] * max(1, offer.min_hours)
    # A job priced after a look is a bigger one than the category's usual.
    return 2 * major * 10 ** minor_units(currency)


def _rounded(amount: float, currency: str, *, fine: bool = False) -> int:
    """A price people ask; ``fine``: to the unit (an hourly rate, a revision)."""
    unit = 10 ** minor_units(currency)
    step = 1 if fine else PRICE_STEP.get(currency, 1)
    return max(step, round(amount / unit / step) * step) * unit


def _on_quote(listings) -> list[Listing]:
    return [item for item in listings if item.pricing_model == PricingModel.QUOTE]


def ensure_on_quote_listings(*, must_reach: list[Place]) -> int:
    """Every city has listings on quote, and one reaches each place of
    ``must_reach``: where none does, a provider switches one of their listings
    in a category usually quoted to "on quote" (``update_listing``). Returns
    how many were switched."""
    published = list(
        Listing.objects.not_archived()
        .filter(status=Listing.Status.PUBLISHED, provider__status="active")
        .select_related("provider__user", "category__parent")
        .order_by("pk")
    )
    switched = 0

    def switch(candidates: list[Listing]) -> None:
        nonlocal switched
        ranked = sorted(
            [item for item in candidates if _root(item.category).slug in QUOTE_TEXTS],
            key=lambda item: (
                _root(item.category).slug not in QUOTED_ROOTS,
                item.provider.user.email.endswith("@demo.doorstep.dev"),
                item.pk,
            ),
        )
        if not ranked:
            return
        chosen = ranked[0]
        update_listing(
            actor=chosen.provider.user,
            listing_id=chosen.public_id,
            pricing_model=PricingModel.QUOTE,
        )
        chosen.pricing_model = PricingModel.QUOTE
        switched += 1

    for city in CITIES:
        here = [item for item in published if item.provider.time_zone == city.time_zone]
        if not _on_quote(here):
            switch(here)
    for place in must_reach:
        reaching = [item for item in published if _reaches(item, place)]
        if not _on_quote(reaching):
            switch(
                [
                    item
                    for item in reaching
                    if item.provider.user_id != place.customer.pk
                    and not item.provider.user.email.endswith("@demo.doorstep.dev")
                ]
            )
    return switched


def _usually_quoted_first(listing: Listing) -> bool:
    return _root(listing.category).slug not in QUOTED_ROOTS


def _reaches(listing: Listing, place: Place) -> bool:
    return _km(listing, place) <= float(listing.service_radius_km) * 0.95


class QuoteStories:
    """Tells the stories on ``clock`` and keeps what they made."""

    def __init__(
        self,
        *,
        logins: dict[str, User],
        rng: random.Random,
        now: datetime,
        clock: DemoClock,
    ) -> None:
        self.rng = rng
        self.now = now
        self.clock = clock
        self.customer = logins["customer"]
        self.provider = logins["provider"].provider_profile
        self.logins = {user.pk for user in logins.values()}
        self.questions = {
            question.public_id: spec
            for spec in QUESTIONS
            for question in CategoryQuestion.objects.filter(
                category__slug=spec.category, label_en=spec.en
            )
        }
        self.skipped = 0
        self.used_customers: set[int] = set()

    # -- places and moments

    def demo_places(self) -> list[Place]:
        """The demo customer's home, then their office."""
        return [
            self._place(address)
            for address in SavedAddress.objects.filter(user=self.customer).order_by(
                "-is_default", "pk"
            )
        ]

    def _place(self, address: SavedAddress) -> Place:
        return Place(
            customer=address.user,
            address=address.address,
            latitude=address.latitude,
            longitude=address.longitude,
            zone=ZoneInfo(address.user.time_zone or "UTC"),
        )

    def places_in(self, city: str) -> list[Place]:
        """Generated customers' homes in ``city``, in a fixed order."""
        zone = CITIES_BY_SLUG[city].time_zone
        addresses = list(
            SavedAddress.objects.filter(
                is_default=True,
                user__time_zone=zone,
                user__provider_profile__isnull=True,
                user__staff_memberships__isnull=True,
                user__is_staff=False,
            )
            .exclude(user_id__in=self.logins)
            .select_related("user")
            .order_by("pk")
        )
        self.rng.shuffle(addresses)
        return [
            self._place(address)
            for address in addresses
            if address.user_id not in self.used_customers
        ]

    def local(self, zone: ZoneInfo, *, days: int, hour: float) -> datetime:
        """``hour`` o'clock local time, ``days`` days from the build's local
        date (negative: before), in UTC."""
        day = self.now.astimezone(zone).date() + timedelta(days=days)
        moment = datetime.combine(day, time(0), tzinfo=zone) + timedelta(hours=hour)
        return moment.astimezone(UTC)

    def at(self, moment: datetime) -> datetime:
        self.clock.set(moment)
        return moment

    # -- posting

    def _answers(self, category: Category, title: str) -> dict[str, str]:
        answers = {}
        for question in services.questions_for(category):
            spec = self.questions.get(question.public_id)
            if spec is None or (not question.required and spec.kind == "text"):
                continue
            answers[question.public_id] = spec.default or title
        return answers

    def post(
        self,
        place: Place,
        *,
        at: datetime,
        first_day: int,
        last_day: int,
        categories: tuple[str, ...] = (),
        listing: Listing | None = None,
        at_least: int = 1,
    ) -> JobRequest | None:
        """Post a job at ``place`` for the local days ``first_day`` to
        ``last_day`` after ``at``: to ``listing``, or in the first of
        ``categories`` where at least ``at_least`` providers match (else where
        the most do). None if nobody would get it."""
        today = at.astimezone(place.zone).date()
        wanted_from = today + timedelta(days=first_day)
        wanted_until = today + timedelta(days=last_day)

        def matches(category: Category) -> int:
            return len(
                match_providers(
                    category=category,
                    latitude=place.latitude,
                    longitude=place.longitude,
                    customer=place.customer,
                    wanted_from=wanted_from,
                    wanted_until=wanted_until,
                    times_of_day=[],
                    zone=place.zone,
                    limit=1 if listing else policy.current().quote_invitations,
                    listing=listing,
                    now=at,
                )
            )

        if listing is not None:
            category = listing.category
            if not matches(category):
                return None
        else:
            found = {}
            for slug in categories:
                option = Category.objects.get(slug=slug)
                found[slug] = (matches(option), option)
                if found[slug][0] >= at_least:
                    break
            count, category = max(found.values(), key=lambda pair: pair[0])
            if not count:
                return None
        language = _language(place.customer)
        title, description = _job(category, language)
        self.at(at)
        request = services.post_request(
            customer=place.customer,
            category_id="" if listing else category.slug,
            listing_id=listing.public_id if listing else "",
            title=title,
            description=description,
            address=place.address,
            latitude=place.latitude,
            longitude=place.longitude,
            wanted_from=wanted_from,
            wanted_until=wanted_until,
            budget_amount=None,
            answers=self._answers(category, title),
            now=at,
        )
        self.used_customers.add(place.customer.pk)
        return request

    # -- quoting

    def quote(
        self,
        invitation: Invitation,
        *,
        at: datetime,
        factor: float,
        not_before: datetime | None = None,
    ) -> Quote | None:
        """The invited provider quotes about their usual price times
        ``factor``, offering up to three start times free on their calendar
        (from ``not_before``). None if they have no time left to offer."""
        request, listing = invitation.request, invitation.listing
        self.at(at)
        free = [
            moment
            for moment in free_start_times(
                listing,
                wanted_from=request.wanted_from,
                wanted_until=request.wanted_until,
                times_of_day=request.times_of_day,
                zone=ZoneInfo(request.time_zone),
                now=at,
            )
            if not_before is None or moment >= not_before
        ]
        if not free:
            return None
        offered = free[:: max(1, len(free) // 3)][:3]
        provider_user = invitation.provider.user
        language = _writes_in(provider_user, listing.languages, request.customer)
        included, message = _pick(QUOTE_TEXTS[_root(request.category).slug], language)
        hourly = listing.pricing_model == PricingModel.HOURLY and listing.min_hours > 1
        whole = _typical_amount(listing, request.currency) * factor
        return services.send_quote(
            user=provider_user,
            invitation_id=invitation.public_id,
            pricing=Quote.Pricing.HOURLY if hourly else Quote.Pricing.FIXED,
            amount=(
                _rounded(whole / listing.min_hours, request.currency, fine=True)
                if hourly
                else _rounded(whole, request.currency)
            ),
            hours=listing.min_hours if hourly else None,
            included=included,
            message=message,
            start_times=offered,
            now=at,
        )

    def invitations(self, request: JobRequest) -> list[Invitation]:
        return list(
            request.invitations.select_related(
                "request__customer",
                "request__category__parent",
                "listing",
                "provider__user",
            ).order_by("rank")
        )

    # -- hiring and the job

    def hire(self, quote: Quote, *, at: datetime) -> Order | None:
        """The customer reads the quotes and hires ``quote`` at its earliest
        time, then pays on the sandbox's page."""
        request = quote.request
        customer = request.customer
        self.at(at)
        services.mark_quotes_read(user=customer, request_id=request.public_id, now=at)
        starts = sorted(parse_datetime(value) for value in quote.start_times)
        order = services.hire(
            user=customer,
            quote_id=quote.public_id,
            starts_at=starts[0],
            notes=_pick(HIRE_NOTES, _language(customer)),
            now=at,
        )
        self.at(at + timedelta(minutes=4))
        return sandbox.pay_with_sandbox_card(order, TEST_CARD)

    def _fire(self, order: Order, name: str, user: User, **data) -> None:
        order.refresh_from_db()
        transition_order(order=order, name=name, user=user, data=data or None)
        order.refresh_from_db()

    def do_the_job(self, order: Order) -> None:
        """On the way, started with the customer's code, delivered, confirmed,
        and both sides review."""
        provider_user = order.provider.user
        customer = order.customer
        self.at(order.starts_at - timedelta(minutes=35))
        self._fire(order, "depart", provider_user)
        self.at(order.starts_at + timedelta(minutes=4))
        self._fire(order, "start", provider_user, start_code=order.start_code)
        self.at(order.ends_at + timedelta(minutes=10))
        self._fire(order, "deliver", provider_user)
        self.at(self.clock.now + timedelta(hours=3))
        self._fire(order, "confirm", customer)
        self.at(self.clock.now + timedelta(hours=20))
        submit_review(
            order=order,
            author=customer,
            stars=5,
            text=_pick(REVIEWS, _language(customer)),
            quality=5,
            punctuality=5,
            communication=self.rng.choice((4, 5)),
            value=5,
        )
        self.at(self.clock.now + timedelta(hours=9))
        submit_review(
            order=order,
            author=provider_user,
            stars=5,
            text=_pick(PROVIDER_REVIEWS, _language(provider_user)),
        )

    # -- the stories

    def tell(self) -> None:
        """Past stories first, in time order, then the ones still going on."""
        for story in (
            self.hired_and_done_for_the_demo_customer,
            self.hired_on_quote_elsewhere,
            self.expired,
            self.cancelled,
            self.hired_and_upcoming,
            self.open_with_several_quotes,
            self.open_with_one_quote,
            self.open_elsewhere,
            self.waiting_for_the_demo_provider,
            self.open_without_quotes,
        ):
            try:
                story()
            except DomainError as error:
                # The world moved on (a time taken, a guard refused): the
                # story ends where it got to, as it would for a person.
                logger.debug("demo quote story %s stopped: %s", story.__name__, error)
                self.skipped += 1
        # The scheduler's run at ``now``: invitations nobody answered lapse.
        self.at(self.now)
        services.expire_due(now=self.now)

    def _quote_all(
        self,
        request: JobRequest,
        *,
        start: datetime,
        count: int,
        spacing: timedelta,
        not_before: datetime | None = None,
        keep_waiting: set[int] = frozenset(),
    ) -> list[Quote]:
        quotes = []
        moment = start
        for invitation in self.invitations(request):
            if len(quotes) >= count:
                break
            if invitation.provider_id in keep_waiting:
                continue
            quote = self.quote(
                invitation,
                at=moment,
                factor=self.rng.uniform(0.9, 1.25),
                not_before=not_before,
            )
            if quote is not None:
                quotes.append(quote)
            moment += spacing
        return quotes

    def hired_and_done_for_the_demo_customer(self) -> None:
        """Three weeks ago: a job at home, quoted by several, one hired, done
        and reviewed on both sides."""
        home = self.demo_places()[0]
        posted = self.local(home.zone, days=-21, hour=9.5)
        request = self.post(
            home, at=posted, first_day=3, last_day=7, categories=AT_HOME, at_least=3
        )
        if request is None:
            return
        hire_at = posted + timedelta(hours=26)
        quotes = self._quote_all(
            request,
            start=posted + timedelta(hours=1),
            count=3,
            spacing=timedelta(hours=2, minutes=10),
            not_before=hire_at + timedelta(days=1, hours=2),
        )
        if not quotes:
            return
        chosen = min(quotes, key=lambda quote: quote.job_amount)
        self.do_the_job(self.hire(chosen, at=hire_at))

    def hired_on_quote_elsewhere(self) -> None:
        """Customers in Taipei and San Francisco asked one on-quote provider
        directly, hired the quote, and the job was done."""
        for city, days_ago in (
            ("taipei", 30),
            ("san-francisco", 26),
            ("hong-kong", 17),
        ):
            for place, listing in self._near_on_quote(city):
                posted = self.local(place.zone, days=-days_ago, hour=20)
                request = self.post(
                    place, at=posted, first_day=3, last_day=8, listing=listing
                )
                if request is None:
                    continue
                hire_at = posted + timedelta(hours=15)
                quotes = self._quote_all(
                    request,
                    start=posted + timedelta(hours=12),
                    count=1,
                    spacing=timedelta(hours=1),
                    not_before=hire_at + timedelta(days=1, hours=2),
                )
                if quotes:
                    self.do_the_job(self.hire(quotes[0], at=hire_at))
                break

    def _near_on_quote(self, city: str) -> Iterator[tuple[Place, Listing]]:
        """(a customer's home, an on-quote listing that reaches it), a few."""
        zone = CITIES_BY_SLUG[city].time_zone
        listings = list(
            Listing.objects.not_archived()
            .filter(
                status=Listing.Status.PUBLISHED,
                pricing_model=PricingModel.QUOTE,
                provider__time_zone=zone,
                provider__status="active",
            )
            .select_related("provider__user", "category__parent")
            .order_by("pk")
        )
        listings.sort(key=_usually_quoted_first)
        places = self.places_in(city)
        tried = 0
        for listing in listings:
            for place in places:
                if place.customer.pk in self.used_customers or not _reaches(
                    listing, place
                ):
                    continue
                tried += 1
                yield place, listing
                break
            if tried >= 6:
                return

    def expired(self) -> None:
        """Twelve days ago someone in Hong Kong (or elsewhere) posted a job;
        one quote came, nobody was hired, and the scheduler let it expire."""
        for city in ("hong-kong", "new-york", "taipei", "shanghai"):
            for place in self.places_in(city)[:6]:
                posted = self.local(place.zone, days=-12, hour=21)
                request = self.post(
                    place, at=posted, first_day=1, last_day=4, categories=NEWLY
                )
                if request is None:
                    continue
                self._quote_all(
                    request,
                    start=posted + timedelta(hours=11),
                    count=1,
                    spacing=timedelta(hours=1),
                )
                request.refresh_from_db()
                # The periodic job, as the worker runs it past the end.
                self.at(request.expires_at + timedelta(minutes=7))
                services.expire_due(now=self.clock.now)
                return

    def cancelled(self) -> None:
        """The demo customer posted a repair three days ago, had a quote, and
        cancelled the next day (fixed it themselves)."""
        office = self.demo_places()[-1]
        posted = self.local(office.zone, days=-3, hour=8.5)
        request = self.post(
            office, at=posted, first_day=2, last_day=6, categories=AT_WORK
        )
        if request is None:
            return
        self._quote_all(
            request,
            start=posted + timedelta(hours=3),
            count=1,
            spacing=timedelta(hours=1),
        )
        self.at(posted + timedelta(hours=26))
        services.cancel_request(
            user=request.customer, request_id=request.public_id, now=self.clock.now
        )

    def hired_and_upcoming(self) -> None:
        """The demo customer asked an on-quote provider directly two days ago,
        hired the quote and paid: the job is coming up."""
        for place in self.demo_places():
            listings = _on_quote(
                Listing.objects.not_archived()
                .filter(status=Listing.Status.PUBLISHED, provider__status="active")
                .exclude(provider__user=place.customer)
                .select_related("provider__user", "category__parent")
                .order_by("pk")
            )
            reaching = [item for item in listings if _reaches(item, place)]
            for listing in sorted(reaching, key=_usually_quoted_first)[:6]:
                posted = self.local(place.zone, days=-2, hour=10)
                request = self.post(
                    place, at=posted, first_day=3, last_day=9, listing=listing
                )
                if request is None:
                    continue
                hire_at = posted + timedelta(hours=23)
                quotes = self._quote_all(
                    request,
                    start=posted + timedelta(hours=2),
                    count=1,
                    spacing=timedelta(hours=1),
                    not_before=max(hire_at, self.now) + timedelta(days=1, hours=2),
                )
                if quotes:
                    self.hire(quotes[0], at=hire_at)
                return

    def open_with_several_quotes(self) -> None:
        """Posted this morning at the demo customer's home: several quotes,
        one declined; the customer read them, countered one, and its provider
        revised halfway (a counter to the demo provider's quote, if they
        quoted, waits for their answer)."""
        home = self.demo_places()[0]
        posted = min(
            self.local(home.zone, days=0, hour=8), self.now - timedelta(hours=9)
        )
        request = self.post(
            home, at=posted, first_day=2, last_day=8, categories=AT_HOME, at_least=3
        )
        if request is None:
            return
        invitations = self.invitations(request)
        quotes = self._quote_all(
            request,
            start=posted + timedelta(minutes=50),
            count=3,
            spacing=timedelta(hours=1, minutes=20),
            not_before=self.now + timedelta(hours=12),
        )
        answered = {quote.invitation_id for quote in quotes}
        waiting = [
            invitation
            for invitation in invitations
            if invitation.pk not in answered and invitation.provider != self.provider
        ]
        if len(waiting) > 1:
            self.at(posted + timedelta(hours=5))
            services.decline_invitation(
                user=waiting[0].provider.user,
                invitation_id=waiting[0].public_id,
                reason=_pick(DECLINE_REASONS, _language(waiting[0].provider.user)),
                now=self.clock.now,
            )
        if not quotes:
            return
        customer = request.customer
        read_at = self.at(posted + (self.now - posted) * 0.6)
        services.mark_quotes_read(
            user=customer, request_id=request.public_id, now=read_at
        )
        # A fixed price first: the one a counter-offer reads most plainly.
        others = sorted(
            (quote for quote in quotes if quote.provider_id != self.provider.pk),
            key=lambda quote: quote.pricing != Quote.Pricing.FIXED,
        )
        mine = [quote for quote in quotes if quote.provider_id == self.provider.pk]
        language = _language(customer)
        for quote in [*others[:1], *mine[:1]]:
            countered = services.counter_quote(
                user=customer,
                quote_id=quote.public_id,
                amount=min(
                    _rounded(quote.job_amount * 0.85, quote.currency),
                    quote.job_amount - 10 ** minor_units(quote.currency),
                ),
                message=_pick(COUNTER_MESSAGES, language),
                now=self.at(self.clock.now + timedelta(minutes=6)),
            )
            if quote in mine and others:
                continue  # left for the demo provider to answer
            halfway = (countered.job_amount + countered.counter_amount) / 2
            hours = countered.hours or 1
            unit = 10 ** minor_units(countered.currency)
            revised = min(
                _rounded(halfway / hours, countered.currency, fine=True),
                countered.amount - unit,
            )
            provider_user = countered.provider.user
            services.revise_quote(
                user=provider_user,
                quote_id=countered.public_id,
                amount=revised,
                hours=countered.hours,
                message=_pick(
                    REVISION_MESSAGES,
                    _writes_in(provider_user, countered.listing.languages, customer),
                ),
                now=self.at(posted + (self.now - posted) * 0.85),
            )

    def open_with_one_quote(self) -> None:
        """Posted at the demo customer's office this morning: one quote so
        far, not opened yet."""
        office = self.demo_places()[-1]
        posted = self.now - timedelta(hours=5)
        request = self.post(
            office, at=posted, first_day=1, last_day=6, categories=AT_WORK
        )
        if request is None:
            return
        self._quote_all(
            request,
            start=posted + timedelta(hours=2, minutes=15),
            count=1,
            spacing=timedelta(hours=1),
            not_before=self.now + timedelta(hours=12),
        )

    def open_without_quotes(self) -> None:
        """Just posted by the demo customer: nobody has answered yet."""
        home = self.demo_places()[0]
        self.post(
            home,
            at=self.now - timedelta(minutes=40),
            first_day=4,
            last_day=14,
            categories=NEWLY,
        )

    def open_elsewhere(self) -> None:
        """Open requests in the other cities, in their languages, with a quote
        or two."""
        for city in ("taipei", "new-york", "hong-kong"):
            for place in self.places_in(city)[:4]:
                posted = self.now - timedelta(hours=self.rng.uniform(3, 10))
                request = self.post(
                    place, at=posted, first_day=1, last_day=7, categories=AT_HOME
                )
                if request is None:
                    continue
                self._quote_all(
                    request,
                    start=posted + timedelta(hours=1),
                    count=self.rng.choice((1, 2)),
                    spacing=timedelta(minutes=50),
                    not_before=self.now + timedelta(hours=12),
                )
                break

    def waiting_for_the_demo_provider(self) -> None:
        """Customers near the demo provider ask them directly for a quote: the
        invitations wait in their inbox (the demo customer asks if nobody
        else lives near enough)."""
        listings = list(
            Listing.objects.filter(
                provider=self.provider, status=Listing.Status.PUBLISHED
            )
            .select_related("provider__user", "category__parent")
            .order_by("pk")
        )
        asked = 0
        places = [*self.places_in("shanghai"), *self.demo_places()[:1]]
        for place in places:
            if asked >= 2:
                return
            listing = next((item for item in listings if _reaches(item, place)), None)
            if listing is None:
                continue
            posted = self.now - timedelta(minutes=50 + 70 * asked)
            if self.post(place, at=posted, first_day=2, last_day=9, listing=listing):
                asked += 1
            if place.customer == self.customer:
                return


def seed_quote_requests(
    *, logins: dict[str, User], seed: object, now: datetime
) -> dict[str, int]:
    """The questions, on-quote listings where missing, and the stories (see the
    module docstring), as of ``now``. Returns what is there, by name."""
    report = {"quote_questions": ensure_questions()}
    with override_settings(**_quiet_settings()):
        with moved_clock(now) as clock:
            stories = QuoteStories(
                logins=logins,
                rng=random.Random(f"{seed}:quotes"),
                now=now,
                clock=clock,
            )
            report["listings_switched_to_quote"] = ensure_on_quote_listings(
                must_reach=stories.demo_places()
            )
            stories.tell()
        sandbox.clear_injected_failures()
    statuses = dict(
        JobRequest.objects.values_list("status").annotate(n=Count("pk")).order_by()
    )
    for status in JobRequest.Status.values:
        report[f"quote_requests_{status}"] = statuses.get(status, 0)
    report["quotes"] = Quote.objects.count()
    report["quote_stories_stopped"] = stories.skipped
    return report
