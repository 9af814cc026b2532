"""Who goes where in a batch round: one cost for every (job, worker) pair, then
the assignment of least total cost. Pure numpy and scipy, no Django: the round
(``dispatch.batch``) loads the inputs and makes the offers.

The cost of sending worker j to job i, in minutes (lower is better)::

    cost[i, j] = travel[i, j]
               + LATENESS_WEIGHT  * max(0, travel[i, j] - due[i])
               + JOB_LOAD_WEIGHT  * jobs_today[j]
               + OFFER_LOAD_WEIGHT * offers_today[j]

    travel[i, j]   whole minutes from the worker's position to the job's door
                   (``dispatch.travel``: great-circle km x ROAD_FACTOR at
                   CITY_SPEED_KMH, plus SETTING_OFF_MINUTES);
    due[i]         minutes from now to the job's promised arrival (``arrive_by``;
                   infinite without one): every minute past it weighs
                   LATENESS_WEIGHT times a minute on the road;
    jobs_today[j]  jobs the worker accepted in the last 24 hours, and
    offers_today[j] offers made to them in the last 24 hours: a small nudge
                   spreading work across workers (2 minutes a job, half a
                   minute an offer), never worth a long detour.

The batch solves the costs less each job's **priority** (``CostMatrix.priority``)::

    priority[i] = WAITING_WEIGHT * min(waited[i], WAITING_CAP_MINUTES)

    waited[i]      minutes the job has waited for a worker since it opened
                   (0 when not given).

A row's constant, so it never changes whom a job gets when every job can be
matched; but when workers are short the jobs that waited longest — the nearest
to breaking the response promise — are matched first (each minute waited is
worth WAITING_WEIGHT minutes on the road, up to the 30-minute promise), as a
dispatcher taking the queue in order would, without giving up the batch's
shorter trips for a minute or two of waiting. The pair's cost (kept on the
offer, summed by ``total_cost``) does not include it.

A pair is infeasible, and costs INFEASIBLE instead, when the job is beyond the
worker's service radius (great-circle km), the worker may not take it (not
qualified, or offered this job before: ``allowed``), or the worker's time is
taken before they could arrive and finish (``travel + length > free``), or,
when that taken time is a booked job's door, they could not still leave for it
by its "leave by" from this job's door (``travel + length + onward >
next_starts``: ``onward`` is the way planned from this job's door to the booked
one, ``travel.way_minutes_for_km`` — the estimate plus the way rule's margin,
the formula ``candidates.way_blocked`` and ``candidates.departures`` plan with;
``next_starts`` the minutes to that job's time).

``solve(..., "batch")`` finds the assignment of least total cost: with
INFEASIBLE above any sum of feasible costs, the optimum first matches as many
jobs as can be matched, then at the least cost (of the pairs made, each less its
job's priority); infeasible pairs are dropped from the answer. It hands only the
feasible pairs (a tenth of a busy city's) to scipy's sparse Jonker-Volgenant
solver (``min_weight_full_bipartite_matching``), each row of the graph with a
stand-in partner costing more than any other match could save, so a row may be
left unmatched; its rows are the side (jobs or workers) with fewer members that
have a feasible pair. Exact, like ``solve_dense``, the whole matrix through
``scipy.optimize.linear_sum_assignment`` (kept as the reference the bench and
the tests compare with): the same optimum, ties aside, in under half the
solver's time (``bench/README.md``). Its search never crosses from one connected
part of the feasibility graph to another (cities, districts across a river), so
a round of several parts is solved part by part without being split.

``solve(..., "greedy")`` is the baseline (what a one-job-at-a-time dispatcher
does): jobs in the order given (the order they opened), each to its nearest
(least travel, then least cost) feasible worker still free. ``total_cost``
scores every answer the same way.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from doorstep.dispatch.travel import (
    distance_km_matrix,
    minutes_for_km,
    way_minutes_for_km,
)

LATENESS_WEIGHT = 10.0  # a minute late costs ten minutes on the road
JOB_LOAD_WEIGHT = 2.0  # minutes per job the worker took in the last 24 hours
OFFER_LOAD_WEIGHT = 0.5  # minutes per offer made to them in the last 24 hours
WAITING_WEIGHT = 2.0  # minutes on the road a minute of waiting is worth
WAITING_CAP_MINUTES = 30.0  # the response promise: waiting counts up to it
INFEASIBLE = 1e9  # far above any sum of feasible costs (minutes)

STRATEGIES = ("batch", "greedy")


@dataclass(frozen=True)
class Jobs:
    """n open jobs, in the order they opened (arrays of length n)."""

    latitude: np.ndarray
    longitude: np.ndarray
    due_minutes: np.ndarray  # minutes from now to the promised arrival; inf: none
    length_minutes: np.ndarray  # how long the job itself takes
    waited_minutes: np.ndarray | None = None  # since the job opened; None: 0

    def __len__(self) -> int:
        return len(self.latitude)


@dataclass(frozen=True)
class Workers:
    """m free workers (arrays of length m)."""

    latitude: np.ndarray
    longitude: np.ndarray
    radius_km: np.ndarray
    free_minutes: np.ndarray  # minutes from now to their next taken time; inf: none
    jobs_today: np.ndarray
    offers_today: np.ndarray
    # Where their next taken time is (a booked job's door); NaN: nowhere to go.
    next_latitude: np.ndarray | None = None
    next_longitude: np.ndarray | None = None
    # Minutes from now to that job's time (when they are due at its door);
    # None: ``free_minutes``.
    next_starts_minutes: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.latitude)


@dataclass(frozen=True)
class CostMatrix:
    cost: np.ndarray  # n x m, INFEASIBLE where not feasible
    travel: np.ndarray  # n x m whole minutes
    feasible: np.ndarray  # n x m bool
    priority: np.ndarray | None = None  # n: taken off each job's row when solving


def as_array(values, dtype=float) -> np.ndarray:
    return np.asarray(values, dtype=dtype).reshape(-1)


def cost_matrix(
    jobs: Jobs, workers: Workers, *, allowed: np.ndarray | None = None
) -> CostMatrix:
    """The cost of every (job, worker) pair (see the module's docstring).
    ``allowed`` (n x m bool) marks the pairs the rules permit (qualified, not
    offered before); every pair when omitted."""
    distance = distance_km_matrix(
        jobs.latitude, jobs.longitude, workers.latitude, workers.longitude
    )
    # Out of range, not allowed, or busy before they could be done: the few
    # workers with taken time ahead are checked on their own columns.
    infeasible = distance > as_array(workers.radius_km)[None, :]
    travel = minutes_for_km(distance, out=distance)
    if allowed is not None:
        infeasible |= ~np.asarray(allowed, dtype=bool)
    free = as_array(workers.free_minutes)
    busy = np.flatnonzero(np.isfinite(free))
    if len(busy):
        infeasible[:, busy] |= _too_late(jobs, workers, travel, busy)
    cost = np.subtract(travel, as_array(jobs.due_minutes)[:, None])
    np.maximum(cost, 0.0, out=cost)
    cost *= LATENESS_WEIGHT
    cost += travel
    cost += (
        JOB_LOAD_WEIGHT * as_array(workers.jobs_today)
        + OFFER_LOAD_WEIGHT * as_array(workers.offers_today)
    )[None, :]
    priority = None
    if jobs.waited_minutes is not None:
        priority = WAITING_WEIGHT * np.clip(
            as_array(jobs.waited_minutes), 0.0, WAITING_CAP_MINUTES
        )
    np.copyto(cost, INFEASIBLE, where=infeasible)
    feasible = np.logical_not(infeasible, out=infeasible)
    return CostMatrix(cost=cost, travel=travel, feasible=feasible, priority=priority)


def _too_late(
    jobs: Jobs, workers: Workers, travel: np.ndarray, busy: np.ndarray
) -> np.ndarray:
    """For the ``busy`` workers (n x len(busy)): whether doing each job would
    run into their next taken time, or leave them unable to set off from its
    door for their next booked door by its "leave by" (module docstring)."""
    done = travel[:, busy] + as_array(jobs.length_minutes)[:, None]
    late = done > as_array(workers.free_minutes)[busy]
    if workers.next_latitude is None or workers.next_longitude is None:
        return late
    to_lat = as_array(workers.next_latitude)[busy]
    to_lon = as_array(workers.next_longitude)[busy]
    somewhere = np.flatnonzero(~(np.isnan(to_lat) | np.isnan(to_lon)))
    if not len(somewhere):
        return late
    due = (
        as_array(workers.free_minutes)
        if workers.next_starts_minutes is None
        else as_array(workers.next_starts_minutes)
    )[busy[somewhere]]
    onward = way_minutes_for_km(
        distance_km_matrix(
            jobs.latitude, jobs.longitude, to_lat[somewhere], to_lon[somewhere]
        )
    )
    onward += done[:, somewhere]
    late[:, somewhere] |= onward > due
    return late


def solve(matrix: CostMatrix, strategy: str = "batch") -> list[tuple[int, int]]:
    """Feasible (job index, worker index) pairs, each job and each worker at
    most once, in job order."""
    if strategy == "batch":
        return _optimal(matrix)
    if strategy == "greedy":
        return _greedy(matrix)
    raise ValueError(f"unknown strategy {strategy!r}; one of {STRATEGIES}")


def total_cost(matrix: CostMatrix, pairs: list[tuple[int, int]]) -> float:
    """The objective both strategies are judged by: the pairs' costs, plus
    INFEASIBLE for each of the min(n, m) possible pairs left unmade."""
    rows, columns = matrix.cost.shape
    made = sum(float(matrix.cost[i, j]) for i, j in pairs)
    return made + INFEASIBLE * (min(rows, columns) - len(pairs))


def solve_dense(matrix: CostMatrix) -> list[tuple[int, int]]:
    """``solve(matrix, "batch")``'s optimum by the whole cost matrix (what the
    batch ran before the sparse solver): the reference the bench times and the
    tests compare with."""
    # Only jobs and workers with at least one feasible pair take part: the
    # others would be matched at INFEASIBLE and dropped anyway.
    rows = np.flatnonzero(matrix.feasible.any(axis=1))
    columns = np.flatnonzero(matrix.feasible.any(axis=0))
    if not len(rows) or not len(columns):
        return []
    sub = matrix.cost[np.ix_(rows, columns)]
    if matrix.priority is not None:
        # Only a pair made earns its job's priority: taken off the infeasible
        # pairs too, it would reward leaving the longest-waiting jobs on them.
        sub = np.where(
            matrix.feasible[np.ix_(rows, columns)],
            sub - matrix.priority[rows][:, None],
            INFEASIBLE,
        )
    job_at, worker_at = linear_sum_assignment(sub)
    return [
        (int(rows[i]), int(columns[j]))
        for i, j in zip(job_at, worker_at, strict=True)
        if matrix.feasible[rows[i], columns[j]]
    ]


def _optimal(matrix: CostMatrix) -> list[tuple[int, int]]:
    jobs, workers = matrix.cost.shape
    at = np.flatnonzero(matrix.feasible)
    if not len(at):
        return []
    job_at, worker_at = np.divmod(at, workers)
    weight = np.take(matrix.cost, at)
    if matrix.priority is not None:
        weight -= matrix.priority[job_at]
    per_job = np.bincount(job_at, minlength=jobs)
    indptr = np.zeros(jobs + 1, dtype=np.int64)
    np.cumsum(per_job, out=indptr[1:])
    graph = csr_array((weight, worker_at, indptr), shape=(jobs, workers))
    # The solver matches its rows one by one, and a row that cannot be matched
    # costs it a search of all it can reach: the rows are the side with fewer
    # members that have a feasible pair, the side more often matched whole.
    by_worker = np.count_nonzero(
        np.bincount(worker_at, minlength=workers)
    ) <= np.count_nonzero(per_job)
    if by_worker:
        graph = graph.T.tocsr()
    partner = _least_cost_partners(graph)
    made = np.flatnonzero(partner >= 0)
    job_at, worker_at = (partner[made], made) if by_worker else (made, partner[made])
    order = np.argsort(job_at)
    return list(zip(job_at[order].tolist(), worker_at[order].tolist(), strict=True))


def _least_cost_partners(graph: csr_array) -> np.ndarray:
    """Each row's column (-1: none) in the matching of a weighted bipartite
    graph that matches as many rows as can be matched, then at the least total
    weight."""
    rows, columns = graph.shape
    low, high = float(graph.data.min()), float(graph.data.max())
    # A row's stand-in (the row left unmatched) costs more than matching one
    # row more could ever add: |high| for the new pair, (high - low) for each
    # of the others rearranged.
    stand_in = abs(high) + min(rows, columns) * (high - low) + 1.0
    # One slot more per row, last, for its stand-in (a column past the real
    # ones); every weight shifted to 1 or more (the solver takes no zero, and
    # each row pays the shift once, whatever it gets).
    per_row = np.diff(graph.indptr)
    indptr = np.zeros(rows + 1, dtype=np.int64)
    np.cumsum(per_row + 1, out=indptr[1:])
    indices = np.empty(indptr[-1], dtype=np.int64)
    data = np.empty(indptr[-1])
    real = np.arange(graph.nnz) + np.repeat(np.arange(rows), per_row)
    indices[real] = graph.indices
    data[real] = graph.data - (low - 1.0)
    stand_ins = indptr[1:] - 1
    indices[stand_ins] = np.arange(columns, columns + rows)
    data[stand_ins] = stand_in - (low - 1.0)
    row_ind, column_ind = min_weight_full_bipartite_matching(
        csr_array((data, indices, indptr), shape=(rows, columns + rows))
    )
    partner = np.full(rows, -1)
    partner[row_ind] = np.where(column_ind < columns, column_ind, -1)
    return partner


def _greedy(matrix: CostMatrix) -> list[tuple[int, int]]:
    taken = np.zeros(matrix.cost.shape[1], dtype=bool)
    pairs = []
    for i in range(matrix.cost.shape[0]):
        options = np.flatnonzero(matrix.feasible[i] & ~taken)
        if not len(options):
            continue
        # Least travel, then least cost, then the first worker.
        best = options[
            np.lexsort((matrix.cost[i, options], matrix.travel[i, options]))[0]
        ]
        taken[best] = True
        pairs.append((i, int(best)))
    return pairs
