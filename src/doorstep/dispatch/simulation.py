"""A simulated day of platform dispatch in one city, through the real services.

Customers place and pay for orders (``booking.place_dispatch_order`` and the
sandbox card), the dispatcher runs ``batch.run_round`` every few virtual seconds
(and offers booked-ahead jobs to a tier of workers at once, as its task does),
workers answer offers after a while — most accept, some decline, a few let them
lapse — travel at ``travel.py``'s speed, and depart, start with the customer's code
and deliver through the order engine before coming back on duty where the job
was. ``bench/dispatch_day.py`` runs it at full size and prints the figures; a
test runs it tiny so it keeps working.

Time is virtual: ``demo.clock.moved_clock`` moves ``django.utils.timezone.now``
(and the model fields defaulting to it), the one clock every service reads, so
a day passes in minutes. The task queue is the dummy backend: what production
queues after a commit (``dispatch_soon``) is done here by the loop itself at its
next tick, so the strategies are compared on rounds every few seconds rather
than on a round per payment; what production queues for later (an offer's own
lapse, an order's timer: ``run_after``) runs at its time. Every periodic job of
production's scheduler that moves dispatched orders (``PERIODIC_JOBS``, from
``doorstep.periodic.jobs``) runs at its production cadence.

The random draws are keyed by order and worker, not by their sequence, so two
runs with the same seed see the same demand and the same answers to the same
offers whatever the strategy: only the matching differs.
"""

import math
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from heapq import heappop, heappush
from itertools import count
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Min, Q
from django.test import override_settings
from django_tasks import default_task_backend

from doorstep.accounts.models import ProviderProfile, User
from doorstep.catalog.models import CatalogueService
from doorstep.core.errors import DomainError
from doorstep.core.geo import cell_of, distance_km
from doorstep.demo.clock import moved_clock
from doorstep.dispatch import batch, candidates, cascade, sla
from doorstep.dispatch.booking import place_dispatch_order
from doorstep.dispatch.models import DispatchJob, Offer, ServiceInCity, Worker
from doorstep.dispatch.travel import ROAD_FACTOR, travel_minutes
from doorstep.marketplace.models import City
from doorstep.orders.engine import fire_due_timers
from doorstep.orders.models import Order, OrderTimer
from doorstep.orders.services import transition_order
from doorstep.orders.states import OrderState
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.periodic.jobs import JOBS_BY_NAME
from doorstep.scheduling.models import AvailabilityRule

TEST_CARD = "4242424242424242"
KM_PER_DEGREE = 111.32

# Orders per local hour (relative): a morning and an evening peak.
DEMAND_BY_HOUR = {
    7: 3,
    8: 6,
    9: 11,
    10: 11,
    11: 6,
    12: 4,
    13: 4,
    14: 4,
    15: 4,
    16: 5,
    17: 7,
    18: 11,
    19: 11,
    20: 6,
    21: 3,
}
# Two shifts (local hours): the early one covers the morning peak alone, the
# late one the evening peak; both work the quiet middle of the day.
SHIFTS = ((7, 17), (12, 22))
# The day's short jobs, with how common each is (catalogue slugs of ``demo.data``).
SERVICE_MIX = {
    "dog-walking": 3,
    "pet-sitting": 2,
    "plumbing": 3,
    "errands": 2,
    "aircon-repair": 2,
}
# Where people live: 70% around one of the city's busy centres, the rest anywhere
# within this many kilometres of the middle.
CITY_SPREAD_KM = 12.0
CENTRE_SPREAD_KM = 3.0
# Production's periodic jobs (``doorstep.periodic.jobs``) that move dispatched
# orders, each run by the day at its production cadence (``Day.periodic``;
# ``assign_asap_jobs`` every ``Scenario.round_seconds``, with the scenario's
# strategy). A test checks no dispatch or order job of the schedule is missing.
PERIODIC_JOBS = (
    "assign_asap_jobs",
    "lapse_dispatch_offers",
    "retry_unplaced_dispatch_jobs",
    "check_dispatch_promises",
    "fire_order_timers",
)
# Tasks queued for later (``run_after``) that the day runs at their time, as
# production's task workers do: offers' lapses, orders' timers.
DEFERRED_TASK_MODULES = ("doorstep.dispatch.tasks", "doorstep.orders.tasks")


@dataclass(frozen=True)
class Scenario:
    """What the day looks like; every figure of the benchmark's scenario."""

    city: str = "shanghai"
    orders: int = 3000
    workers: int = 300
    customers: int = 400
    asap_share: float = 0.7
    strategy: str = "batch"
    seed: int = 12
    round_seconds: int = 5
    # How workers answer an offer.
    decline_share: float = 0.08
    silent_share: float = 0.03
    answer_seconds: tuple[int, int] = (10, 70)
    scheduled_answer_minutes: tuple[int, int] = (1, 12)
    # Real travel against the estimate (traffic is never exactly as planned).
    travel_factor: tuple[float, float] = (0.9, 1.15)
    service_radius_km: int = 15


@dataclass
class JobOutcome:
    is_asap: bool
    opened_at: datetime
    respond_by: datetime
    arrive_by: datetime
    accepted_at: datetime | None = None
    arrived_at: datetime | None = None
    worker: int | None = None
    travel_km: float = 0.0
    escalated: bool = False
    offers_made: int = 0
    late_reason: str = ""  # why the worker reached the door late (``Day.start``)


@dataclass
class DayReport:
    scenario: Scenario
    jobs: list[JobOutcome] = field(default_factory=list)
    jobs_per_worker: list[int] = field(default_factory=list)
    offers: int = 0
    declines: int = 0
    lapses: int = 0
    refused: int = 0  # accepting failed (the time went meanwhile), so declined
    rounds: int = 0
    periodic_runs: dict[str, int] = field(default_factory=dict)
    redispatched: int = 0  # jobs taken from a worker by ``check_promises``
    wall_seconds: float = 0.0

    def misses(self) -> dict[str, int]:
        """Where the SLA misses come from: each missed order once, by kind
        (ASAP or booked ahead) and first broken promise — response (never
        accepted, and whether it was escalated; or accepted late) or arrival
        (never reached, or late and why)."""
        found: dict[str, int] = {}
        for job in self.jobs:
            kind = "asap" if job.is_asap else "booked"
            if job.accepted_at is None:
                why = "response: never accepted" + (
                    " (escalated)" if job.escalated else ""
                )
            elif job.accepted_at > job.respond_by:
                why = "response: accepted late" + (
                    " (escalated)" if job.escalated else ""
                )
            elif job.arrived_at is None:
                why = "arrival: never reached"
            elif job.arrived_at > job.arrive_by:
                why = f"arrival: late ({job.late_reason or 'unknown'})"
            else:
                continue
            key = f"{kind} {why}"
            found[key] = found.get(key, 0) + 1
        return dict(sorted(found.items(), key=lambda item: (-item[1], item[0])))

    def figures(self) -> dict[str, float]:
        """The benchmark's figures (rates in percent, minutes, kilometres)."""
        jobs = self.jobs
        total = len(jobs) or 1
        responded = [
            job
            for job in jobs
            if job.accepted_at is not None and job.accepted_at <= job.respond_by
        ]
        arrived = [
            job
            for job in jobs
            if job.arrived_at is not None and job.arrived_at <= job.arrive_by
        ]
        both = [job for job in responded if job in arrived]
        asap = [job for job in jobs if job.is_asap]
        to_door = [
            (job.arrived_at - job.opened_at).total_seconds() / 60
            for job in asap
            if job.arrived_at is not None
        ]
        served = [job for job in jobs if job.arrived_at is not None]
        counts = self.jobs_per_worker or [0]
        return {
            "orders": len(jobs),
            "served": len(served),
            "sla_hit_pct": 100 * len(both) / total,
            "response_hit_pct": 100 * len(responded) / total,
            "arrival_hit_pct": 100 * len(arrived) / total,
            "asap_sla_hit_pct": 100
            * sum(1 for job in both if job.is_asap)
            / (len(asap) or 1),
            "booked_sla_hit_pct": 100
            * sum(1 for job in both if not job.is_asap)
            / ((len(jobs) - len(asap)) or 1),
            "booked_late_pct": 100
            * sum(
                1
                for job in jobs
                if not job.is_asap and job not in arrived and job.arrived_at
            )
            / ((len(jobs) - len(asap)) or 1),
            "mean_minutes_to_door": statistics.fmean(to_door) if to_door else 0.0,
            "p90_minutes_to_door": _percentile(to_door, 0.9),
            "travel_km": sum(job.travel_km for job in jobs),
            "travel_km_per_job": sum(job.travel_km for job in jobs)
            / (len(served) or 1),
            "jobs_per_worker_stdev": statistics.pstdev(counts),
            "jobs_per_worker_gini": gini(counts),
            "offers": self.offers,
            "declines": self.declines,
            "lapses": self.lapses,
            "refused": self.refused,
            "rounds": self.rounds,
            "redispatched": self.redispatched,
            "wall_seconds": self.wall_seconds,
            "misses": self.misses(),
            "periodic_runs": dict(self.periodic_runs),
        }


def gini(values: list[int]) -> float:
    """0 when every worker had as many jobs, towards 1 when one had them all."""
    ordered = sorted(values)
    total = sum(ordered)
    if not total:
        return 0.0
    weighted = sum((index + 1) * value for index, value in enumerate(ordered))
    return (2 * weighted) / (len(ordered) * total) - (len(ordered) + 1) / len(ordered)


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


# --- The world ---------------------------------------------------------------------


@dataclass
class SimWorker:
    pk: int
    user: User
    shift: tuple[datetime, datetime]
    base: tuple[float, float]
    position: tuple[float, float]
    busy: bool = False
    jobs: int = 0


@dataclass(frozen=True)
class PlannedOrder:
    index: int
    customer: User
    service_id: str
    point: tuple[float, float]
    placed_at: datetime
    starts_at: datetime | None  # None: as soon as possible


def _point_near(
    rng: random.Random, centre: tuple[float, float], km: float
) -> tuple[float, float]:
    distance = km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    latitude = centre[0] + distance * math.cos(angle) / KM_PER_DEGREE
    longitude = centre[1] + distance * math.sin(angle) / (
        KM_PER_DEGREE * math.cos(math.radians(centre[0]))
    )
    return (latitude, longitude)


def _home(rng: random.Random, city: City, centres: list[tuple[float, float]]):
    if centres and rng.random() < 0.7:
        return _point_near(rng, rng.choice(centres), CENTRE_SPREAD_KM)
    return _point_near(rng, (city.latitude, city.longitude), CITY_SPREAD_KM)


def _centres(city: City) -> list[tuple[float, float]]:
    from doorstep.demo.data import CITIES_BY_SLUG

    spec = CITIES_BY_SLUG.get(city.slug)
    if spec is None:
        return []
    return [(place.latitude, place.longitude) for place in spec.neighbourhoods]


def _day_start(city: City, seed: int) -> datetime:
    """Local midnight of a fixed weekday (so a seed gives the same day)."""
    zone = ZoneInfo(city.time_zone)
    return datetime(2026, 12, 8 + seed % 3, tzinfo=zone).astimezone(UTC)


def build_world(scenario: Scenario) -> "World":
    """The city's catalogue services on sale, the workers (independent
    providers taking platform jobs, skilled in three to five of the day's
    categories, based around the city) and the customers. Returns what the
    day needs to know about them."""
    from doorstep.demo.builders import ensure_catalogue_services, ensure_category_tree

    rng = random.Random(f"{scenario.seed}:world")  # noqa: S311 - a simulation
    city = City.objects.get(slug=scenario.city)
    ensure_category_tree()
    ensure_catalogue_services()
    services = {
        service.category.slug: service
        for service in CatalogueService.objects.filter(
            category__slug__in=SERVICE_MIX
        ).select_related("category")
    }
    rate = _price_rate(city.currency)
    for service in services.values():
        ServiceInCity.objects.get_or_create(
            service=service,
            city=city,
            defaults={
                "price_amount": round(service.price_amount * rate, -2) or 100,
                "currency": city.currency,
            },
        )
    password = make_password(None)
    centres = _centres(city)
    day = _day_start(city, scenario.seed)
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                email=f"sim-{kind}{n}@example.com",
                name=f"{kind.title()} {n}",
                password=password,
                time_zone=city.time_zone,
            )
            for kind, total in (
                ("worker", scenario.workers),
                ("customer", scenario.customers),
            )
            for n in range(total)
        )
        worker_users = users[: scenario.workers]
        customers = users[scenario.workers :]
        bases = [_home(rng, city, centres) for _ in worker_users]
        profiles = ProviderProfile.objects.bulk_create(
            ProviderProfile(
                user=user,
                display_name=user.name,
                latitude=base[0],
                longitude=base[1],
                h3_cell=cell_of(*base),
                time_zone=city.time_zone,
            )
            for user, base in zip(worker_users, bases, strict=True)
        )
        workers = []
        for profile, base in zip(profiles, bases, strict=True):
            worker = Worker(
                provider=profile,
                display_name=profile.display_name,
                base_latitude=base[0],
                base_longitude=base[1],
                service_radius_km=scenario.service_radius_km,
                is_on_duty=False,
            )
            worker.staff_key = 0
            worker.h3_cell = cell_of(*base)
            workers.append(worker)
        workers = Worker.objects.bulk_create(workers)
        skills = Worker.categories.through
        slugs = list(services)
        skills.objects.bulk_create(
            skills(worker_id=worker.pk, category_id=services[slug].category_id)
            for worker in workers
            for slug in rng.sample(slugs, rng.randint(3, len(slugs)))
        )
    _vet(profiles, list(services.values()), day)
    # Their working hours, which booked-time jobs must fall in (the shift).
    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            provider_id=worker.provider_id,
            weekday=weekday,
            start_time=dt_time(SHIFTS[number % len(SHIFTS)][0]),
            end_time=dt_time(SHIFTS[number % len(SHIFTS)][1]),
        )
        for number, worker in enumerate(workers)
        for weekday in range(7)
    )
    sim_workers = []
    for number, (worker, user, base) in enumerate(
        zip(workers, worker_users, bases, strict=True)
    ):
        start, end = SHIFTS[number % len(SHIFTS)]
        shift_start = day + timedelta(hours=start, minutes=rng.choice((-30, 0, 0, 30)))
        shift_end = day + timedelta(hours=end, minutes=rng.choice((-30, 0, 0, 30)))
        sim_workers.append(
            SimWorker(
                pk=worker.pk,
                user=user,
                shift=(shift_start, shift_end),
                base=base,
                position=base,
            )
        )
    return World(
        scenario=scenario,
        city=city,
        day=day,
        services={slug: service.public_id for slug, service in services.items()},
        workers={worker.pk: worker for worker in sim_workers},
        customers=customers,
        centres=centres,
    )


def _vet(
    providers: list[ProviderProfile], services: list[CatalogueService], day: datetime
) -> None:
    """Every worker was vetted before the day: an approved, unexpired document
    for each mandatory requirement of the day's categories in the city (the
    dispatcher offers jobs to no one else when the operator requires verified
    documents, as by default)."""
    from doorstep.trust.models import DocumentStatus, ProviderDocument
    from doorstep.trust.queries import requirements_for

    if not providers:
        return
    needed = {
        (requirement.document_type_id, requirement.category_id)
        for service in services
        for requirement in requirements_for(providers[0], service.category)
        if requirement.mandatory
    }
    vetted_at = day - timedelta(days=90)
    ProviderDocument.objects.bulk_create(
        ProviderDocument(
            provider=provider,
            document_type_id=document_type_id,
            category_id=category_id,
            status=DocumentStatus.APPROVED,
            file=f"simulated/{provider.pk}-{document_type_id}.pdf",
            content_type="application/pdf",
            size=1,
            uploaded_at=vetted_at,
            reviewed_at=vetted_at,
        )
        for provider in providers
        for document_type_id, category_id in sorted(needed, key=str)
    )


def _price_rate(currency: str) -> float:
    """CNY catalogue prices in another currency (rough, for believable prices)."""
    return {"CNY": 1.0, "TWD": 4.5, "HKD": 1.1, "USD": 0.35}.get(currency, 1.0)


@dataclass
class World:
    scenario: Scenario
    city: City
    day: datetime
    services: dict[str, str]
    workers: dict[int, SimWorker]
    customers: list[User]
    centres: list[tuple[float, float]]

    def plan_orders(self) -> list[PlannedOrder]:
        """The day's demand: order times drawn from ``DEMAND_BY_HOUR``; booked
        ahead ones are placed one to twelve hours before their time (not before
        six in the morning, when the simulation starts)."""
        scenario = self.scenario
        rng = random.Random(f"{scenario.seed}:demand")  # noqa: S311
        hours = list(DEMAND_BY_HOUR)
        weights = list(DEMAND_BY_HOUR.values())
        slugs = list(SERVICE_MIX)
        mix = list(SERVICE_MIX.values())
        opening = self.day + timedelta(hours=6)
        planned = []
        for index in range(scenario.orders):
            hour = rng.choices(hours, weights)[0]
            wanted = self.day + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
            asap = rng.random() < scenario.asap_share
            if asap:
                placed_at, starts_at = wanted, None
            else:
                starts_at = wanted.replace(second=0, microsecond=0)
                starts_at -= timedelta(minutes=starts_at.minute % 15)
                placed_at = max(
                    opening, starts_at - timedelta(hours=rng.uniform(1.5, 12))
                )
                if starts_at - placed_at < timedelta(minutes=90):
                    asap, placed_at, starts_at = True, wanted, None
            planned.append(
                PlannedOrder(
                    index=index,
                    customer=rng.choice(self.customers),
                    service_id=self.services[rng.choices(slugs, mix)[0]],
                    point=_home(rng, self.city, self.centres),
                    placed_at=placed_at,
                    starts_at=starts_at,
                )
            )
        return planned


# --- The day -----------------------------------------------------------------------


def _quiet_settings() -> dict:
    from doorstep.demo.history import _quiet_settings as demo_quiet

    return demo_quiet() | {
        "TASKS": {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    }


class Day:
    """The event loop: a queue of (moment, step) and a dispatcher tick every
    ``round_seconds``."""

    def __init__(self, world: World, clock) -> None:
        self.world = world
        self.scenario = world.scenario
        self.clock = clock
        self.queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self.sequence = count()
        self.report = DayReport(scenario=self.scenario)
        self.orders: dict[int, PlannedOrder] = {}  # order pk → plan
        self.seen_offer = 0
        self.travel: dict[int, float] = {}  # order pk → km driven
        self.arrived: dict[int, datetime] = {}
        # Why a worker may reach a door late, as it happened (order pk → cause).
        self.late_cause: dict[int, str] = {}
        # Booked jobs each worker has taken and not yet set off for (worker pk
        # → order pks), and the latest reading of each one's "leave by".
        self.waiting: dict[int, set[int]] = {}
        self.departure_plan: dict[int, int] = {}

    def at(self, moment: datetime, step: Callable[[], None]) -> None:
        heappush(self.queue, (moment, next(self.sequence), step))

    def rng(self, *key: object) -> random.Random:
        return random.Random(":".join(map(str, (self.scenario.seed, *key))))  # noqa: S311

    # -- running

    def run(self) -> DayReport:
        started = time.perf_counter()
        for plan in self.world.plan_orders():
            self.at(plan.placed_at, lambda plan=plan: self.place(plan))
        for worker in self.world.workers.values():
            self.at(worker.shift[0], lambda worker=worker: self.clock_in(worker))
            self.at(worker.shift[1], lambda worker=worker: self.clock_out(worker))
        moment = self.world.day + timedelta(hours=6)
        # The day ends when the last job is done (or given up), not at midnight.
        end = self.world.day + timedelta(hours=30)
        tick = timedelta(seconds=self.scenario.round_seconds)
        jobs = self.periodic()
        due = dict.fromkeys(jobs, moment)
        while moment <= end and (self.queue or self._open_jobs()):
            while self.queue and self.queue[0][0] <= moment:
                when, _sequence, step = heappop(self.queue)
                self.clock.set(max(when, self.clock.now))
                step()
                self.defer_queued_tasks()
            self.clock.set(moment)
            for name, (every, run) in jobs.items():
                if moment >= due[name]:
                    run(moment)
                    self.report.periodic_runs[name] = (
                        self.report.periodic_runs.get(name, 0) + 1
                    )
                    due[name] = moment + every
                    self.defer_queued_tasks()
            # What production's ``dispatch_order`` task does for a booked job
            # at once (after a payment, a decline, a lapse).
            self.offer_booked_jobs(moment)
            self.answer_new_offers()
            self.defer_queued_tasks()
            moment = self._next_moment(moment, tick, due)
        self.report.wall_seconds = time.perf_counter() - started
        self.collect()
        return self.report

    def periodic(self) -> dict[str, tuple[timedelta, Callable[[datetime], None]]]:
        """``PERIODIC_JOBS``: each one's cadence (production's schedule, the
        batch round's from the scenario) and what it runs."""
        runs: dict[str, Callable[[datetime], None]] = {
            "assign_asap_jobs": self.batch_round,
            "lapse_dispatch_offers": self.lapse_offers,
            "retry_unplaced_dispatch_jobs": lambda now: cascade.retry_unplaced_jobs(
                now=now
            ),
            "check_dispatch_promises": self.check_promises,
            "fire_order_timers": lambda now: fire_due_timers(),
        }
        jobs = {}
        for name in PERIODIC_JOBS:
            every = JOBS_BY_NAME[name].schedule.every
            if name == "assign_asap_jobs":
                every = timedelta(seconds=self.scenario.round_seconds)
            jobs[name] = (every, runs[name])
        return jobs

    def batch_round(self, now: datetime) -> None:
        # A round with no job waiting makes no offer, whatever the strategy:
        # skipping it changes nothing but the wall time.
        if self._asap_jobs_waiting():
            batch.run_round(now=now, strategy=self.scenario.strategy)
            self.report.rounds += 1

    def lapse_offers(self, now: datetime) -> None:
        self.report.lapses += cascade.lapse_offers(now=now)

    def check_promises(self, now: datetime) -> None:
        self.report.redispatched += sla.check_promises(now=now)["redispatched"]

    def defer_queued_tasks(self) -> None:
        """What was queued: tasks for later (``run_after``) of the dispatch and
        order apps run at their time, as production's task workers run them;
        the rest (``dispatch_order`` after a commit) is done by the loop's next
        tick, notifications are dropped."""
        for result in default_task_backend.results:
            task = result.task
            if task.run_after is not None and task.module_path.startswith(
                DEFERRED_TASK_MODULES
            ):
                self.at(
                    task.run_after,
                    lambda task=task, args=result.args, kwargs=result.kwargs: (
                        self.run_task(task, args, kwargs)
                    ),
                )
        default_task_backend.clear()

    def run_task(self, task, args, kwargs) -> None:
        if task.module_path.endswith(".lapse_offer"):
            self.report.lapses += bool(task.func(*args, **kwargs))
        else:
            task.func(*args, **kwargs)

    def _next_moment(
        self, moment: datetime, tick: timedelta, due: dict[str, datetime]
    ) -> datetime:
        """The next tick; while no job waits for a worker, straight to the tick
        of the next thing that can happen (an event, an offer running out, an
        order's timer, a promise coming due, a periodic retry of an escalated
        job): the ticks between would do nothing."""
        waiting = (
            DispatchJob.objects.filter(order__state=OrderState.DISPATCHING)
            .filter(Q(is_asap=True) | Q(escalated_at__isnull=True))
            .exclude(offers__status=Offer.Status.PENDING)
        )
        if waiting.exists():
            return moment + tick
        soonest = [moment + timedelta(days=1)]
        if self.queue:
            soonest.append(self.queue[0][0])
        expiry = Offer.objects.filter(status=Offer.Status.PENDING).aggregate(
            first=Min("expires_at")
        )["first"]
        timer = OrderTimer.objects.filter(
            fired_at__isnull=True, cancelled_at__isnull=True
        ).aggregate(first=Min("due_at"))["first"]
        response = DispatchJob.objects.filter(
            order__state=OrderState.DISPATCHING, response_breached_at__isnull=True
        ).aggregate(first=Min("assignment_due_at"))["first"]
        arrival = DispatchJob.objects.filter(
            order__state__in=sla.ASSIGNED_STATES,
            arrival_breached_at__isnull=True,
            arrived_at__isnull=True,
        ).aggregate(first=Min("arrive_by"))["first"]
        soonest += [at for at in (expiry, timer, response, arrival) if at is not None]
        if (
            DispatchJob.objects.filter(
                order__state=OrderState.DISPATCHING,
                escalated_at__isnull=False,
                give_up_at__gt=moment,
            )
            .exclude(offers__status=Offer.Status.PENDING)
            .exists()
        ):
            soonest.append(due["retry_unplaced_dispatch_jobs"])
        steps = max(1, math.ceil((min(soonest) - moment) / tick))
        return moment + steps * tick

    def _asap_jobs_waiting(self) -> bool:
        return DispatchJob.objects.filter(
            is_asap=True, order__state=OrderState.DISPATCHING
        ).exists()

    def _open_jobs(self) -> bool:
        return Order.objects.filter(
            mode="dispatch",
            state__in=(
                OrderState.DISPATCHING,
                OrderState.ACCEPTED,
                OrderState.ON_THE_WAY,
                OrderState.IN_SERVICE,
            ),
        ).exists()

    # -- customers

    def place(self, plan: PlannedOrder) -> None:
        order = place_dispatch_order(
            customer=plan.customer,
            service_id=plan.service_id,
            address=f"Simulated address {plan.index}",
            latitude=plan.point[0],
            longitude=plan.point[1],
            starts_at=plan.starts_at,
            asap=plan.starts_at is None,
            idempotency_key=f"sim-{plan.index}",
        )
        pay_with_sandbox_card(order, TEST_CARD)
        self.orders[order.pk] = plan

    # -- the dispatcher's other half: jobs booked for a time, a tier at a time

    def offer_booked_jobs(self, now: datetime) -> None:
        for order_id in (
            DispatchJob.objects.filter(
                is_asap=False,
                order__state=OrderState.DISPATCHING,
                escalated_at__isnull=True,
            )
            .exclude(offers__status=Offer.Status.PENDING)
            .values_list("order_id", flat=True)
        ):
            cascade.offer_next(order_id=order_id, now=now)

    # -- workers

    def answer_new_offers(self) -> None:
        new = list(
            Offer.objects.filter(pk__gt=self.seen_offer)
            .order_by("pk")
            .values_list(
                "pk", "public_id", "worker_id", "job__order_id", "job__is_asap"
            )
        )
        for pk, public_id, worker_id, order_id, is_asap in new:
            self.seen_offer = pk
            self.report.offers += 1
            worker = self.world.workers[worker_id]
            rng = self.rng("offer", self.orders[order_id].index, worker_id)
            draw = rng.random()
            if draw < self.scenario.silent_share:
                continue  # the phone stayed in the pocket: the offer lapses
            if is_asap:
                delay = timedelta(seconds=rng.uniform(*self.scenario.answer_seconds))
            else:
                low, high = self.scenario.scheduled_answer_minutes
                delay = timedelta(minutes=rng.uniform(low, high))
            declines = draw < self.scenario.silent_share + self.scenario.decline_share
            answer = self.decline if declines else self.accept
            self.at(
                self.clock.now + delay,
                lambda answer=answer, public_id=public_id, worker=worker: answer(
                    public_id, worker
                ),
            )

    def decline(self, offer_id: str, worker: SimWorker, reason: str = "busy") -> None:
        try:
            cascade.decline_offer(offer_id=offer_id, user=worker.user, reason=reason)
        except DomainError:
            return  # it lapsed or was withdrawn meanwhile
        self.report.declines += 1

    def accept(self, offer_id: str, worker: SimWorker) -> None:
        if worker.busy:
            self.decline(offer_id, worker, reason="on another job")
            return
        try:
            offer = cascade.accept_offer(offer_id=offer_id, user=worker.user)
        except DomainError as error:
            # Closed, or another worker of the tier took it first: nothing to do.
            if error.code not in ("offer_closed", "offer_taken"):
                self.report.refused += 1
                self.decline(offer_id, worker, reason=error.code)
            return
        order = Order.objects.get(pk=offer.job.order_id)
        if offer.job.is_asap:
            self.set_off(worker, order)
        else:
            self.waiting.setdefault(worker.pk, set()).add(order.pk)
            if not self.plan_departure(worker, order):
                self.late_cause[order.pk] = "accepted after its leave-by"

    def plan_departure(self, worker: SimWorker, order: Order) -> bool:
        """The worker's phone shows when to leave for a booked job (the
        platform's ``candidates.departures``: from the door of the job they
        hold before it, or from where they are); they set off then. Read again
        whenever they become free, as a person looks at the phone after a job.
        Whether that time is still ahead."""
        order.refresh_from_db()
        departure = candidates.departures([order]).get(order.pk)
        if departure is None:  # taken from them, or no longer waiting to leave
            self.waiting.get(worker.pk, set()).discard(order.pk)
            return True
        plan = next(self.sequence)
        self.departure_plan[order.pk] = plan
        self.at(
            max(self.clock.now, departure.leave_by),
            lambda: self.leave_for(worker, order, plan),
        )
        return departure.leave_by >= self.clock.now

    def leave_for(self, worker: SimWorker, order: Order, plan: int) -> None:
        """The time on the phone has come: set off, unless it was read again
        since (``plan``) or the worker is still at a job (they will read it
        again when done: ``finish``)."""
        if self.departure_plan.get(order.pk) != plan:
            return
        if worker.busy:
            self.late_cause.setdefault(order.pk, "the job before ran over")
            return
        self.waiting.get(worker.pk, set()).discard(order.pk)
        self.set_off(worker, order)

    def _still_theirs(self, worker: SimWorker, order: Order) -> bool:
        """Whether the job is still the worker's (``check_promises`` takes a
        job from a worker who has not set off by its promised arrival)."""
        return DispatchJob.objects.filter(
            order_id=order.pk,
            worker_id=worker.pk,
            order__state__in=(
                OrderState.ACCEPTED,
                OrderState.ON_THE_WAY,
                OrderState.IN_SERVICE,
            ),
        ).exists()

    def set_off(self, worker: SimWorker, order: Order) -> None:
        """Off duty while on the job (no offers meanwhile); on the way once
        packed up; at the door after the real travel time, from where they
        are."""
        if not self._still_theirs(worker, order):
            self.late_cause.pop(order.pk, None)
            return  # taken from them: their phone said so
        worker.busy = True
        self._duty(worker, on=False)
        destination = (order.latitude, order.longitude)
        estimate = travel_minutes(worker.position, destination)
        factor = self.rng("travel", order.pk).uniform(*self.scenario.travel_factor)
        self.travel[order.pk] = (
            distance_km(*worker.position, *destination) * ROAD_FACTOR
        )
        now = self.clock.now
        self.at(now + timedelta(minutes=2), lambda: self.depart(worker, order))
        arrival = now + timedelta(minutes=estimate * factor)
        self.at(arrival, lambda: self.start(worker, order))

    def depart(self, worker: SimWorker, order: Order) -> None:
        if self._still_theirs(worker, order):
            self.fire(order, "depart", worker)

    def start(self, worker: SimWorker, order: Order) -> None:
        if not self._still_theirs(worker, order):
            # Taken from them before they set off: back to work where they are.
            worker.busy = False
            if self.clock.now < worker.shift[1]:
                self._duty(worker, on=True)
            return
        order.refresh_from_db()
        # A booked job starts at its time, however early the worker is.
        moment = max(self.clock.now, order.starts_at - timedelta(minutes=10))
        if moment > self.clock.now:
            self.at(moment, lambda: self.start(worker, order))
            return
        self.arrived[order.pk] = self.clock.now
        worker.position = (order.latitude, order.longitude)
        self.fire(order, "start", worker, data={"start_code": order.start_code})
        length = order.ends_at - order.starts_at
        self.at(self.clock.now + length, lambda: self.finish(worker, order))

    def finish(self, worker: SimWorker, order: Order) -> None:
        self.fire(order, "deliver", worker)
        worker.busy = False
        worker.jobs += 1
        if self.clock.now < worker.shift[1]:
            self._duty(worker, on=True)
        # Free again: the phone's "leave by" of the booked jobs ahead, read
        # from here.
        for waiting in sorted(self.waiting.get(worker.pk, ())):
            booked = Order.objects.get(pk=waiting)
            if self.plan_departure(worker, booked):
                self.late_cause.pop(waiting, None)
            else:
                self.late_cause.setdefault(
                    waiting, "free after its leave-by (the job before ended late)"
                )

    def fire(self, order: Order, name: str, worker: SimWorker, data=None) -> None:
        order.refresh_from_db()
        transition_order(order=order, name=name, user=worker.user, data=data)

    def clock_in(self, worker: SimWorker) -> None:
        worker.position = worker.base
        if not worker.busy:
            self._duty(worker, on=True)

    def clock_out(self, worker: SimWorker) -> None:
        if not worker.busy:
            self._duty(worker, on=False)

    def _duty(self, worker: SimWorker, *, on: bool) -> None:
        """What the worker's phone does: on duty sharing where they are, or off
        duty (which forgets the location)."""
        row = Worker.objects.get(pk=worker.pk)
        row.is_on_duty = on
        row.on_duty_since = self.clock.now if on else None
        row.shares_location = on
        at_base = worker.position == worker.base
        row.latitude = worker.position[0] if on and not at_base else None
        row.longitude = worker.position[1] if on and not at_base else None
        row.located_at = self.clock.now if on and not at_base else None
        row.save()

    # -- the figures

    def _late_reason(self, job: DispatchJob) -> str:
        arrived = self.arrived.get(job.order_id)
        if arrived is None or job.arrive_by is None or arrived <= job.arrive_by:
            return ""
        if (
            job.is_asap
            and job.accepted_at is not None
            and job.accepted_at + timedelta(minutes=30) > job.arrive_by
        ):
            return "accepted with less than 30 min to go"
        return self.late_cause.get(job.order_id, "slower than the estimate")

    def collect(self) -> None:
        jobs = DispatchJob.objects.filter(order_id__in=self.orders).order_by("pk")
        for job in jobs:
            if job.opened_at is None:
                continue
            self.report.jobs.append(
                JobOutcome(
                    is_asap=job.is_asap,
                    opened_at=job.opened_at,
                    respond_by=job.respond_by,
                    arrive_by=job.arrive_by,
                    accepted_at=job.accepted_at,
                    arrived_at=self.arrived.get(job.order_id),
                    worker=job.worker_id,
                    travel_km=self.travel.get(job.order_id, 0.0),
                    escalated=job.ops_alerted_at is not None,
                    offers_made=job.offers_made,
                    late_reason=self._late_reason(job),
                )
            )
        self.report.jobs_per_worker = [
            worker.jobs for worker in self.world.workers.values()
        ]


def simulate_day(scenario: Scenario) -> DayReport:
    """Build the world and run the day on a virtual clock. Commits as it goes,
    like production: run it on a database of its own (or a transactional
    test's)."""
    with override_settings(**_quiet_settings()):
        world = build_world(scenario)
        with moved_clock(world.day + timedelta(hours=6)) as clock:
            return Day(world, clock).run()
