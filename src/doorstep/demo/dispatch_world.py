"""The demo's platform dispatch: every city sells the catalogue services at a
local price, the agencies' staff and some independent providers take platform
jobs (``dispatch.Worker``), the promises are set (``dispatch.SlaPolicy``), and
a fortnight of dispatched orders is told through the real services — placed and
paid on the sandbox, offered, accepted, on the way, started with the customer's
code, delivered, confirmed and reviewed — with today's live cases: a job for the
demo staff login later today, one order still being offered, one escalated
(nobody free) and one expired.
"""

import logging
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.db import transaction
from django.test import override_settings

from doorstep.accounts.models import SavedAddress, StaffMember, User
from doorstep.catalog.models import CatalogueService, Category, Listing
from doorstep.core.errors import DomainError
from doorstep.core.geo import distance_km
from doorstep.core.money import minor_units
from doorstep.demo.clock import moved_clock
from doorstep.demo.data import AGENCIES, CATALOGUE_SERVICES, CITIES_BY_SLUG
from doorstep.dispatch import cascade
from doorstep.dispatch.booking import place_dispatch_order
from doorstep.dispatch.models import Offer, ServiceInCity, SlaPolicy, Worker
from doorstep.marketplace.models import City
from doorstep.orders.engine import fire_due_timers
from doorstep.orders.models import Order
from doorstep.orders.services import transition_order
from doorstep.orders.states import OrderState
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.reviews.services import submit_review
from doorstep.scheduling.models import AvailabilityRule, TimeClaim
from doorstep.trust.models import DocumentStatus

logger = logging.getLogger(__name__)

STAFF_LOGIN_EMAIL = "staff@demo.doorstep.dev"
STAFF_LOGIN_NAME = "陈静"
TEST_CARD = "4242424242424242"
# CNY catalogue prices in each market's money, before rounding to a price
# people charge (roughly what the same service costs there).
PRICE_FACTORS = {"CNY": 1.0, "TWD": 5.0, "HKD": 1.6, "USD": 0.6}
ON_DUTY_SHARE = 0.6
# Independent providers opted into dispatch, per city and catalogue category.
INDEPENDENTS_PER_CATEGORY = 2
HISTORY_DAYS = 12
# Nobody takes evening babysitting through the platform in San Francisco (yet):
# the demo's orders that no one could be found for.
UNSERVED = {"san-francisco": "babysitting"}
KM_PER_DEGREE = 111.32


@dataclass
class DispatchReport:
    services_in_cities: int = 0
    workers: int = 0
    vetted: int = 0
    orders: int = 0
    reviews: int = 0
    endings: dict[str, int] = field(default_factory=dict)


# --- The world ------------------------------------------------------------------------


def add_staff_login(*, logins: dict[str, User]) -> User:
    """The demo staff login: a worker of the demo provider's agency in Shanghai."""
    owner = logins["provider"]
    user = User.objects.create(
        email=STAFF_LOGIN_EMAIL,
        name=STAFF_LOGIN_NAME,
        password=owner.password,
        time_zone="Asia/Shanghai",
        language="zh-hans",
    )
    EmailAddress.objects.create(
        user=user, email=user.email, verified=True, primary=True
    )
    staff = StaffMember.objects.create(
        agency=owner.provider_profile.agency,
        user=user,
        display_name=user.name,
        languages=["zh-hans"],
    )
    # Her own working hours (day shifts), so her job of the day fits them
    # whatever hours the demo drew for the agency.
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            provider=owner.provider_profile,
            staff=staff,
            weekday=weekday,
            start_time=time(8, 0),
            end_time=time(20, 0),
        )
        for weekday in range(7)
    )
    logins["staff"] = user
    return user


def staff_job_start(now: datetime, worker: Worker, minutes: int) -> datetime:
    """The staff login's job: the first hour from about three hours from now,
    inside her day shift (Shanghai time), when her calendar is free (an hour
    for the way there included)."""
    zone = ZoneInfo("Asia/Shanghai")
    start = (now + timedelta(hours=3)).astimezone(zone)
    start = start.replace(minute=0, second=0, microsecond=0)
    for _ in range(24 * 7):
        if (
            8 <= start.hour <= 16
            and not TimeClaim.objects.filter(
                provider_id=worker.provider_id,
                staff_key=worker.staff_key,
                released_at__isnull=True,
                starts_at__lt=start + timedelta(minutes=minutes),
                ends_at__gt=start - timedelta(hours=1),
            ).exists()
        ):
            return start
        start += timedelta(hours=1)
    return start


def _price(price_cny: int, currency: str) -> int:
    from doorstep.demo.builders import _nice_price

    major = _nice_price(price_cny * PRICE_FACTORS.get(currency, 1.0), currency)
    return major * 10 ** minor_units(currency)


def _near(rng: random.Random, point: tuple[float, float], km: float):
    distance = km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    return (
        point[0] + distance * math.cos(angle) / KM_PER_DEGREE,
        point[1]
        + distance
        * math.sin(angle)
        / (KM_PER_DEGREE * math.cos(math.radians(point[0]))),
    )


@transaction.atomic
def build_dispatch_world(*, seed: object, logins: dict[str, User]) -> DispatchReport:
    """Services on sale in every city, the promises, and the workers."""
    rng = random.Random(f"{seed}:dispatch")
    report = DispatchReport()
    cities = list(City.objects.filter(slug__in=CITIES_BY_SLUG))
    prices = {spec.title_en: spec.price_cny for spec in CATALOGUE_SERVICES}
    services = list(CatalogueService.objects.select_related("category"))
    # Like the catalogue itself, made once (a demo built again after its people
    # were wiped keeps them).
    on_sale = set(ServiceInCity.objects.values_list("service_id", "city_id"))
    report.services_in_cities = len(
        ServiceInCity.objects.bulk_create(
            ServiceInCity(
                service=service,
                city=city,
                price_amount=_price(prices.get(service.title_en, 100), city.currency),
                currency=city.currency,
                # Long jobs are booked for a time, not sent at once.
                offers_asap=service.duration_minutes <= 180,
            )
            for city in cities
            for service in services
            if (service.pk, city.pk) not in on_sale
        )
    )
    aircon = Category.objects.filter(slug="aircon-repair").first()
    shanghai = next((city for city in cities if city.slug == "shanghai"), None)
    SlaPolicy.objects.get_or_create(
        city=None,
        category=None,
        defaults={
            "respond_minutes": 30,
            "arrive_minutes": 120,
            "compensation_bps": 1000,
        },
    )
    if aircon and shanghai:
        # "At the door in 90 minutes" for air conditioners in Shanghai's summer.
        SlaPolicy.objects.get_or_create(
            city=shanghai,
            category=aircon,
            defaults={
                "respond_minutes": 15,
                "arrive_minutes": 90,
                "compensation_bps": 1000,
            },
        )
    report.workers = _agency_workers(rng) + _independent_workers(rng, services)
    staff_worker = Worker.objects.filter(staff__user=logins.get("staff")).first()
    if staff_worker is not None:
        staff_worker.is_on_duty = True
        staff_worker.save(update_fields=["is_on_duty"])
    return report


def _trades(category: Category, catalogue: set[int]) -> list[int]:
    """An agency's trade and the catalogue categories beside it (same parent)."""
    siblings = Category.objects.filter(parent_id=category.parent_id).values_list(
        "pk", flat=True
    )
    return sorted({category.pk, *(pk for pk in siblings if pk in catalogue)})


def _agency_workers(rng: random.Random) -> int:
    catalogue = set(CatalogueService.objects.values_list("category_id", flat=True))
    categories = {category.slug: category for category in Category.objects.all()}
    count = 0
    for spec in AGENCIES:
        members = StaffMember.objects.filter(
            agency__name=spec.name,
            role=StaffMember.Role.WORKER,
            user__isnull=False,
        ).select_related("agency__owner__provider_profile")
        skills = _trades(categories[spec.category], catalogue)
        for member in members:
            owner = member.agency.owner.provider_profile
            base = _near(rng, (owner.latitude, owner.longitude), 3)
            worker = Worker.objects.create(
                provider=owner,
                staff=member,
                display_name=member.display_name,
                base_latitude=base[0],
                base_longitude=base[1],
                service_radius_km=rng.choice((8, 10, 12, 15)),
                is_on_duty=rng.random() < ON_DUTY_SHARE,
            )
            worker.categories.set(skills)
            count += 1
    return count


def _independent_workers(rng: random.Random, services: list[CatalogueService]) -> int:
    count = 0
    taken: set[int] = set()
    for city_spec in CITIES_BY_SLUG.values():
        centre = (city_spec.latitude, city_spec.longitude)
        unserved = UNSERVED.get(city_spec.slug)
        for service in services:
            if service.category.slug == unserved:
                continue
            listings = (
                Listing.objects.filter(
                    category=service.category,
                    status=Listing.Status.PUBLISHED,
                    provider__agency__isnull=True,
                )
                .exclude(provider_id__in=taken)
                .select_related("provider")
                .order_by("provider_id")
            )
            found = 0
            for listing in listings:
                provider = listing.provider
                if provider.pk in taken:
                    continue  # two listings in the category
                if distance_km(provider.latitude, provider.longitude, *centre) > 40:
                    continue
                taken.add(provider.pk)
                worker = Worker.objects.create(
                    provider=provider,
                    display_name=provider.display_name,
                    base_latitude=provider.latitude,
                    base_longitude=provider.longitude,
                    service_radius_km=provider.service_radius_km or 10,
                    is_on_duty=rng.random() < ON_DUTY_SHARE,
                )
                worker.categories.set(
                    set(
                        provider.listings.exclude(category__slug=unserved).values_list(
                            "category_id", flat=True
                        )
                    )
                )
                count += 1
                found += 1
                if found >= INDEPENDENTS_PER_CATEGORY:
                    break
    return count


def vet_workers(*, ops: User, now: datetime) -> int:
    """Ops' vetting of everyone who takes platform jobs, months ago: each
    independent worker's documents for their trades uploaded, submitted and
    approved (``demo.onboarding.verify_provider``), each staff member's own
    documents uploaded by the agency and approved — through the trust
    services, so the dispatcher offers jobs only to the vetted, as the
    operator's settings ask. Returns how many workers were vetted."""
    from doorstep.demo.onboarding import specimen_pdf, verify_provider
    from doorstep.trust import queries as trust_queries
    from doorstep.trust import services as trust

    vetted_at = now - timedelta(days=150)
    count = 0
    independents = Worker.objects.filter(staff__isnull=True).select_related(
        "provider__user"
    )
    for worker in independents:
        provider = worker.provider
        if trust_queries.missing_requirements(provider):
            verify_provider(provider.user, ops, now=vetted_at)
        count += 1
    members = StaffMember.objects.filter(dispatch_worker__isnull=False).select_related(
        "agency__owner__provider_profile"
    )
    for member in members:
        held = {
            document.document_type_id
            for document in member.documents.filter(status=DocumentStatus.APPROVED)
        }
        for requirement in trust_queries.staff_requirements_for(member):
            if not requirement.mandatory or requirement.document_type_id in held:
                continue
            kind = requirement.document_type
            document = trust.upload_staff_document(
                staff=member,
                requirement_id=requirement.pk,
                upload=specimen_pdf(kind.name_en),
                number=f"{kind.code[:2].upper()}{member.pk:06d}"
                if kind.has_number
                else "",
                expires_on=(vetted_at + timedelta(days=730)).date()
                if kind.has_expiry
                else None,
                now=vetted_at,
            )
            trust.review_document(
                actor=ops, document_id=document.public_id, approve=True, now=vetted_at
            )
            held.add(requirement.document_type_id)
        count += 1
    return count


# --- The history ----------------------------------------------------------------------


class DispatchStories:
    """Each story runs whole before the next starts (they are hours apart), on
    the moved clock, through the same services the web and the API call."""

    def __init__(self, *, clock, rng: random.Random, report: DispatchReport) -> None:
        self.clock = clock
        self.rng = rng
        self.report = report

    def at(self, moment: datetime) -> None:
        self.clock.set(max(moment, self.clock.now))

    def place(
        self,
        *,
        customer: User,
        service: ServiceInCity,
        point: tuple[float, float],
        address: str,
        starts_at: datetime | None = None,
    ) -> Order:
        order = place_dispatch_order(
            customer=customer,
            service_id=service.service.public_id,
            address=address,
            latitude=point[0],
            longitude=point[1],
            starts_at=starts_at,
            asap=starts_at is None,
        )
        self.report.orders += 1
        return pay_with_sandbox_card(order, TEST_CARD)

    def pending_offer(self, order: Order) -> Offer | None:
        return (
            Offer.objects.filter(job__order=order, status=Offer.Status.PENDING)
            .select_related("worker__staff__user", "worker__provider__user")
            .first()
        )

    def accept(self, order: Order, *, by: Worker | None = None) -> Worker | None:
        """The worker offered the job takes it (with ``by``: the others pass
        until it reaches them)."""
        for _ in range(60):
            offer = self.pending_offer(order)
            if offer is None:
                return None
            user = worker_user(offer.worker)
            self.at(self.clock.now + timedelta(seconds=self.rng.randint(15, 70)))
            if by is not None and offer.worker_id != by.pk:
                cascade.decline_offer(
                    offer_id=offer.public_id, user=user, reason="busy"
                )
                continue
            cascade.accept_offer(offer_id=offer.public_id, user=user)
            return offer.worker
        return None

    def serve(self, order: Order, worker: Worker, *, review: bool = True) -> None:
        user = worker_user(worker)
        order.refresh_from_db()
        self.at(max(self.clock.now, order.starts_at - timedelta(minutes=25)))
        self.fire(order, "depart", user)
        self.at(order.starts_at + timedelta(minutes=self.rng.randint(-5, 6)))
        self.fire(order, "start", user, data={"start_code": order.start_code})
        self.at(order.ends_at + timedelta(minutes=self.rng.randint(0, 10)))
        self.fire(order, "deliver", user)
        self.at(self.clock.now + timedelta(minutes=self.rng.randint(20, 90)))
        self.fire(order, "confirm", order.customer)
        if review:
            self.at(self.clock.now + timedelta(minutes=self.rng.randint(10, 120)))
            stars = self.rng.choices((5, 4, 3), (7, 2, 1))[0]
            submit_review(order=order, author=order.customer, stars=stars)
            self.report.reviews += 1

    def fire(self, order: Order, name: str, user: User, data=None) -> None:
        order.refresh_from_db()
        transition_order(order=order, name=name, user=user, data=data)

    def ending(self, name: str) -> None:
        self.report.endings[name] = self.report.endings.get(name, 0) + 1


def worker_user(worker: Worker) -> User:
    return worker.staff.user if worker.staff_id else worker.provider.user


def _customers_by_city() -> dict[str, list[SavedAddress]]:
    found: dict[str, list[SavedAddress]] = {slug: [] for slug in CITIES_BY_SLUG}
    for address in SavedAddress.objects.filter(is_default=True).select_related("user"):
        for slug, city in CITIES_BY_SLUG.items():
            if (
                distance_km(
                    address.latitude, address.longitude, city.latitude, city.longitude
                )
                < 30
            ):
                found[slug].append(address)
                break
    return found


def _on_sale(city: str, category: str) -> ServiceInCity | None:
    return (
        ServiceInCity.objects.filter(city__slug=city, service__category__slug=category)
        .select_related("service", "city")
        .first()
    )


def _unserved(city: str) -> ServiceInCity | None:
    """The service nobody in ``city`` is skilled for (``UNSERVED``)."""
    if city not in UNSERVED:
        return None
    return _on_sale(city, UNSERVED[city])


def build_dispatch_history(
    *, logins: dict[str, User], seed: object, now: datetime, report: DispatchReport
) -> DispatchReport:
    """A fortnight of dispatched orders, then today's live ones (see the module
    docstring). Runs outside any transaction, as production commits."""
    from doorstep.demo.history import _quiet_settings

    rng = random.Random(f"{seed}:dispatch-history")
    customers = _customers_by_city()
    customers["shanghai"].insert(0, logins["customer"].addresses.get(is_default=True))
    agencies = {spec.city: spec for spec in AGENCIES}
    start = now - timedelta(days=HISTORY_DAYS)
    with override_settings(**_quiet_settings()), moved_clock(start) as clock:
        stories = DispatchStories(clock=clock, rng=rng, report=report)
        cities = list(agencies)
        for day in range(HISTORY_DAYS, 0, -1):
            for slot, hours in enumerate((3, 10)):
                city = cities[(day * 2 + slot) % len(cities)]
                places = customers[city]
                service = _on_sale(city, agencies[city].category)
                if not places or service is None:
                    continue
                place = rng.choice(places[:12]) if slot or day % 3 else places[0]
                stories.at(now - timedelta(days=day, hours=hours))
                asap = rng.random() < 0.6
                starts_at = (
                    None if asap else clock.now + timedelta(hours=rng.choice((3, 4, 5)))
                )
                _completed_story(stories, place, service, starts_at)
        _todays_stories(stories, logins=logins, customers=customers, now=now)
        clock.set(now)
        fire_due_timers()
    return report


def _completed_story(
    stories: DispatchStories,
    place: SavedAddress,
    service: ServiceInCity,
    starts_at: datetime | None,
) -> None:
    try:
        order = stories.place(
            customer=place.user,
            service=service,
            point=(place.latitude, place.longitude),
            address=place.address,
            starts_at=starts_at,
        )
        worker = stories.accept(order)
        if worker is None:
            stories.ending("escalated")
            return
        stories.serve(order, worker)
        stories.ending("completed_asap" if starts_at is None else "completed_booked")
    except DomainError as error:
        logger.debug("dispatch story stopped: %s", error.code)
        stories.ending("skipped")


def _todays_stories(
    stories: DispatchStories,
    *,
    logins: dict[str, User],
    customers: dict[str, list[SavedAddress]],
    now: datetime,
) -> None:
    home = logins["customer"].addresses.get(is_default=True)
    point = (home.latitude, home.longitude)
    cleaning = _on_sale("shanghai", "standard-cleaning")
    # This morning: an ASAP drain unblocked and reviewed.
    plumbing = _on_sale("shanghai", "plumbing")
    stories.at(now - timedelta(hours=7))
    if plumbing is not None:
        _completed_story(stories, home, plumbing, None)
    # A service nobody in San Francisco takes on: one order gave up (expired),
    # one still waits for ops (escalated).
    escort = _unserved("san-francisco")
    places = customers["san-francisco"]
    if escort is not None and places:
        for moment, name in (
            (now - timedelta(hours=4), "gave_up"),
            (now - timedelta(minutes=25), "escalated"),
        ):
            stories.at(moment)
            stories.place(
                customer=places[0].user,
                service=escort,
                point=(places[0].latitude, places[0].longitude),
                address=places[0].address,
            )
            stories.ending(name)
            if name == "gave_up":
                stories.at(now - timedelta(minutes=100))
                fire_due_timers()
    # The staff login's job later today, booked an hour ago by the demo customer.
    staff = Worker.objects.filter(staff__user=logins.get("staff")).first()
    if cleaning is not None and staff is not None:
        stories.at(now - timedelta(hours=1))
        order = stories.place(
            customer=logins["customer"],
            service=cleaning,
            point=point,
            address=home.address,
            starts_at=staff_job_start(now, staff, cleaning.service.duration_minutes),
        )
        taken = stories.accept(order, by=staff) is not None
        if not taken and logins.get("ops") is not None:
            # Nobody offered it to her (ranked below the others who passed,
            # or the cascade ran out): the dispatcher gives it to her by hand.
            from doorstep.dispatch.board import assign_by_hand

            order.refresh_from_db()
            if order.state == OrderState.DISPATCHING:
                assign_by_hand(
                    user=logins["ops"],
                    order_id=order.public_id,
                    worker_id=staff.public_id,
                    reason="Regular customer asked for her",
                )
                taken = True
        if taken:
            stories.ending("staff_job_today")
    # Just paid: still being offered.
    if cleaning is not None:
        stories.at(now - timedelta(seconds=40))
        place = customers["shanghai"][1 % len(customers["shanghai"])]
        stories.place(
            customer=place.user,
            service=cleaning,
            point=(place.latitude, place.longitude),
            address=place.address,
        )
        stories.ending("being_offered")
