"""Who may be offered a job, and in which order: the rules of eligibility and
the ranking, in one place, for the one-at-a-time cascade and the batch
assignment alike.

**Eligibility** (``refusal`` names the first rule a worker breaks, for ops and
tests; ``eligible_workers`` applies them all). The rules that hold for many
workers at once run in a few queries whatever their number
(``workers_to_vet``); the documents and a booked time's working hours cost a
few queries per worker, so the cascade ranks first and checks those best first,
stopping at the first who passes (``passes_vetting``):

1. takes platform jobs (``Worker.accepts_dispatch``);
2. their provider profile is active (not restricted or suspended: for a staff
   member, the agency's profile);
3. qualified for the category through approved documents: an independent
   provider misses no mandatory requirement for the category in their region
   (``trust.queries.missing_requirements``, when the operator requires
   documents: ``DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS``); a staff member likewise
   with their own approved documents (``staff_qualified_ids``);
4. skilled in the category (``Worker.categories``);
5. free then: for "as soon as possible", on duty and no claim on their time from
   now until the job would end; for a booked time, the job inside their working
   hours, no claim over the travel and the job, and the way between doors
   feasible (``way_blocked``): from the door of the job they hold before to this
   one by its time, and from this one to the door of the job after, each
   planned as people plan for an appointment (``travel.way_minutes``: the
   estimate plus ``WAY_MARGIN``, plus ``WAY_BUFFER``) — a worker who finishes across the
   city ten minutes before the time would reach it late;
6. within range: the job lies inside their service radius;
7. never offered this job before (a decline or a lapse is final), and no live
   offer of any job.

**Ranking** (the cascade asks the best first): ``score`` is a sum of terms, each
on a 0..1 scale times its weight (``WEIGHTS``), so none swamps the others:

* **nearness** ``1 / (1 + travel / TRAVEL_HALF_MINUTES)``: ½ at 20 minutes'
  travel (``dispatch.travel``). Weighs most: the customer waits, the worker
  travels unpaid.
* **rating**: the Bayesian mean of the reviews of the jobs the worker did,
  shrunk toward the category's mean with ``search.ranking.PRIOR_REVIEWS``
  imaginary reviews (the formula search ranks with), scaled from 1..5 to 0..1.
* **workload** ``1 / (1 + jobs that day)``: a worker with a full day is not
  handed more while others wait.
* **fairness** ``1 / (1 + offers made to them today)``: work is spread, so
  nobody gets every offer because they live in the centre.
* **reliability**: the share of their offers of the last ``HISTORY_DAYS`` they
  accepted, shrunk toward ``PRIOR_ACCEPTANCE`` with ``PRIOR_ANSWERS`` imaginary
  answers (a new worker starts at the prior; declines and lapses lower it).

Workers in the middle of a job now (their time is claimed over this moment)
come after every worker who is not, whatever their score: at a customer's
door they answer an offer late or not at all, and a job booked for later is
offered to a tier at once whose answers must come within the response
promise.

Ties break on the worker id, so the order is stable.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, Q

from doorstep.accounts.models import ProviderProfile, StaffMember
from doorstep.catalog.models import Category
from doorstep.core.geo import distance_km
from doorstep.dispatch.models import DispatchJob, Offer, Worker
from doorstep.dispatch.travel import travel_minutes, way_minutes
from doorstep.orders.models import Order
from doorstep.orders.states import TERMINAL_STATES, OrderState
from doorstep.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    TimeClaim,
)
from doorstep.scheduling.slots import _merge, _minutes, load_calendar
from doorstep.search import ranking

# --- Ranking: the weights (they sum to 1) ---------------------------------------------

WEIGHTS = {
    "nearness": 0.40,
    "rating": 0.25,
    "workload": 0.15,
    "fairness": 0.10,
    "reliability": 0.10,
}
TRAVEL_HALF_MINUTES = 20
HISTORY_DAYS = 30
PRIOR_ACCEPTANCE = 0.8
PRIOR_ANSWERS = 5

# The way between two doors is planned with ``travel.way_minutes`` (the
# estimate plus ``WAY_MARGIN``, plus ``WAY_BUFFER``).
# Jobs further apart in time than this never make a booked time unreachable.
WAY_HORIZON = timedelta(hours=4)


# --- Eligibility ----------------------------------------------------------------------


def staff_qualified_ids(category_id: int) -> set[int]:
    """The staff members (ids) who may work ``category_id``: active and skilled
    in it, and — where the operator requires verified documents, as for
    independents — meeting its requirements with their own approved documents
    (``agencies.queries.qualified_staff_ids``)."""
    if settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS:
        from doorstep.agencies.queries import qualified_staff_ids

        return qualified_staff_ids(category_id)
    return set(
        StaffMember.objects.filter(
            is_active=True,
            dispatch_worker__categories=category_id,
        ).values_list("pk", flat=True)
    )


def _qualifying(category_id: int):
    """Rules 1, 2 and 4 (what one query can say)."""
    return Worker.objects.filter(
        accepts_dispatch=True,
        categories=category_id,
        provider__status=ProviderProfile.Status.ACTIVE,
    )


def qualified_worker_ids(
    category_id: int, *, among: Iterable[int] | None = None
) -> set[int]:
    """Workers who take platform jobs, whose provider profile is active, who
    are skilled in ``category_id`` and qualified for it by documents (rules 1
    to 4: what does not depend on the job's time or place). ``among`` limits
    the (per provider) document check to those workers."""
    workers = _qualifying(category_id).select_related("provider")
    if among is not None:
        workers = workers.filter(pk__in=list(among))
    workers = list(workers)
    if not workers:
        return set()
    category = Category.objects.select_related("parent").get(pk=category_id)
    staff_ok = staff_qualified_ids(category_id)
    independents = [worker for worker in workers if worker.staff_id is None]
    if settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS:
        from doorstep.trust.queries import providers_meeting_requirements

        providers_ok = providers_meeting_requirements(
            list(
                {
                    worker.provider_id: worker.provider for worker in independents
                }.values()
            ),
            category,
        )
    else:
        providers_ok = {worker.provider_id for worker in independents}
    return {
        worker.pk
        for worker in workers
        if (
            worker.staff_id in staff_ok
            if worker.staff_id is not None
            else worker.provider_id in providers_ok
        )
    }


def qualified_worker_ids_by_category(
    category_ids: Iterable[int], *, among: Iterable[int]
) -> dict[int, set[int]]:
    """``qualified_worker_ids`` for several categories and the workers
    ``among`` at once (a batch round): for each category, the workers who pass
    rules 1 to 4. A fixed number of queries whatever the number of categories
    and workers: the workers with their skills, then (where the operator
    requires documents) ``trust.queries.meeting_requirements_by_category``."""
    category_ids = sorted(set(category_ids))
    skilled: dict[int, set[int]] = {category_id: set() for category_id in category_ids}
    workers: dict[int, Worker] = {}
    links = (
        Worker.categories.through.objects.filter(
            category_id__in=category_ids,
            worker_id__in=list(among),
            worker__accepts_dispatch=True,
            worker__provider__status=ProviderProfile.Status.ACTIVE,
        )
        .exclude(worker__staff__is_active=False)
        .select_related(
            "worker__provider", "worker__staff__agency__owner__provider_profile"
        )
    )
    for link in links:
        skilled[link.category_id].add(link.worker_id)
        workers[link.worker_id] = link.worker
    if not workers or not settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS:
        return skilled
    from doorstep.trust.queries import meeting_requirements_by_category

    meeting = meeting_requirements_by_category(
        category_ids,
        providers=list(
            {
                worker.provider_id: worker.provider
                for worker in workers.values()
                if worker.staff_id is None
            }.values()
        ),
        staff_members=[
            worker.staff for worker in workers.values() if worker.staff_id is not None
        ],
    )
    return {
        category_id: {
            pk
            for pk in ids
            if (
                workers[pk].staff_id in meeting[category_id].staff
                if workers[pk].staff_id is not None
                else workers[pk].provider_id in meeting[category_id].providers
            )
        }
        for category_id, ids in skilled.items()
    }


def job_span(
    job: DispatchJob, worker: Worker, now: datetime
) -> tuple[datetime, datetime]:
    """The worker's time the job would take: from now (they set off) to the
    end of the job for "as soon as possible"; the travel before a booked time
    and the job itself otherwise."""
    order = job.order
    travel = timedelta(
        minutes=travel_minutes(worker.position, (order.latitude, order.longitude))
    )
    length = order.ends_at - order.starts_at
    if job.is_asap:
        return now, now + travel + length
    return order.starts_at - travel, order.ends_at


def _has_claim(worker: Worker, start: datetime, end: datetime, now: datetime) -> bool:
    return (
        TimeClaim.objects.filter(
            provider_id=worker.provider_id,
            staff_key=worker.staff_key,
            released_at__isnull=True,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .exclude(hold_expires_at__lte=now)
        .exists()
    )


def works_then(worker: Worker, start: datetime, end: datetime, now: datetime) -> bool:
    """Whether ``[start, end)`` lies inside the worker's working hours
    (``scheduling.slots``: weekly rules, extra hours and time off, public
    holidays if taken off). A staff member with weekly hours of their own works
    those; one without works the agency's."""
    provider = worker.provider
    calendar = load_calendar(
        provider=provider,
        first_day=(start - timedelta(days=1)).date(),
        last_day=end.date(),
        now=now,
    )
    if worker.staff_id is not None:
        rules = AvailabilityRule.objects.filter(staff_id=worker.staff_id)
        if rules.exists():
            weekly: dict[int, list] = {}
            for rule in rules:
                weekly.setdefault(rule.weekday, []).append(
                    (_minutes(rule.start_time), _minutes(rule.end_time, end=True))
                )
            exceptions: dict = {}
            for exception in AvailabilityException.objects.filter(
                staff_id=worker.staff_id,
                date__range=(calendar.first_day, calendar.last_day),
            ):
                exceptions.setdefault(exception.date, []).append(exception)
            calendar = replace(
                calendar,
                weekly={day: _merge(ranges) for day, ranges in weekly.items()},
                exceptions=exceptions,
            )
    starts, ends = calendar.windows()
    return any(
        low <= start and end <= high for low, high in zip(starts, ends, strict=True)
    )


def is_within_range(worker: Worker, job: DispatchJob) -> bool:
    order = job.order
    distance = distance_km(*worker.position, order.latitude, order.longitude)
    return distance <= float(worker.service_radius_km)


def is_free(worker: Worker, job: DispatchJob, now: datetime) -> bool:
    """Rule 5: free for the job's time (see the module docstring)."""
    start, end = job_span(job, worker, now)
    if job.is_asap:
        if not worker.is_on_duty:
            return False
    elif not works_then(worker, job.order.starts_at, job.order.ends_at, now):
        return False
    return not _has_claim(worker, start, end, now) and not way_blocked(
        [worker], job, now
    )


def refusal(job: DispatchJob, worker: Worker, now: datetime) -> str | None:
    """The first eligibility rule ``worker`` breaks for ``job`` (a short code
    for ops and tests), or ``None`` when they may be offered it."""
    if not worker.accepts_dispatch:
        return "not_taking_jobs"
    if worker.provider.status != ProviderProfile.Status.ACTIVE:
        return "provider_not_active"
    if not worker.categories.filter(pk=job.category_id).exists():
        return "not_skilled"
    if not is_qualified(worker, job.category_id):
        return "not_qualified"
    if job.offers.filter(worker=worker).exists():
        return "offered_before"
    if worker.offers.filter(status=Offer.Status.PENDING).exists():
        return "has_live_offer"
    if not is_within_range(worker, job):
        return "out_of_range"
    if job.is_asap and not worker.is_on_duty:
        return "off_duty"
    if not is_free(worker, job, now):
        return "busy"
    return None


def _claimed(workers: list[Worker], job: DispatchJob, now: datetime) -> set[int]:
    """The workers (ids) with a claim on their time over the job's span, in
    one query for all of them."""
    if not workers:
        return set()
    spans = {worker.pk: job_span(job, worker, now) for worker in workers}
    claims: dict[tuple[int, int], list[tuple[datetime, datetime]]] = {}
    for provider_id, staff_key, starts_at, ends_at in (
        TimeClaim.objects.filter(
            provider_id__in={worker.provider_id for worker in workers},
            released_at__isnull=True,
            starts_at__lt=max(end for _start, end in spans.values()),
            ends_at__gt=min(start for start, _end in spans.values()),
        )
        .exclude(hold_expires_at__lte=now)
        .values_list("provider_id", "staff_key", "starts_at", "ends_at")
    ):
        claims.setdefault((provider_id, staff_key), []).append((starts_at, ends_at))
    return {
        worker.pk
        for worker in workers
        if any(
            starts_at < spans[worker.pk][1] and spans[worker.pk][0] < ends_at
            for starts_at, ends_at in claims.get(
                (worker.provider_id, worker.staff_key), ()
            )
        )
    }


def way_blocked(workers: list[Worker], job: DispatchJob, now: datetime) -> set[int]:
    """For a booked job, the workers (ids) who cannot get to its door by its
    time from the job they hold before it, or from its door to the job they
    hold after it by that one's time (``way_minutes``), in one query for all of
    them. Claims without a door (time off) are left to the overlap rule."""
    if not workers or job.is_asap:
        return set()
    order = job.order
    door = (order.latitude, order.longitude)
    starts, ends = order.starts_at, order.ends_at
    held: dict[tuple[int, int], list] = {}
    for row in (
        TimeClaim.objects.filter(
            provider_id__in={worker.provider_id for worker in workers},
            released_at__isnull=True,
            order__isnull=False,
            order__latitude__isnull=False,
            order__longitude__isnull=False,
            starts_at__lt=ends + WAY_HORIZON,
            ends_at__gt=starts - WAY_HORIZON,
        )
        .exclude(order_id=order.pk)
        .exclude(hold_expires_at__lte=now)
        .values_list(
            "provider_id",
            "staff_key",
            "starts_at",
            "ends_at",
            "order__starts_at",
            "order__latitude",
            "order__longitude",
        )
    ):
        held.setdefault((row[0], row[1]), []).append(row[2:])
    blocked = set()
    for worker in workers:
        for claim_starts, claim_ends, door_time, latitude, longitude in held.get(
            (worker.provider_id, worker.staff_key), ()
        ):
            there = (latitude, longitude)
            if claim_ends <= starts:
                reach = claim_ends + timedelta(minutes=way_minutes(there, door))
                if reach > starts:
                    blocked.add(worker.pk)
                    break
            elif claim_starts >= ends:
                due = max(door_time or claim_starts, claim_starts)
                if ends + timedelta(minutes=way_minutes(door, there)) > due:
                    blocked.add(worker.pk)
                    break
    return blocked


# --- Leaving for a booked door --------------------------------------------------------

# A job the worker will come from: taken, on the way to it or at it.
HELD_STATES = frozenset(
    {OrderState.ACCEPTED, OrderState.ON_THE_WAY, OrderState.IN_SERVICE}
)


@dataclass(frozen=True)
class Departure:
    """When a worker must set off for a booked door, and from where."""

    leave_by: datetime
    origin: tuple[float, float]
    # The held job they will come from (its door is the origin); ``None``: from
    # where they are as far as dispatch knows (``Worker.position``).
    after: Order | None
    way_minutes: float


def departures(orders: Iterable[Order]) -> dict[int, Departure]:
    """The time to leave for each of ``orders`` (by order pk) that is booked
    for a time (not "as soon as possible") and taken, not yet on the way: its
    time less the way planned (``travel.way_minutes``, the way rule's margin)
    from the door of the job the worker holds before it (taken, on the way or
    at it), or else from the worker's last known place (``Worker.position``: the
    location shared on duty, their base otherwise). Orders of a provider
    without a dispatch worker row have none. The one place the platform plans
    a departure: the staff view and API show it, the batch keeps it (its way on
    to a booked door plans the same way), the simulated workers follow it.
    A fixed number of queries whatever the number of orders."""
    orders = [
        order
        for order in orders
        if order.state == OrderState.ACCEPTED and order.provider_id is not None
    ]
    if not orders:
        return {}
    asap = set(
        DispatchJob.objects.filter(
            order_id__in=[order.pk for order in orders], is_asap=True
        ).values_list("order_id", flat=True)
    )
    orders = [order for order in orders if order.pk not in asap]
    if not orders:
        return {}
    providers = {order.provider_id for order in orders}
    workers = {
        (worker.provider_id, worker.staff_key): worker
        for worker in Worker.objects.filter(provider_id__in=providers)
    }
    held: dict[tuple[int, int], list[Order]] = {}
    for before in Order.objects.filter(
        provider_id__in=providers,
        state__in=HELD_STATES,
        starts_at__lt=max(order.starts_at for order in orders),
    ).only(
        "pk",
        "public_id",
        "provider_id",
        "staff_id",
        "starts_at",
        "latitude",
        "longitude",
    ):
        held.setdefault((before.provider_id, before.staff_id or 0), []).append(before)
    found = {}
    for order in orders:
        key = (order.provider_id, order.staff_id or 0)
        worker = workers.get(key)
        after = max(
            (
                before
                for before in held.get(key, ())
                if before.pk != order.pk and before.starts_at < order.starts_at
            ),
            key=lambda before: (before.starts_at, before.pk),
            default=None,
        )
        if after is not None:
            origin = (after.latitude, after.longitude)
        elif worker is not None:
            origin = worker.position
        else:
            continue
        minutes = way_minutes(origin, (order.latitude, order.longitude))
        found[order.pk] = Departure(
            leave_by=order.starts_at - timedelta(minutes=minutes),
            origin=origin,
            after=after,
            way_minutes=minutes,
        )
    return found


def leave_by(order: Order) -> datetime | None:
    """``departures`` for one order: when its worker must set off, or ``None``
    (as soon as possible, not taken, already on the way, no worker row)."""
    departure = departures([order]).get(order.pk)
    return departure.leave_by if departure else None


def workers_to_vet(job: DispatchJob, *, now: datetime) -> list[Worker]:
    """The workers who pass the rules checked for all at once (a few queries
    whatever their number): all but the documents and, for a booked time, the
    working hours — ``passes_vetting`` checks those, one worker at a time."""
    workers = (
        _qualifying(job.category_id)
        .exclude(offers__job=job)
        .exclude(offers__status=Offer.Status.PENDING)
        .select_related("provider", "staff")
    )
    if job.is_asap:
        workers = workers.filter(is_on_duty=True)
    nearby = [worker for worker in workers if is_within_range(worker, job)]
    busy = _claimed(nearby, job, now) | way_blocked(nearby, job, now)
    return [worker for worker in nearby if worker.pk not in busy]


def passes_vetting(worker: Worker, job: DispatchJob, now: datetime) -> bool:
    """The rules that cost a few queries per worker: the documents (rule 3)
    and, for a booked time, the working hours. The cascade checks the best
    ranked first and stops at the first who passes."""
    if not job.is_asap and not works_then(
        worker, job.order.starts_at, job.order.ends_at, now
    ):
        return False
    return is_qualified(worker, job.category_id)


def is_qualified(worker: Worker, category_id: int) -> bool:
    """Rule 3 for one worker."""
    return worker.pk in qualified_worker_ids(category_id, among=[worker.pk])


def eligible_workers(job: DispatchJob, *, now: datetime) -> list[Worker]:
    """Every worker who may be offered ``job`` now (all the rules), unranked."""
    return [
        worker
        for worker in workers_to_vet(job, now=now)
        if passes_vetting(worker, job, now)
    ]


# --- Ranking --------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    """A candidate and the parts of their score (kept on the offer for ops)."""

    worker: Worker
    travel_minutes: int
    nearness: float
    rating: float
    workload: float
    fairness: float
    reliability: float
    on_a_job: bool = False  # their time is claimed now: they answer late

    @property
    def score(self) -> float:
        return sum(weight * getattr(self, term) for term, weight in WEIGHTS.items())


def _ratings(workers: list[Worker], category_id: int) -> dict[int, float]:
    """Each worker's shrunk rating on 0..1 (see the module docstring)."""
    from doorstep.reviews.reputation import category_prior, counted_reviews

    prior = category_prior(category_id)
    reviews = counted_reviews()
    by_staff = {
        row["order__staff_id"]: row
        for row in reviews.filter(
            order__staff_id__in=[w.staff_id for w in workers if w.staff_id]
        )
        .values("order__staff_id")
        .annotate(mean=Avg("stars"), count=Count("pk"))
        .order_by()
    }
    by_provider = {
        row["provider_id"]: row
        for row in reviews.filter(
            order__staff__isnull=True,
            provider_id__in=[w.provider_id for w in workers if not w.staff_id],
        )
        .values("provider_id")
        .annotate(mean=Avg("stars"), count=Count("pk"))
        .order_by()
    }
    ratings = {}
    for worker in workers:
        row = (
            by_staff.get(worker.staff_id)
            if worker.staff_id
            else by_provider.get(worker.provider_id)
        ) or {"mean": 0.0, "count": 0}
        shrunk = ranking.reputation(
            mean=float(row["mean"] or 0.0), count=row["count"], prior=prior
        )
        ratings[worker.pk] = (shrunk - 1) / 4
    return ratings


def _jobs_that_day(workers: list[Worker], day_of: datetime) -> Counter:
    """Live orders each worker holds on the local day of ``day_of`` (an aware
    local time), in one query."""
    start = day_of.replace(hour=0, minute=0, second=0, microsecond=0)
    held = Counter(
        {
            (row["provider_id"], row["staff_id"]): row["n"]
            for row in Order.objects.filter(
                provider_id__in={worker.provider_id for worker in workers},
                starts_at__gte=start,
                starts_at__lt=start + timedelta(days=1),
            )
            .exclude(state__in=TERMINAL_STATES)
            .values("provider_id", "staff_id")
            .annotate(n=Count("pk"))
            .order_by()
        }
    )
    return Counter(
        {worker.pk: held[(worker.provider_id, worker.staff_id)] for worker in workers}
    )


def rank(job: DispatchJob, workers: list[Worker], *, now: datetime) -> list[Ranked]:
    """``workers`` best first for ``job`` (the score of the module docstring)."""
    if not workers:
        return []
    order = job.order
    ids = [worker.pk for worker in workers]
    ratings = _ratings(workers, job.category_id)
    # Days are the job's local days (the city's time zone).
    zone = ZoneInfo(order.time_zone or "UTC")
    jobs = _jobs_that_day(
        workers, (now if job.is_asap else order.starts_at).astimezone(zone)
    )
    today = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    offers_today = Counter(
        dict(
            Offer.objects.filter(worker_id__in=ids, offered_at__gte=today)
            .values_list("worker_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )
    answered = Q(
        status__in=[Offer.Status.ACCEPTED, Offer.Status.DECLINED, Offer.Status.LAPSED]
    )
    history = {
        row["worker_id"]: row
        for row in Offer.objects.filter(
            answered,
            worker_id__in=ids,
            offered_at__gte=now - timedelta(days=HISTORY_DAYS),
        )
        .values("worker_id")
        .annotate(
            answers=Count("pk"),
            took=Count("pk", filter=Q(status=Offer.Status.ACCEPTED)),
        )
        .order_by()
    }
    working = on_a_job_now(workers, now)
    ranked = []
    for worker in workers:
        travel = travel_minutes(worker.position, (order.latitude, order.longitude))
        past = history.get(worker.pk, {"answers": 0, "took": 0})
        ranked.append(
            Ranked(
                worker=worker,
                travel_minutes=travel,
                nearness=1 / (1 + travel / TRAVEL_HALF_MINUTES),
                rating=ratings[worker.pk],
                workload=1 / (1 + jobs[worker.pk]),
                fairness=1 / (1 + offers_today[worker.pk]),
                reliability=(PRIOR_ANSWERS * PRIOR_ACCEPTANCE + past["took"])
                / (PRIOR_ANSWERS + past["answers"]),
                on_a_job=worker.pk in working,
            )
        )
    return sorted(ranked, key=lambda r: (r.on_a_job, -r.score, r.worker.pk))


def on_a_job_now(workers: list[Worker], now: datetime) -> set[int]:
    """The workers (ids) whose time is claimed by an order over ``now``: on
    their way to a job or at it. One query for all of them."""
    taken = set(
        TimeClaim.objects.filter(
            provider_id__in={worker.provider_id for worker in workers},
            released_at__isnull=True,
            order__isnull=False,
            starts_at__lte=now,
            ends_at__gt=now,
        )
        .exclude(hold_expires_at__lte=now)
        .values_list("provider_id", "staff_key")
    )
    return {
        worker.pk
        for worker in workers
        if (worker.provider_id, worker.staff_key) in taken
    }
