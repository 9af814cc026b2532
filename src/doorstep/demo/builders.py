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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
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
from doorstep.catalog.models import Category
from doorstep.demo.data import (
    ADDRESS_LABELS,
    AGENCIES,
    BIO_OPENINGS,
    BIO_SENTENCES,
    CATEGORY_TREE,
    CITIES,
    CITIES_BY_SLUG,
    DEMO_PROVIDER_BIO,
    EN_SHOP_NAMES,
    HONORIFICS,
    ROMANISED_SHOP_NAMES,
    SERVICE_CATEGORIES,
    ZH_SHOP_NAMES,
    AddressStyle,
    CategorySpec,
    City,
    Neighbourhood,
)

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

    def rows(self) -> int:
        """Rows inserted: each user comes with an e-mail address row, and
        customers are users, so they are not counted twice."""
        return (
            self.categories
            + 2 * self.users
            + self.providers
            + self.addresses
            + self.agencies
            + self.staff
        )


# --- Categories ---------------------------------------------------------------------


def _category(spec: CategorySpec, *, position: int, parent_id: int | None) -> Category:
    return Category(
        slug=spec.slug,
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
        _category(spec, position=position, parent_id=None)
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
        _category(child, position=position, parent_id=root_ids[root.slug])
        for root in CATEGORY_TREE
        for position, child in enumerate(root.children, start=1)
        if child.slug not in existing
    ]
    Category.objects.bulk_create(children)
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
    addresses: list[SavedAddress] = field(default_factory=list)
    customers: int = 0

    def add_user(self, user: User, city: City) -> None:
        self.users.append(user)
        self.cities.append(city)

    def add_provider(self, profile: ProviderProfile, city: City) -> None:
        self.add_user(profile.user, city)
        self.profiles.append(profile)

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
        return ProviderProfile(
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


@transaction.atomic
def build_demo(
    *,
    seed: int = DEMO_SEED,
    providers: int = DEMO_PROVIDERS,
    customers: int = DEMO_CUSTOMERS,
) -> BuildReport:
    """Build the demo marketplace into a database that has no users yet.

    ``providers`` counts generated providers (agency owners included), on top of
    the demo provider login. The same seed gives the same content. Raises
    ``DemoError`` if there are users already: the demo never mixes into real data.
    """
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
            owner = factory.provider(
                city, category=categories[spec.category], display_name=spec.name
            )
            batch.add_provider(owner, city)
        crew = [factory.staff_member(city) for _ in range(spec.staff - 1)]
        for _person, user in crew:
            if user is not None:
                batch.add_user(user, city)
        owners.append(owner)
        crews.append(crew)
    while len(batch.profiles) < providers:
        city = factory.city()
        batch.add_provider(factory.provider(city), city)
    for _ in range(customers):
        city = factory.city()
        user, addresses = factory.customer(city)
        batch.add_customer(user, addresses, city)
    insert_people(batch, factory.phones)

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

    report.users = len(batch.users) + len(logins)
    report.providers = len(batch.profiles) + 1
    report.customers = batch.customers + 1
    report.addresses = len(batch.addresses) + 2
    report.agencies = len(agencies)
    report.staff = len(staff)
    return report


# --- Bulk seeding -------------------------------------------------------------------


def seed_people(
    *,
    providers: int,
    customers: int = 0,
    cities: Sequence[str] = (),
    seed: int = DEMO_SEED,
    batch_size: int = SEED_BATCH_SIZE,
    on_progress: Callable[[int], None] | None = None,
) -> BuildReport:
    """Add ``providers`` providers and ``customers`` customers, for benchmarks.

    Can run any number of times: e-mail serials start above the highest user id,
    and phone numbers are checked against the database. Each batch is its own
    transaction, so an interrupted run keeps what it finished. The category tree is
    created first if it is missing. ``on_progress`` gets the people written per
    batch. Raises ``KeyError`` for an unknown city slug.
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
    left_providers, left_customers = providers, customers
    while left_providers or left_customers:
        batch = PeopleBatch()
        for _ in range(min(left_providers, batch_size)):
            city = factory.city()
            batch.add_provider(factory.provider(city), city)
        for _ in range(min(left_customers, batch_size - len(batch.users))):
            city = factory.city()
            user, addresses = factory.customer(city)
            batch.add_customer(user, addresses, city)
        with transaction.atomic():
            insert_people(batch, factory.phones)
        left_providers -= len(batch.profiles)
        left_customers -= batch.customers
        report.users += len(batch.users)
        report.providers += len(batch.profiles)
        report.customers += batch.customers
        report.addresses += len(batch.addresses)
        if on_progress is not None:
            on_progress(len(batch.users))
    return report
