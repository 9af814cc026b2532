"""Turn the content of ``data.py`` into rows: the demo marketplace and bulk seeds.

Everything random comes from one ``random.Random`` passed in, so a seed fixes the
content (names, places, phone numbers, e-mail addresses). Public ids and
timestamps are not part of that promise: public ids come from ``secrets`` (via
``PublicIdField.pre_save``, which ``bulk_create`` calls) and dates are relative to
now.

Rows are written with ``bulk_create``; the password is hashed once and the hash is
shared, because Argon2 is slow by design and 100,000 hashes would take hours.
"""

import math
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from doorstep.accounts.models import (
    Agency,
    ProviderProfile,
    SavedAddress,
    StaffMember,
    User,
)
from doorstep.analytics.rollups import rebuild as rebuild_analytics
from doorstep.backoffice.access import OpsRole
from doorstep.catalog.cache import forget_categories
from doorstep.catalog.models import (
    CatalogueService,
    Category,
    Listing,
    ListingAddOn,
)
from doorstep.core.money import minor_units
from doorstep.demo.data import (
    ADD_ONS,
    ADDRESS_LABELS,
    AGENCIES,
    BIO_OPENINGS,
    BIO_SENTENCES,
    CATALOGUE_SERVICES,
    CATEGORY_TREE,
    CITIES,
    CITIES_BY_SLUG,
    DEMO_PROVIDER_BIO,
    EN_SHOP_NAMES,
    HONORIFICS,
    LEAF_TERMS,
    LISTING_PROMISES,
    MARKETS,
    OFFERS,
    ROMANISED_SHOP_NAMES,
    ROOT_TERMS,
    SERVICE_CATEGORIES,
    ZH_SHOP_NAMES,
    AddressStyle,
    CategorySpec,
    City,
    Neighbourhood,
    OfferSpec,
)
from doorstep.demo.dispatch_world import (
    add_staff_login,
    build_dispatch_history,
    build_dispatch_world,
    vet_workers,
)
from doorstep.demo.favourites import seed_favourites
from doorstep.demo.growth import seed_growth
from doorstep.demo.history import (
    DEMO_ORDERS,
    HistoryReport,
    _quiet_settings,
    build_history,
)
from doorstep.demo.integrity import seed_integrity_flags
from doorstep.demo.money import seed_plans, seed_tax_regions
from doorstep.demo.onboarding import build_onboarding
from doorstep.demo.policies import publish_demo_policies
from doorstep.demo.promotions import seed_promotions
from doorstep.demo.quotes import seed_quote_requests
from doorstep.demo.recurring import seed_recurring
from doorstep.demo.standards import seed_standards
from doorstep.demo.support import seed_help_centre, seed_support
from doorstep.demo.trust_badges import build_trust_badges
from doorstep.demo.webhooks import seed_webhooks
from doorstep.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    SchedulingPolicy,
)
from doorstep.search.indexing import rebuild_index

DEMO_SEED = 2026
DEMO_PASSWORD = "doorstep-demo"  # noqa: S105 - the published demo password
# A fixed TOTP secret, so the demo admin can be opened with any authenticator app.
DEMO_TOTP_SECRET = "DOORSTEPDEMOOPSTOTPSECRETKEYMFAA"  # noqa: S105
DEMO_PROVIDERS = 300
DEMO_CUSTOMERS = 200
# Generated people get addresses at a domain reserved for examples (RFC 2606), so
# no e-mail the demo sends can reach a real inbox.
GENERATED_EMAIL_DOMAIN = "example.com"

BULK_BATCH_SIZE = 1000
SEED_BATCH_SIZE = 2000
# Points are scattered this far around a neighbourhood's centre.
NEIGHBOURHOOD_SPREAD_KM = 1.5
KM_PER_DEGREE_LATITUDE = 111.32
MAX_ACCOUNT_AGE = timedelta(days=730)
CUSTOMER_PHONE_SHARE = 0.85
STAFF_LOGIN_SHARE = 0.5


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str


DEMO_LOGINS = (
    DemoLogin("customer", "customer@demo.doorstep.dev"),
    DemoLogin("provider", "provider@demo.doorstep.dev"),
    # A worker of the provider login's agency, with a dispatched job today.
    DemoLogin("staff", "staff@demo.doorstep.dev"),
    DemoLogin("ops", "ops@demo.doorstep.dev"),
)


@dataclass
class BuildReport:
    """What a build added."""

    categories: int = 0
    users: int = 0
    providers: int = 0
    customers: int = 0
    addresses: int = 0
    agencies: int = 0
    staff: int = 0
    listings: int = 0
    add_ons: int = 0
    catalogue_services: int = 0
    indexed: int = 0
    history: HistoryReport | None = None
    trust: dict[str, int] = field(default_factory=dict)
    standards: object | None = None  # demo.standards.StandardsReport
    dispatch: object | None = None  # demo.dispatch_world.DispatchReport
    support: dict[str, int] = field(default_factory=dict)  # demo.support
    quotes: dict[str, int] = field(default_factory=dict)  # demo.quotes
    growth: dict[str, int] = field(default_factory=dict)  # demo.growth
    money: dict[str, int] = field(default_factory=dict)  # demo.money
    recurring: dict[str, int] = field(default_factory=dict)  # demo.recurring
    favourites: dict[str, int] = field(default_factory=dict)  # demo.favourites

    def rows(self) -> int:
        """Rows inserted: each user comes with an e-mail address row, and
        customers are users, so they are not counted twice. Search documents are
        the search app's, and not counted."""
        return (
            self.categories
            + 2 * self.users
            + self.providers
            + self.addresses
            + self.agencies
            + self.staff
            + self.listings
            + self.add_ons
            + self.catalogue_services
        )


# --- Categories ---------------------------------------------------------------------


def _category(
    spec: CategorySpec, *, position: int, parent_id: int | None, root: str
) -> Category:
    terms = LEAF_TERMS.get(spec.slug) or ROOT_TERMS[root]
    return Category(
        slug=spec.slug,
        standard_en=terms.standard_en,
        standard_zh_hans=terms.standard_zh_hans,
        standard_zh_hant=terms.standard_zh_hant,
        warranty_days=terms.warranty_days,
        commission_bps=terms.commission_bps,
        parent_id=parent_id,
        name_en=spec.name_en,
        name_zh_hans=spec.name_zh_hans,
        name_zh_hant=spec.name_zh_hant,
        description_en=spec.description_en,
        description_zh_hans=spec.description_zh_hans,
        description_zh_hant=spec.description_zh_hant,
        icon=spec.icon,
        position=position,
    )


@transaction.atomic
def ensure_category_tree() -> int:
    """Create the categories of ``CATEGORY_TREE`` whose slug does not exist yet and
    return how many were created. Existing categories are left alone: an operator
    may have renamed or hidden them."""
    existing = set(Category.objects.values_list("slug", flat=True))
    roots = [
        _category(spec, position=position, parent_id=None, root=spec.slug)
        for position, spec in enumerate(CATEGORY_TREE, start=1)
        if spec.slug not in existing
    ]
    Category.objects.bulk_create(roots)
    root_ids = dict(
        Category.objects.filter(slug__in=[s.slug for s in CATEGORY_TREE]).values_list(
            "slug", "pk"
        )
    )
    children = [
        _category(
            child, position=position, parent_id=root_ids[root.slug], root=root.slug
        )
        for root in CATEGORY_TREE
        for position, child in enumerate(root.children, start=1)
        if child.slug not in existing
    ]
    Category.objects.bulk_create(children)
    forget_categories()
    return len(roots) + len(children)


# --- People -------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str  # as written where they live: 李娜, 陳嘉欣, Emily Chen
    surname: str
    given: str
    first: str  # romanised: Na, Karen, Emily
    last: str  # romanised: Li, Chan, Chen
    roman: str  # romanised, in local order: Li Na, Karen Chan, Chan Ka Yan


def _ascii_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def scatter(
    rng: random.Random, latitude: float, longitude: float, radius_km: float
) -> tuple[float, float]:
    """A point drawn uniformly from the disc of ``radius_km`` around a centre."""
    distance = radius_km * math.sqrt(rng.random())
    bearing = rng.uniform(0, 2 * math.pi)
    d_lat = distance * math.cos(bearing) / KM_PER_DEGREE_LATITUDE
    d_lng = (
        distance
        * math.sin(bearing)
        / (KM_PER_DEGREE_LATITUDE * math.cos(math.radians(latitude)))
    )
    return round(latitude + d_lat, 6), round(longitude + d_lng, 6)


def base_address(city: City, place: Neighbourhood) -> str:
    """Where a provider is based, to neighbourhood precision."""
    match city.address_style:
        case AddressStyle.MAINLAND:
            return f"{city.name}{place.locality}{place.name}"
        case AddressStyle.TAIWAN:
            return f"{city.name}{place.locality}"
        case AddressStyle.HONG_KONG:
            return f"{place.locality}{place.name}"
        case AddressStyle.US:
            if place.locality.startswith(place.name):  # Astoria, NY
                return place.locality
            return f"{place.name}, {place.locality}"


def street_address(rng: random.Random, city: City, place: Neighbourhood) -> str:
    """A full address as people in ``city`` write it (the number is made up)."""
    street = rng.choice(place.streets)
    floor = rng.randint(2, 28)
    match city.address_style:
        case AddressStyle.MAINLAND:
            room = f"{floor}{rng.randint(1, 6):02d}"
            return f"{city.name}{place.locality}{street}{rng.randint(1, 999)}号{room}室"
        case AddressStyle.TAIWAN:
            floor = min(floor, 16)
            return (
                f"{city.name}{place.locality}{street}{rng.randint(1, 300)}號{floor}樓"
            )
        case AddressStyle.HONG_KONG:
            flat = rng.choice("ABCDEFGH")
            number = rng.randint(1, 500)
            return f"{place.locality}{place.name}{street}{number}號{floor}樓{flat}室"
        case AddressStyle.US:
            apt = f"{min(floor, 12)}{rng.choice('ABCDEF')}"
            return f"{rng.randint(100, 3999)} {street}, Apt {apt}, {place.locality}"


class PhoneBook:
    """Hands out demo phone numbers: drawn at random from a city's phone plans,
    never twice in one run, never one another account already holds."""

    ATTEMPTS_PER_PLAN = 16
    RECHECKS = 3

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._issued: set[str] = set()

    def draw(self, city: City) -> str | None:
        """A fresh E.164 number for ``city``, or ``None`` when its plans look full."""
        rng = self._rng
        for plan in city.phone_plans:
            upper = 10**plan.free_digits
            for _ in range(self.ATTEMPTS_PER_PLAN):
                prefix = rng.choice(plan.prefixes)
                number = (
                    f"{plan.country_code}{prefix}"
                    f"{rng.randrange(upper):0{plan.free_digits}d}"
                )
                if number not in self._issued:
                    self._issued.add(number)
                    return number
        return None

    def settle(self, users: Sequence[User], cities: Sequence[City]) -> None:
        """Redraw the numbers of ``users`` that an existing account already has (a
        user who signed up by phone, or an earlier seed), in one query per round;
        whoever still clashes after a few rounds goes without a phone."""
        pending = [(user, city) for user, city in zip(users, cities, strict=True)]
        for _ in range(self.RECHECKS + 1):
            pending = [(user, city) for user, city in pending if user.phone]
            if not pending:
                return
            taken = set(
                User.objects.filter(
                    phone__in=[user.phone for user, _ in pending]
                ).values_list("phone", flat=True)
            )
            pending = [(user, city) for user, city in pending if user.phone in taken]
            for user, city in pending:
                user.phone = self.draw(city)
                user.phone_verified = user.phone is not None
        for user, _ in pending:
            user.phone = None
            user.phone_verified = False


@dataclass
class PeopleBatch:
    """Unsaved rows that go to the database together."""

    users: list[User] = field(default_factory=list)
    cities: list[City] = field(default_factory=list)
    profiles: list[ProviderProfile] = field(default_factory=list)
    # The category each provider trades in, beside ``profiles``.
    trades: list[CategorySpec] = field(default_factory=list)
    provider_cities: list[City] = field(default_factory=list)
    addresses: list[SavedAddress] = field(default_factory=list)
    customers: int = 0

    def add_user(self, user: User, city: City) -> None:
        self.users.append(user)
        self.cities.append(city)

    def add_provider(
        self, profile: ProviderProfile, city: City, trade: CategorySpec
    ) -> None:
        self.add_user(profile.user, city)
        self.profiles.append(profile)
        self.trades.append(trade)
        self.provider_cities.append(city)

    def add_customer(
        self, user: User, addresses: list[SavedAddress], city: City
    ) -> None:
        self.add_user(user, city)
        self.addresses.extend(addresses)
        self.customers += 1


class PeopleFactory:
    """Makes believable, unsaved users, provider profiles and saved addresses.

    ``first_serial`` numbers the e-mail addresses (``li.na.17@example.com``); it
    must be above every serial used before, which the callers ensure by starting
    above the highest user id (each generated user takes at least one id).
    """

    def __init__(
        self,
        *,
        rng: random.Random,
        first_serial: int,
        password_hash: str,
        cities: Sequence[City] = CITIES,
    ) -> None:
        self.rng = rng
        self.phones = PhoneBook(rng)
        self._serial = first_serial
        self._password_hash = password_hash
        self._cities = list(cities)
        self._weights = [city.weight for city in self._cities]
        self._now = timezone.now()

    def city(self) -> City:
        return self.rng.choices(self._cities, self._weights)[0]

    def person(self, city: City) -> Person:
        rng, pool = self.rng, city.names
        surname, last = rng.choice(pool.surnames)
        given, first = rng.choice(pool.given)
        if not pool.chinese:
            name = f"{given} {surname}"
            return Person(name, surname, given, first, last, name)
        if pool.english_given and rng.random() < 0.4:
            english = rng.choice(pool.english_given)
            return Person(
                surname + given, surname, given, english, last, f"{english} {last}"
            )
        return Person(surname + given, surname, given, first, last, f"{last} {first}")

    def user(self, city: City, person: Person, *, phone_share: float = 1.0) -> User:
        rng = self.rng
        serial = self._serial
        self._serial += 1
        phone = self.phones.draw(city) if rng.random() < phone_share else None
        local = f"{_ascii_slug(person.first)}.{_ascii_slug(person.last)}.{serial}"
        age = timedelta(seconds=rng.randrange(int(MAX_ACCOUNT_AGE.total_seconds())))
        return User(
            email=f"{local}@{GENERATED_EMAIL_DOMAIN}",
            phone=phone,
            phone_verified=phone is not None,
            name=person.name,
            language=self._interface_language(city),
            time_zone=city.time_zone,
            password=self._password_hash,
            date_joined=self._now - age,
        )

    def _interface_language(self, city: City) -> str:
        draw = self.rng.random()
        for language, share in city.other_languages:
            if draw < share:
                return language
            draw -= share
        return city.language

    def provider(
        self,
        city: City | None = None,
        *,
        category: CategorySpec | None = None,
        display_name: str = "",
    ) -> ProviderProfile:
        """An unsaved profile whose ``user`` is unsaved too."""
        return self.provider_with_trade(
            city, category=category, display_name=display_name
        )[0]

    def provider_with_trade(
        self,
        city: City | None = None,
        *,
        category: CategorySpec | None = None,
        display_name: str = "",
    ) -> tuple[ProviderProfile, CategorySpec]:
        """``provider``, with the leaf category the provider trades in."""
        rng = self.rng
        city = city or self.city()
        category = category or rng.choice(SERVICE_CATEGORIES)
        person = self.person(city)
        user = self.user(city, person)
        place = rng.choice(city.neighbourhoods)
        latitude, longitude = scatter(
            rng, place.latitude, place.longitude, NEIGHBOURHOOD_SPREAD_KM
        )
        # Most people cover their part of town; a few drive across the city.
        radius = Decimal(round(rng.triangular(3, 25, 8) * 2)) / 2
        years = round(rng.triangular(1, 25, 4))
        spoken = [*city.spoken]
        spoken += [lang for lang, share in city.extra_spoken if rng.random() < share]
        profile = ProviderProfile(
            user=user,
            display_name=display_name or self.shop_name(city, person, category, place),
            bio=self.bio(city, category, place, years=years, radius_km=radius),
            languages=spoken,
            address=base_address(city, place),
            latitude=latitude,
            longitude=longitude,
            h3_cell=ProviderProfile.cell_for(latitude, longitude),
            service_radius_km=radius.quantize(Decimal("0.1")),
            years_experience=years,
            time_zone=city.time_zone,
        )
        return profile, category

    def shop_name(
        self, city: City, person: Person, category: CategorySpec, place: Neighbourhood
    ) -> str:
        rng, trade = self.rng, category.trade
        assert trade is not None, "only leaf categories are traded"
        if not city.names.chinese:
            pattern = rng.choice(EN_SHOP_NAMES[trade.honorific])
            return pattern.format(
                first=person.first, last=person.last, place=place.name, trade=trade.en
            )
        if rng.random() < city.english_shop_names:
            pattern = rng.choice(ROMANISED_SHOP_NAMES)
            return pattern.format(roman=person.roman, trade=trade.en)
        pattern = rng.choice(ZH_SHOP_NAMES[trade.honorific])
        titles = HONORIFICS[city.slug]
        return pattern.format(
            surname=person.surname,
            given=person.given,
            full=person.name,
            title=titles.get(trade.honorific, ""),
            place=place.name,
            trade=trade.zh_hans if city.language == "zh-hans" else trade.zh_hant,
        )

    def bio(
        self,
        city: City,
        category: CategorySpec,
        place: Neighbourhood,
        *,
        years: int,
        radius_km: Decimal,
    ) -> str:
        rng, language = self.rng, city.language
        trade = {
            "zh-hans": category.name_zh_hans,
            "zh-hant": category.name_zh_hant,
        }.get(language)
        if trade is None:
            assert category.trade is not None
            trade = category.trade.activity_en
        opening = rng.choice(BIO_OPENINGS[language]).format(
            trade=trade,
            years=years,
            place=place.name,
            radius=f"{radius_km:g}",
            miles=max(2, round(float(radius_km) * 0.621)),
        )
        sentences = rng.sample(BIO_SENTENCES[language], 2)
        separator = " " if language == "en" else ""
        return separator.join([opening, *sentences])

    def customer(self, city: City | None = None) -> tuple[User, list[SavedAddress]]:
        rng = self.rng
        city = city or self.city()
        user = self.user(city, self.person(city), phone_share=CUSTOMER_PHONE_SHARE)
        labels = ADDRESS_LABELS[user.language]
        chosen = [labels[0]]
        if rng.random() < 0.4:
            chosen.append(rng.choice(labels[1:]))
        addresses = []
        for position, label in enumerate(chosen):
            place = rng.choice(city.neighbourhoods)
            latitude, longitude = scatter(
                rng, place.latitude, place.longitude, NEIGHBOURHOOD_SPREAD_KM
            )
            addresses.append(
                SavedAddress(
                    user=user,
                    label=label,
                    address=street_address(rng, city, place),
                    latitude=latitude,
                    longitude=longitude,
                    is_default=position == 0,
                )
            )
        return user, addresses

    def staff_member(self, city: City) -> tuple[Person, User | None]:
        """An agency worker; about half have their own login."""
        person = self.person(city)
        if self.rng.random() < STAFF_LOGIN_SHARE:
            return person, self.user(city, person)
        return person, None

    def days_ago(self, low: int, high: int) -> date:
        return timezone.localdate() - timedelta(days=self.rng.randint(low, high))


def insert_people(batch: PeopleBatch, phones: PhoneBook) -> None:
    """Write a batch: users, then what points at them. Every user gets a verified
    primary e-mail address, so generated accounts can sign in like real ones."""
    phones.settle(batch.users, batch.cities)
    User.objects.bulk_create(batch.users, batch_size=BULK_BATCH_SIZE)
    ProviderProfile.objects.bulk_create(batch.profiles, batch_size=BULK_BATCH_SIZE)
    SavedAddress.objects.bulk_create(batch.addresses, batch_size=BULK_BATCH_SIZE)
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user=user, email=user.email, verified=True, primary=True)
            for user in batch.users
        ],
        batch_size=BULK_BATCH_SIZE,
    )


# --- Listings -------------------------------------------------------------------------

# How many published listings a demo provider has: (count, weight).
LISTINGS_PER_PROVIDER = ((1, 30), (2, 35), (3, 25), (4, 10))
VERIFIED_SHARE = 0.6
INSTANT_BOOK_SHARE = 0.5
PROMOTED_SHARE = 0.06
ADD_ON_SHARE = 0.45
SITE_LANGUAGES = ("en", "zh-hans", "zh-hant")
OFFERS_BY_CATEGORY: dict[str, tuple[OfferSpec, ...]] = {
    leaf.slug: tuple(offer for offer in OFFERS if offer.category == leaf.slug)
    for leaf in SERVICE_CATEGORIES
}
ROOT_OF: dict[str, CategorySpec] = {
    leaf.slug: root for root in CATEGORY_TREE for leaf in root.children
}


def _nice_price(major: float, currency: str) -> int:
    """Round to a price people charge: ¥139, NT$1,800, HK$390, $45."""
    steps = {
        "CNY": ((100, 1), (1000, 5), (None, 50)),
        "TWD": ((2000, 50), (None, 100)),
        "HKD": ((1000, 10), (None, 50)),
        "USD": ((50, 1), (300, 5), (None, 10)),
    }[currency]
    step = next(step for limit, step in steps if limit is None or major < limit)
    return max(step, round(major / step) * step)


def _text(city: City, *, en: str, zh_hans: str, zh_hant: str, zh_hk: str = "") -> str:
    if city.language == "zh-hans":
        return zh_hans
    if city.language == "zh-hant":
        return (city.hong_kong_words and zh_hk) or zh_hant
    return en


class ListingFactory:
    """Makes believable, unsaved listings (with add-ons) for a provider in the
    trade they work in, with a spread of reputations, and sets the provider's own
    reputation to match. ``add_ons`` collects the add-ons made so far; they point
    at unsaved listings and are written after them."""

    def __init__(
        self,
        *,
        rng: random.Random,
        category_ids: dict[str, int],
        now: datetime | None = None,
    ) -> None:
        self.rng = rng
        self.category_ids = category_ids
        self.now = now or timezone.now()
        self.add_ons: list[ListingAddOn] = []

    def for_provider(
        self,
        profile: ProviderProfile,
        city: City,
        trade: CategorySpec,
        *,
        count: int | None = None,
        with_add_ons: bool = True,
    ) -> list[Listing]:
        """``count`` published listings (1–4 at random if not given) and the
        provider's verification, completed jobs and response time."""
        rng = self.rng
        if count is None:
            counts, weights = zip(*LISTINGS_PER_PROVIDER, strict=True)
            count = rng.choices(counts, weights)[0]
        listings = [
            self.listing(profile, city, offer, with_add_ons=with_add_ons)
            for offer in self._offers(trade, count)
        ]
        # A reputation is earned, not drawn: completed jobs, response times and
        # ratings come from the orders and reviews the demo's history makes.
        profile.completed_jobs = 0
        profile.median_response_minutes = None
        profile.verified_at = (
            self.now - timedelta(days=rng.randint(7, 600))
            if rng.random() < VERIFIED_SHARE
            else None
        )
        return listings

    def _offers(self, trade: CategorySpec, count: int) -> list[OfferSpec]:
        """The provider's own trade first, then what neighbouring trades offer
        (a cleaner also cleans windows); repeats only when a seed asks for more
        listings than there are offers."""
        rng = self.rng
        own = list(OFFERS_BY_CATEGORY[trade.slug])
        rng.shuffle(own)
        siblings = [
            offer
            for leaf in ROOT_OF[trade.slug].children
            if leaf.slug != trade.slug
            for offer in OFFERS_BY_CATEGORY[leaf.slug]
        ]
        rng.shuffle(siblings)
        pool = own[: max(1, count - 1)] + siblings + own[max(1, count - 1) :]
        return [pool[index % len(pool)] for index in range(count)]

    def listing(
        self,
        profile: ProviderProfile,
        city: City,
        offer: OfferSpec,
        *,
        with_add_ons: bool = True,
        status: str = Listing.Status.PUBLISHED,
    ) -> Listing:
        rng = self.rng
        category = next(
            leaf for leaf in SERVICE_CATEGORIES if leaf.slug == offer.category
        )
        price_amount = None
        if offer.prices is not None:
            typical = offer.prices[MARKETS.index(city.currency)]
            major = _nice_price(typical * rng.uniform(0.85, 1.3), city.currency)
            price_amount = major * 10 ** minor_units(city.currency)
        joined = profile.user.date_joined or self.now
        published_at = joined + (self.now - joined) * rng.random()
        separator = " " if city.language == "en" else ""
        description = separator.join(
            [
                _text(
                    city,
                    en=category.description_en,
                    zh_hans=category.description_zh_hans,
                    zh_hant=category.description_zh_hant,
                ),
                rng.choice(LISTING_PROMISES[city.language]),
            ]
        )
        spoken = [code for code in profile.languages if code in SITE_LANGUAGES]
        listing = Listing(
            provider=profile,
            category_id=self.category_ids[offer.category],
            title=_text(
                city,
                en=offer.title_en,
                zh_hans=offer.title_zh_hans,
                zh_hant=offer.title_zh_hant,
                zh_hk=offer.title_zh_hk,
            ),
            description=description,
            pricing_model=offer.pricing,
            price_amount=price_amount,
            currency=city.currency,
            min_hours=offer.min_hours,
            duration_minutes=offer.duration_minutes,
            languages=spoken or [city.language],
            latitude=profile.latitude,
            longitude=profile.longitude,
            h3_cell=profile.h3_cell,
            service_radius_km=profile.service_radius_km,
            instant_book=rng.random() < INSTANT_BOOK_SHARE,
            response_window_hours=rng.choice((2, 4, 8, 12, 24)),
            status=status,
            published_at=published_at if status != Listing.Status.DRAFT else None,
            promoted_until=(
                self.now + timedelta(days=rng.randint(3, 30))
                if rng.random() < PROMOTED_SHARE
                else None
            ),
            rating_count=0,
            rating_mean=0.0,
        )
        if with_add_ons and rng.random() < ADD_ON_SHARE:
            self._add_ons(listing, city, offer)
        return listing

    def _add_ons(self, listing: Listing, city: City, offer: OfferSpec) -> None:
        rng = self.rng
        pool = ADD_ONS[ROOT_OF[offer.category].slug]
        chosen = rng.sample(pool, rng.randint(1, min(3, len(pool))))
        for position, spec in enumerate(chosen):
            major = _nice_price(
                spec.prices[MARKETS.index(city.currency)] * rng.uniform(0.9, 1.2),
                city.currency,
            )
            self.add_ons.append(
                ListingAddOn(
                    listing=listing,
                    name=_text(
                        city,
                        en=spec.name_en,
                        zh_hans=spec.name_zh_hans,
                        zh_hant=spec.name_zh_hant,
                    ),
                    price_amount=major * 10 ** minor_units(city.currency),
                    extra_minutes=spec.extra_minutes,
                    position=position,
                )
            )


def insert_listings(
    listings: Sequence[Listing], add_ons: Sequence[ListingAddOn]
) -> None:
    """Write listings, then their add-ons. No search documents: callers index."""
    Listing.objects.bulk_create(listings, batch_size=BULK_BATCH_SIZE)
    ListingAddOn.objects.bulk_create(add_ons, batch_size=BULK_BATCH_SIZE)


def category_ids() -> dict[str, int]:
    return dict(Category.objects.values_list("slug", "pk"))


@transaction.atomic
def ensure_catalogue_services() -> int:
    """The platform's own fixed-price services, once; returns how many were made."""
    if CatalogueService.objects.exists():
        return 0
    leaves = {leaf.slug: leaf for leaf in SERVICE_CATEGORIES}
    ids = category_ids()
    services = CatalogueService.objects.bulk_create(
        CatalogueService(
            category_id=ids[spec.category],
            title_en=spec.title_en,
            title_zh_hans=spec.title_zh_hans,
            title_zh_hant=spec.title_zh_hant,
            description_en=leaves[spec.category].description_en,
            description_zh_hans=leaves[spec.category].description_zh_hans,
            description_zh_hant=leaves[spec.category].description_zh_hant,
            price_amount=spec.price_cny * 10 ** minor_units("CNY"),
            currency="CNY",
            duration_minutes=spec.duration_minutes,
        )
        for spec in CATALOGUE_SERVICES
    )
    return len(services)


# --- Working hours ------------------------------------------------------------------

MONDAY_TO_FRIDAY, WEEKEND = (0, 1, 2, 3, 4), (5, 6)
# Weekly patterns, each with how common it is: {weekdays: ranges of local time}.
WEEKLY_PATTERNS = (
    (3, {(*MONDAY_TO_FRIDAY, 5): (("09:00", "18:00"),)}),
    (3, {MONDAY_TO_FRIDAY: (("09:00", "18:00"),)}),
    (
        2,
        {
            MONDAY_TO_FRIDAY: (("08:30", "12:00"), ("13:30", "18:00")),
            (5,): (("09:00", "17:00"),),
        },
    ),
    (1, {(1, 2, 3, 4, *WEEKEND): (("10:00", "19:00"),)}),
    (1, {MONDAY_TO_FRIDAY: (("18:00", "21:30"),), WEEKEND: (("09:00", "18:00"),)}),
    (1, {(*MONDAY_TO_FRIDAY, *WEEKEND): (("08:00", "20:00"),)}),
)
# For services longer than any pattern's day (overnight care): always available.
ROUND_THE_CLOCK = {(*MONDAY_TO_FRIDAY, *WEEKEND): (("00:00", "23:59"),)}
HOLIDAY_COUNTRIES = {
    "Asia/Shanghai": "CN",
    "Asia/Taipei": "TW",
    "Asia/Hong_Kong": "HK",
    "America/Los_Angeles": "US",
    "America/New_York": "US",
}


def _longest_range(pattern: dict) -> int:
    return max(
        (end.hour - start.hour) * 60 + end.minute - start.minute
        for ranges in pattern.values()
        for start, end in ranges
    )


def _clock_pattern(pattern: dict) -> dict:
    return {
        weekdays: tuple(tuple(map(time.fromisoformat, span)) for span in ranges)
        for weekdays, ranges in pattern.items()
    }


def give_availability(
    profiles: Iterable[ProviderProfile], *, seed: object, demo: bool = False
) -> int:
    """Give saved ``profiles`` believable weekly hours, long enough for their
    longest service, so they can be booked; with ``demo``, also a booking policy
    and a day off and a short day in the coming weeks (without, the policy's
    defaults apply). Its own generator (from ``seed``) leaves the other
    generators' draws alone. Returns the rows written."""
    rng = random.Random(f"{seed}:hours")
    profiles = list(profiles)
    longest_job: dict[int, int] = {}
    for provider_id, pricing, minutes, hours in Listing.objects.filter(
        provider_id__in=[profile.pk for profile in profiles]
    ).values_list("provider_id", "pricing_model", "duration_minutes", "min_hours"):
        minutes = hours * 60 if pricing == "hourly" else minutes
        longest_job[provider_id] = max(longest_job.get(provider_id, 0), minutes)
    patterns = [(w, _clock_pattern(pattern)) for w, pattern in WEEKLY_PATTERNS]
    round_the_clock = _clock_pattern(ROUND_THE_CLOCK)
    rules, policies, days_off = [], [], []
    today = timezone.localdate()
    for profile in profiles:
        fitting = [
            (weight, pattern)
            for weight, pattern in patterns
            if _longest_range(pattern) >= longest_job.get(profile.pk, 0)
        ] or [(1, round_the_clock)]
        pattern = rng.choices(
            [pattern for _weight, pattern in fitting],
            [weight for weight, _pattern in fitting],
        )[0]
        rules += [
            AvailabilityRule(
                provider_id=profile.pk,
                staff_id=None,
                weekday=weekday,
                start_time=start,
                end_time=end,
            )
            for weekdays, ranges in pattern.items()
            for weekday in weekdays
            for start, end in ranges
        ]
        if not demo:
            continue
        country = HOLIDAY_COUNTRIES.get(profile.time_zone, "")
        policies.append(
            SchedulingPolicy(
                provider=profile,
                buffer_before_minutes=rng.choice([0, 0, 15, 30]),
                buffer_after_minutes=rng.choice([15, 30, 30, 45, 60]),
                min_lead_minutes=rng.choice([60, 120, 120, 240, 1440]),
                max_days_ahead=rng.choice([30, 60, 60, 90]),
                max_jobs_per_day=rng.choice([None, None, 3, 4, 6]),
                holidays_off=bool(country) and rng.random() < 0.4,
                holiday_country=country,
            )
        )
        days_off += [
            AvailabilityException(
                provider=profile,
                date=today + timedelta(days=rng.randint(5, 25)),
                kind="off",
                note="Family day",
            ),
            AvailabilityException(
                provider=profile,
                date=today + timedelta(days=rng.randint(3, 20)),
                kind="off",
                start_time=time(15),
                end_time=time(23, 59),
                note="Appointment",
            ),
        ]
    AvailabilityRule.objects.bulk_create(rules, batch_size=BULK_BATCH_SIZE)
    SchedulingPolicy.objects.bulk_create(policies, batch_size=BULK_BATCH_SIZE)
    AvailabilityException.objects.bulk_create(days_off, batch_size=BULK_BATCH_SIZE)
    return len(rules) + len(policies) + len(days_off)


# --- The demo marketplace -----------------------------------------------------------


class DemoError(Exception):
    pass


def _demo_logins(password_hash: str) -> dict[str, User]:
    """The three published accounts, each with a verified e-mail address."""
    emails = {login.role: login.email for login in DEMO_LOGINS}
    users = {
        "customer": User(
            email=emails["customer"],
            name="Demo Customer",
            time_zone="Asia/Shanghai",
        ),
        "provider": User(
            email=emails["provider"],
            name="王丽",
            time_zone="Asia/Shanghai",
        ),
        "ops": User(
            email=emails["ops"],
            name="Demo Ops",
            is_staff=True,
            is_superuser=True,
        ),
    }
    for user in users.values():
        user.password = password_hash
        user.save()
        EmailAddress.objects.create(
            user=user, email=user.email, verified=True, primary=True
        )
    users["ops"].groups.add(Group.objects.get_or_create(name=OpsRole.ADMIN)[0])
    SavedAddress.objects.bulk_create(
        [
            SavedAddress(
                user=users["customer"],
                label="Home",
                address="上海市静安区愚园路168号1502室",
                latitude=31.2230,
                longitude=121.4420,
                is_default=True,
            ),
            SavedAddress(
                user=users["customer"],
                label="Office",
                address="上海市浦东新区世纪大道100号36楼",
                latitude=31.2345,
                longitude=121.5055,
            ),
        ]
    )
    latitude, longitude = 31.2235, 121.4457  # 静安寺
    ProviderProfile.objects.create(
        user=users["provider"],
        display_name="安心到家家政服务",
        bio=DEMO_PROVIDER_BIO,
        languages=["zh-hans", "en"],
        address="上海市静安区静安寺",
        latitude=latitude,
        longitude=longitude,
        h3_cell=ProviderProfile.cell_for(latitude, longitude),
        service_radius_km=Decimal(10),
        years_experience=8,
        time_zone="Asia/Shanghai",
    )
    TOTP.activate(users["ops"], DEMO_TOTP_SECRET)
    return users


def demo_totp_url(user: User) -> str:
    """The otpauth:// URL an authenticator app can import (or a QR code encode)."""
    return get_mfa_adapter().build_totp_url(user, DEMO_TOTP_SECRET)


def ops_has_totp(user: User) -> bool:
    return Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()


def build_demo(
    *,
    seed: int = DEMO_SEED,
    providers: int = DEMO_PROVIDERS,
    customers: int = DEMO_CUSTOMERS,
    orders: int = DEMO_ORDERS,
    now: datetime | None = None,
) -> BuildReport:
    """Build the demo marketplace into a database that has no users yet: its
    people and listings (in one transaction), then ``orders`` stories of its
    past through the real services (``demo.history``; none with 0, and then no
    photos either), then the search index.

    ``providers`` counts generated providers (agency owners included), on top of
    the demo provider login. The same seed gives the same people and listings.
    Raises ``DemoError`` if there are users already: the demo never mixes into
    real data. The history commits as it goes, as production would, so it must
    not run inside a transaction (a test needs ``transaction=True``).
    """
    report, logins = _build_people_and_listings(
        seed=seed, providers=providers, customers=customers
    )
    report.dispatch = build_dispatch_world(seed=seed, logins=logins)
    # Taxes before the past, so that its orders are priced with them.
    report.money = seed_tax_regions(now=now or timezone.now())
    if orders:
        report.history = build_history(logins=logins, seed=seed, orders=orders, now=now)
        # Campaigns, codes, referrals and points: right after the past, so the
        # sweeps settle its completed orders and later stories see balances.
        report.growth = seed_growth(logins=logins, seed=seed, now=now or timezone.now())
        report.trust = build_trust_badges(logins=logins, now=now)
        seed_integrity_flags(logins=logins, now=now or timezone.now())
        # Standards enforcement (trust): an appeal, upheld complaints, a restriction.
        report.standards = seed_standards(logins=logins, quiet=_quiet_settings())
    applicants = build_onboarding(
        logins=logins, password_hash=logins["provider"].password, now=now
    )
    report.dispatch.vetted = vet_workers(ops=logins["ops"], now=now or timezone.now())
    report.users += applicants
    report.providers += applicants
    report.listings += applicants
    # The applicants work hours too (the approved ones take bookings now).
    give_availability(
        ProviderProfile.objects.exclude(
            pk__in=AvailabilityRule.objects.values("provider_id")
        ),
        seed=(seed, "applicants"),
        demo=True,
    )
    if orders:
        # Dispatched orders: after the marketplace's own past, on its own clock.
        build_dispatch_history(
            logins=logins, seed=seed, now=now or timezone.now(), report=report.dispatch
        )
        report.support = seed_support(
            logins=logins, seed=seed, now=now or timezone.now()
        )
        # Requests for quotes: after the past, so calendars hold its bookings.
        report.quotes = seed_quote_requests(
            logins=logins, seed=seed, now=now or timezone.now()
        )
        seed_promotions(logins=logins, seed=seed, now=now or timezone.now())
        report.money.update(
            seed_plans(logins=logins, seed=seed, now=now or timezone.now())
        )
        # Regular customers: series begun weeks ago, their past visits served.
        report.recurring = seed_recurring(
            logins=logins, seed=seed, now=now or timezone.now()
        )
        # A webhook endpoint (turned off) with a delivery log of its orders.
        report.money.update(seed_webhooks(logins=logins, now=now or timezone.now()))
    report.support.update(seed_help_centre(logins=logins, now=now or timezone.now()))
    report.indexed = rebuild_index()
    # Saved services and what customers looked at, then the neighbours.
    report.favourites = seed_favourites(
        logins=logins, seed=seed, now=now or timezone.now()
    )
    # The dashboard's rollups, from the finished past: its figures then match
    # the orders behind them (``doorstep analytics rebuild`` does the same).
    rebuild_analytics()
    return report


@transaction.atomic
def _build_people_and_listings(
    *, seed: int, providers: int, customers: int
) -> tuple[BuildReport, dict[str, User]]:
    if User.objects.exists():
        raise DemoError("The database already has users.")
    report = BuildReport(categories=ensure_category_tree())
    password_hash = make_password(DEMO_PASSWORD)
    logins = _demo_logins(password_hash)
    rng = random.Random(seed)
    # The database had no users, so no e-mail serial has been used yet.
    factory = PeopleFactory(rng=rng, first_serial=1, password_hash=password_hash)
    categories = {spec.slug: spec for spec in SERVICE_CATEGORIES}
    batch = PeopleBatch()

    owners: list[ProviderProfile] = []
    crews: list[list[tuple[Person, User | None]]] = []
    for spec in AGENCIES:
        city = CITIES_BY_SLUG[spec.city]
        if spec.owned_by_demo_provider:
            owner = logins["provider"].provider_profile
        else:
            owner, trade = factory.provider_with_trade(
                city, category=categories[spec.category], display_name=spec.name
            )
            batch.add_provider(owner, city, trade)
        crew = [factory.staff_member(city) for _ in range(spec.staff - 1)]
        for _person, user in crew:
            if user is not None:
                batch.add_user(user, city)
        owners.append(owner)
        crews.append(crew)
    while len(batch.profiles) < providers:
        city = factory.city()
        profile, trade = factory.provider_with_trade(city)
        batch.add_provider(profile, city, trade)
    for _ in range(customers):
        city = factory.city()
        user, addresses = factory.customer(city)
        batch.add_customer(user, addresses, city)
    # Listings draw from their own generator, so adding or changing them leaves
    # the people of a seed as they were.
    listing_factory = ListingFactory(
        rng=random.Random(f"{seed}:listings"), category_ids=category_ids()
    )
    listings = [
        listing
        for profile, city, trade in zip(
            batch.profiles, batch.provider_cities, batch.trades, strict=True
        )
        for listing in listing_factory.for_provider(profile, city, trade)
    ]
    listings += _demo_provider_listings(logins["provider"], listing_factory)
    insert_people(batch, factory.phones)
    insert_listings(listings, listing_factory.add_ons)

    agencies = Agency.objects.bulk_create(
        [
            Agency(name=spec.name, owner=owner.user)
            for spec, owner in zip(AGENCIES, owners, strict=True)
        ]
    )
    for agency, owner in zip(agencies, owners, strict=True):
        owner.agency = agency
    ProviderProfile.objects.bulk_update(owners, ["agency"])
    staff = []
    for agency, owner, crew in zip(agencies, owners, crews, strict=True):
        staff.append(
            StaffMember(
                agency=agency,
                user=owner.user,
                display_name=owner.user.name,
                role=StaffMember.Role.MANAGER,
                joined_at=factory.days_ago(700, 1500),
            )
        )
        staff += [
            StaffMember(
                agency=agency,
                user=user,
                display_name=person.name,
                joined_at=factory.days_ago(14, 700),
            )
            for person, user in crew
        ]
    StaffMember.objects.bulk_create(staff)
    give_availability(ProviderProfile.objects.all(), seed=seed, demo=True)

    report.users = len(batch.users) + len(logins)
    report.providers = len(batch.profiles) + 1
    report.customers = batch.customers + 1
    report.addresses = len(batch.addresses) + 2
    report.agencies = len(agencies)
    report.staff = len(staff)
    report.listings = len(listings)
    report.add_ons = len(listing_factory.add_ons)
    report.catalogue_services = ensure_catalogue_services()
    add_staff_login(logins=logins)
    publish_demo_policies(ops=logins["ops"], now=listing_factory.now)
    return report, logins


def _demo_provider_listings(
    user: User, listing_factory: ListingFactory
) -> list[Listing]:
    """The demo provider login's cleaning services: four published and one draft,
    so the dashboard shows both."""
    profile = user.provider_profile
    shanghai = CITIES_BY_SLUG["shanghai"]
    trade = next(
        leaf for leaf in SERVICE_CATEGORIES if leaf.slug == "standard-cleaning"
    )
    listings = listing_factory.for_provider(profile, shanghai, trade, count=4)
    profile.verified_at = listing_factory.now - timedelta(days=200)
    profile.save(
        update_fields=["completed_jobs", "median_response_minutes", "verified_at"]
    )
    offered = {listing.title for listing in listings}
    spare = next(
        offer
        for offer in OFFERS
        if offer.category in ("move-cleaning", "window-cleaning")
        and offer.title_zh_hans not in offered
    )
    draft = listing_factory.listing(
        profile, shanghai, spare, with_add_ons=False, status=Listing.Status.DRAFT
    )
    draft.promoted_until = None
    return [*listings, draft]


# --- Bulk seeding -------------------------------------------------------------------


def seed_people(
    *,
    providers: int,
    customers: int = 0,
    cities: Sequence[str] = (),
    seed: int = DEMO_SEED,
    batch_size: int = SEED_BATCH_SIZE,
    listings_per_provider: int = 0,
    on_progress: Callable[[int], None] | None = None,
) -> BuildReport:
    """Add ``providers`` providers and ``customers`` customers, for benchmarks,
    and ``listings_per_provider`` published listings (without add-ons) for each
    new provider, in their trade and their city's currency.

    Can run any number of times: e-mail serials start above the highest user id,
    and phone numbers are checked against the database. Each batch is its own
    transaction, so an interrupted run keeps what it finished. The category tree is
    created first if it is missing. ``on_progress`` gets the people written per
    batch. Listings are not indexed: run ``doorstep reindex`` afterwards. Raises
    ``KeyError`` for an unknown city slug.
    """
    chosen = [CITIES_BY_SLUG[slug] for slug in cities] or list(CITIES)
    report = BuildReport(categories=ensure_category_tree())
    first_serial = (User.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    factory = PeopleFactory(
        rng=random.Random(f"{seed}:{first_serial}"),
        first_serial=first_serial,
        password_hash=make_password(DEMO_PASSWORD),
        cities=chosen,
    )
    listing_factory = ListingFactory(
        rng=random.Random(f"{seed}:{first_serial}:listings"),
        category_ids=category_ids(),
    )
    left_providers, left_customers = providers, customers
    while left_providers or left_customers:
        batch = PeopleBatch()
        for _ in range(min(left_providers, batch_size)):
            city = factory.city()
            profile, trade = factory.provider_with_trade(city)
            batch.add_provider(profile, city, trade)
        for _ in range(min(left_customers, batch_size - len(batch.users))):
            city = factory.city()
            user, addresses = factory.customer(city)
            batch.add_customer(user, addresses, city)
        listings = []
        if listings_per_provider:
            listings = [
                listing
                for profile, city, trade in zip(
                    batch.profiles, batch.provider_cities, batch.trades, strict=True
                )
                for listing in listing_factory.for_provider(
                    profile,
                    city,
                    trade,
                    count=listings_per_provider,
                    with_add_ons=False,
                )
            ]
        with transaction.atomic():
            insert_people(batch, factory.phones)
            insert_listings(listings, [])
            give_availability(batch.profiles, seed=(seed, first_serial, report.users))
        report.listings += len(listings)
        left_providers -= len(batch.profiles)
        left_customers -= batch.customers
        report.users += len(batch.users)
        report.providers += len(batch.profiles)
        report.customers += batch.customers
        report.addresses += len(batch.addresses)
        if on_progress is not None:
            on_progress(len(batch.users))
    return report
