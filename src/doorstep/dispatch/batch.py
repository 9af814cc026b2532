"""Batch assignment of the jobs wanted "as soon as possible": every few
seconds, all open jobs and all free workers on duty are matched at once.

``run_round`` is the one entry point (the periodic job, a job that just opened
or was declined, the simulated day). It loads the round's inputs in a fixed
number of queries (whatever the number of jobs, workers and categories), builds
one cost matrix and solves it (``dispatch.assignment``: the cost and the two
strategies are documented there), then makes the offers. Strategy "greedy"
offers each job, in the order they opened, to its nearest eligible worker —
the baseline the batch strategy is measured against.

Two rounds at once (two periodic runners, a round triggered by a decline beside
the periodic one) are safe: each offer is made under the job's row lock after
checking the order still waits for a worker, and the database refuses a second
live offer for a job or a worker (``Offer``'s constraints): the loser's offer
is skipped, never doubled.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from doorstep.dispatch import assignment, cascade
from doorstep.dispatch.candidates import qualified_worker_ids_by_category
from doorstep.dispatch.models import DispatchJob, Offer, Worker
from doorstep.orders.states import OrderState
from doorstep.scheduling.models import TimeClaim

# Taken time further ahead than this cannot stop an "as soon as possible" job.
CLAIM_HORIZON = timedelta(days=1)
# The window the fairness term counts jobs and offers in.
LOAD_WINDOW = timedelta(hours=24)


@dataclass
class RoundResult:
    jobs: int = 0
    workers: int = 0
    offers: list[str] = field(default_factory=list)
    round_id: str = ""
    strategy: str = "batch"
    # The assignment's objective (``assignment.total_cost``) before the offers
    # were made; offers the database refused are not taken out of it.
    total_cost: float = 0.0
    escalated: int = 0


def open_asap_jobs():
    return (
        DispatchJob.objects.filter(is_asap=True, order__state=OrderState.DISPATCHING)
        .exclude(offers__status=Offer.Status.PENDING)
        .select_related("order")
        .order_by("opened_at", "pk")
    )


def free_workers(*, now: datetime):
    """On duty, taking platform jobs, without a live offer; each with what
    the round needs of them in the same query: whether their time is taken
    now (``busy_now``), when it is next taken within ``CLAIM_HORIZON``
    (``next_taken``), where (``next_latitude``, ``next_longitude``: the door
    of the order holding it) and when they are due at that door
    (``next_starts``: the order's time), and the fairness counts of the last
    ``LOAD_WINDOW`` (``offers_today``, ``jobs_today``)."""
    claims = TimeClaim.objects.filter(
        provider_id=OuterRef("provider_id"),
        staff_key=OuterRef("staff_key"),
        released_at__isnull=True,
        ends_at__gt=now,
    ).filter(Q(hold_expires_at__isnull=True) | Q(hold_expires_at__gt=now))
    upcoming = claims.filter(
        starts_at__gt=now, starts_at__lt=now + CLAIM_HORIZON
    ).order_by("starts_at")
    since = now - LOAD_WINDOW
    return (
        Worker.objects.filter(is_on_duty=True, accepts_dispatch=True)
        .exclude(offers__status=Offer.Status.PENDING)
        .annotate(
            busy_now=Exists(claims.filter(starts_at__lte=now)),
            next_taken=Subquery(upcoming.values("starts_at")[:1]),
            next_latitude=Subquery(upcoming.values("order__latitude")[:1]),
            next_longitude=Subquery(upcoming.values("order__longitude")[:1]),
            next_starts=Subquery(upcoming.values("order__starts_at")[:1]),
            offers_today=_count(
                Offer.objects.filter(worker=OuterRef("pk"), offered_at__gte=since)
            ),
            jobs_today=_count(
                DispatchJob.objects.filter(
                    worker=OuterRef("pk"), accepted_at__gte=since
                )
            ),
        )
    )


def _count(rows) -> Coalesce:
    """How many of ``rows`` (filtered on their worker, ``OuterRef("pk")``)
    there are, 0 for none."""
    return Coalesce(
        Subquery(
            rows.order_by().values("worker").annotate(n=Count("pk")).values("n")[:1]
        ),
        0,
    )


@dataclass
class Plan:
    """A round's inputs and its answer, before any offer is made."""

    jobs: list[DispatchJob]
    workers: list[Worker]
    matrix: assignment.CostMatrix | None = None
    pairs: list[tuple[int, int]] = field(default_factory=list)


def plan_round(*, now: datetime, strategy: str = "batch") -> Plan:
    """Load the open jobs and the free workers, build the cost matrix and
    solve it: a fixed number of queries whatever the number of jobs, workers
    and categories (``test_batch`` counts them)."""
    jobs = list(open_asap_jobs())
    if not jobs:
        return Plan(jobs=[], workers=[])
    workers, free_minutes, next_starts_minutes = _available(
        list(free_workers(now=now)), now
    )
    matrix = assignment.cost_matrix(
        _job_inputs(jobs, now),
        _worker_inputs(workers, free_minutes, next_starts_minutes),
        allowed=_allowed(jobs, workers),
    )
    return Plan(
        jobs=jobs,
        workers=workers,
        matrix=matrix,
        pairs=assignment.solve(matrix, strategy),
    )


def run_round(*, now: datetime | None = None, strategy: str = "batch") -> RoundResult:
    if strategy not in assignment.STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}")
    now = now or timezone.now()
    result = RoundResult(
        round_id=f"{strategy}-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(4)}",
        strategy=strategy,
    )
    plan = plan_round(now=now, strategy=strategy)
    jobs, workers, matrix = plan.jobs, plan.workers, plan.matrix
    result.jobs = len(jobs)
    if matrix is None:
        return result
    result.workers = len(workers)
    result.total_cost = assignment.total_cost(matrix, plan.pairs)
    for i, j in plan.pairs:
        offer = _offer(
            jobs[i],
            workers[j],
            now=now,
            cost=float(matrix.cost[i, j]),
            travel=int(matrix.travel[i, j]),
            round_id=result.round_id,
        )
        if offer is not None:
            result.offers.append(offer.public_id)
    # Nobody at all could take these (as the one-at-a-time cascade decides):
    # ops are alerted and the customer told, once per job.
    for i in np.flatnonzero(~matrix.feasible.any(axis=1)):
        if jobs[i].escalated_at is None:
            result.escalated += cascade.escalate(job=jobs[i], now=now)
    return result


def _offer(
    job: DispatchJob,
    worker: Worker,
    *,
    now: datetime,
    cost: float,
    travel: int,
    round_id: str,
) -> Offer | None:
    """Offer under the job's lock, if the order still waits for a worker;
    ``None`` when it does not or another dispatcher got the job or the worker
    first."""
    with transaction.atomic():
        locked = cascade.lock_job(job.order_id)
        if locked.order.state != OrderState.DISPATCHING or locked.worker_id:
            return None
        return cascade.make_offer(
            job=locked, worker=worker, now=now, cost=cost, travel=travel, batch=round_id
        )


def _available(
    workers: list[Worker], now: datetime
) -> tuple[list[Worker], list[float], list[float]]:
    """The workers whose time is free now, the minutes until each one's next
    taken time (infinite when none within ``CLAIM_HORIZON``) and until they
    are due at its door (the order's time; the taken time's start when it has
    no order), from ``free_workers``' annotations."""
    available, free_minutes, next_starts_minutes = [], [], []
    for worker in workers:
        if worker.busy_now:
            continue
        available.append(worker)
        free = _minutes_until(worker.next_taken, now)
        free_minutes.append(free)
        next_starts_minutes.append(
            _minutes_until(worker.next_starts, now) if worker.next_starts else free
        )
    return available, free_minutes, next_starts_minutes


def _minutes_until(moment: datetime | None, now: datetime) -> float:
    return (moment - now).total_seconds() / 60 if moment else np.inf


def _job_inputs(jobs: list[DispatchJob], now: datetime) -> assignment.Jobs:
    return assignment.Jobs(
        latitude=np.array([job.order.latitude for job in jobs], dtype=float),
        longitude=np.array([job.order.longitude for job in jobs], dtype=float),
        due_minutes=np.array(
            [
                (job.arrive_by - now).total_seconds() / 60 if job.arrive_by else np.inf
                for job in jobs
            ],
            dtype=float,
        ),
        length_minutes=np.array(
            [
                (job.order.ends_at - job.order.starts_at).total_seconds() / 60
                for job in jobs
            ],
            dtype=float,
        ),
        waited_minutes=np.array(
            [
                (now - job.opened_at).total_seconds() / 60 if job.opened_at else 0.0
                for job in jobs
            ],
            dtype=float,
        ),
    )


def _worker_inputs(
    workers: list[Worker], free_minutes: list[float], next_starts_minutes: list[float]
) -> assignment.Workers:
    """Positions, ranges, free time and the next booked door, and the
    fairness counts (``free_workers``' annotations)."""
    positions = np.array([worker.position for worker in workers], dtype=float)
    return assignment.Workers(
        latitude=positions[:, 0] if len(workers) else np.zeros(0),
        longitude=positions[:, 1] if len(workers) else np.zeros(0),
        radius_km=np.array([float(w.service_radius_km) for w in workers]),
        free_minutes=np.array(free_minutes, dtype=float),
        jobs_today=np.array([w.jobs_today for w in workers], dtype=float),
        offers_today=np.array([w.offers_today for w in workers], dtype=float),
        next_latitude=_coordinates(workers, "next_latitude"),
        next_longitude=_coordinates(workers, "next_longitude"),
        next_starts_minutes=np.array(next_starts_minutes, dtype=float),
    )


def _coordinates(workers: list[Worker], name: str) -> np.ndarray:
    """An annotation of ``free_workers`` as floats, NaN where it is null."""
    return np.array(
        [
            np.nan if getattr(w, name) is None else float(getattr(w, name))
            for w in workers
        ],
        dtype=float,
    )


def _allowed(jobs: list[DispatchJob], workers: list[Worker]) -> np.ndarray:
    """Which worker may be offered which job: qualified for its category (a
    few queries for every category at once) and never offered it before (one
    query)."""
    column = {worker.pk: j for j, worker in enumerate(workers)}
    allowed = np.zeros((len(jobs), len(workers)), dtype=bool)
    if not workers:
        return allowed
    by_category: dict[int, list[int]] = {}
    for i, job in enumerate(jobs):
        by_category.setdefault(job.category_id, []).append(i)
    qualified = qualified_worker_ids_by_category(by_category, among=column)
    for category_id, rows in by_category.items():
        columns = [column[pk] for pk in qualified[category_id] if pk in column]
        if columns:
            allowed[np.ix_(rows, columns)] = True
    row = {job.pk: i for i, job in enumerate(jobs)}
    for job_id, worker_id in Offer.objects.filter(job_id__in=row).values_list(
        "job_id", "worker_id"
    ):
        if worker_id in column:
            allowed[row[job_id], column[worker_id]] = False
    return allowed
