"""The assignment's cost and its two strategies, on arrays alone (no database):
every pair respects the rules, the batch finds the true optimum and never does
worse than the greedy baseline."""

import dataclasses
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.dispatch import assignment
from doorstep.dispatch.assignment import (
    INFEASIBLE,
    LATENESS_WEIGHT,
    Jobs,
    Workers,
    cost_matrix,
    solve,
    total_cost,
)
from doorstep.dispatch.travel import (
    distance_km_matrix,
    minutes_for_km,
    travel_minutes,
    way_minutes,
    way_minutes_for_km,
)

HOME = (31.2235, 121.4453)
INF = math.inf


def jobs(*positions, due=INF, length=60.0) -> Jobs:
    n = len(positions)
    return Jobs(
        latitude=np.array([p[0] for p in positions]),
        longitude=np.array([p[1] for p in positions]),
        due_minutes=np.full(n, due, dtype=float),
        length_minutes=np.full(n, length, dtype=float),
    )


def workers(*positions, radius=15.0, free=INF, jobs_today=0, offers_today=0):
    m = len(positions)
    return Workers(
        latitude=np.array([p[0] for p in positions]),
        longitude=np.array([p[1] for p in positions]),
        radius_km=np.full(m, radius, dtype=float),
        free_minutes=np.full(m, free, dtype=float),
        jobs_today=np.full(m, jobs_today, dtype=float),
        offers_today=np.full(m, offers_today, dtype=float),
    )


def north(km: float) -> tuple[float, float]:
    return (HOME[0] + km / 111.2, HOME[1])


# --- Travel: one formula, one pair or many --------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=-60, max_value=60),
            st.floats(min_value=-179, max_value=179),
        ),
        min_size=1,
        max_size=5,
    ),
    st.lists(
        st.tuples(
            st.floats(min_value=-60, max_value=60),
            st.floats(min_value=-179, max_value=179),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_the_travel_matrix_is_the_single_pair_estimate(origins, destinations):
    distance = distance_km_matrix(
        [o[0] for o in origins],
        [o[1] for o in origins],
        [d[0] for d in destinations],
        [d[1] for d in destinations],
    )
    minutes = minutes_for_km(distance)
    for i, origin in enumerate(origins):
        for j, destination in enumerate(destinations):
            # Float rounding may tip a whole minute exactly on the boundary.
            assert abs(minutes[i, j] - travel_minutes(origin, destination)) <= 1


def test_the_travel_matrix_agrees_exactly_on_ordinary_distances():
    assert minutes_for_km(np.array([0.0, 1.0, 5.5]))[0] == 8
    points = [north(km) for km in (0.3, 1, 2.5, 7, 12)]
    minutes = minutes_for_km(
        distance_km_matrix(
            [HOME[0]], [HOME[1]], [p[0] for p in points], [p[1] for p in points]
        )
    )
    assert minutes[0].tolist() == [travel_minutes(HOME, p) for p in points]


# --- The cost -------------------------------------------------------------------------


def test_the_cost_is_travel_plus_weighted_lateness_plus_a_little_load():
    matrix = cost_matrix(
        jobs(HOME, due=10.0), workers(north(2), jobs_today=1, offers_today=2)
    )
    travel = travel_minutes(north(2), HOME)
    assert travel > 10
    assert matrix.cost[0, 0] == pytest.approx(
        travel + LATENESS_WEIGHT * (travel - 10) + 2 * 1.0 + 0.5 * 2
    )


def test_when_workers_are_short_the_job_that_waited_longest_is_matched_first():
    # two jobs, one worker: the newer job is 2 km nearer to them, the older one
    # has waited 20 minutes of its 30-minute response promise
    round_jobs = jobs(north(3), north(1))
    waited = Jobs(
        latitude=round_jobs.latitude,
        longitude=round_jobs.longitude,
        due_minutes=round_jobs.due_minutes,
        length_minutes=round_jobs.length_minutes,
        waited_minutes=np.array([20.0, 0.0]),
    )
    worker = workers(HOME)

    # without the wait, the batch sends the worker to the nearer job; with it,
    # to the one nearest to breaking its promise
    assert solve(cost_matrix(round_jobs, worker), "batch") == [(1, 0)]
    assert solve(cost_matrix(waited, worker), "batch") == [(0, 0)]
    # and when every job can be matched, waiting changes nobody's worker
    two = workers(north(3), north(1))
    assert solve(cost_matrix(waited, two), "batch") == solve(
        cost_matrix(round_jobs, two), "batch"
    )


@pytest.mark.parametrize(
    ("worker", "allowed"),
    [
        (workers(north(20)), True),  # out of range
        (workers(north(1), free=30), True),  # busy before they could finish
        (workers(north(1)), False),  # not qualified, or offered this job before
    ],
)
def test_infeasible_pairs_cost_the_large_constant_and_are_never_made(worker, allowed):
    matrix = cost_matrix(jobs(HOME), worker, allowed=np.array([[allowed]]))

    assert matrix.cost[0, 0] == INFEASIBLE
    for strategy in assignment.STRATEGIES:
        assert solve(matrix, strategy) == []


def test_a_busy_worker_must_also_reach_their_next_door_in_time():
    # A worker 1 km away, free for 100 minutes, then booked at a door: a job
    # of 60 minutes fits only if the way on to that door fits too.
    job = jobs(HOME, length=60.0)
    to_job = travel_minutes(north(1), HOME)

    def worker_booked_at(door) -> Workers:
        return dataclasses.replace(
            workers(north(1), free=100.0),
            next_latitude=np.array([door[0]]),
            next_longitude=np.array([door[1]]),
        )

    near = cost_matrix(job, worker_booked_at(north(-1)))
    far = cost_matrix(job, worker_booked_at(north(-14)))
    nowhere = cost_matrix(job, worker_booked_at((math.nan, math.nan)))

    onward_near, onward_far = (
        way_minutes(HOME, north(-1)),
        way_minutes(HOME, north(-14)),
    )
    assert to_job + 60 + onward_near <= 100 < to_job + 60 + onward_far
    assert near.feasible[0, 0]
    assert not far.feasible[0, 0]
    assert far.cost[0, 0] == INFEASIBLE
    assert nowhere.feasible[0, 0]  # time off: no door to reach


def test_a_worker_holding_a_booked_job_must_still_leave_for_it_by_its_leave_by():
    # Given a worker 1 km from an ASAP job of 60 minutes, their time claimed in
    # 120 minutes (the travel to a booked door, estimated from where they are)
    # and due at that door in 150: the job fits before the claim, and the raw
    # travel on to the booked door fits too — but not the way planned for it
    # (the estimate + 20% + 5 min, ``candidates.departures``' "leave by").
    job = jobs(HOME, length=60.0)
    done = travel_minutes(north(1), HOME) + 60

    def booked_at(door, due) -> Workers:
        return dataclasses.replace(
            workers(north(1), free=120.0),
            next_latitude=np.array([door[0]]),
            next_longitude=np.array([door[1]]),
            next_starts_minutes=np.array([due]),
        )

    door = north(-12)
    raw, planned = travel_minutes(HOME, door), way_minutes(HOME, door)
    tight = done + raw + 1  # the raw travel fits, the planned way does not
    assert done <= 120
    assert done + raw <= tight < done + planned

    # When the batch costs the pairs
    missed = cost_matrix(job, booked_at(door, tight))
    kept = cost_matrix(job, booked_at(door, done + planned))

    # Then the worker is not sent where they would miss the leave-by
    assert not missed.feasible[0, 0]
    assert missed.cost[0, 0] == INFEASIBLE
    for strategy in assignment.STRATEGIES:
        assert solve(missed, strategy) == []
    assert kept.feasible[0, 0]
    # and the claim's own start still bounds the job (the database would
    # refuse an overlapping claim), whatever the door's time.
    assert not cost_matrix(
        jobs(HOME, length=200.0), booked_at(north(-1), 1e6)
    ).feasible[0, 0]


def test_the_way_planned_is_one_formula_for_one_pair_or_many():
    doors = [north(km) for km in (0.5, 3, 9, 14)]
    planned = way_minutes_for_km(
        distance_km_matrix(
            np.array([HOME[0]]),
            np.array([HOME[1]]),
            np.array([d[0] for d in doors]),
            np.array([d[1] for d in doors]),
        )
    )[0]

    assert planned.tolist() == pytest.approx([way_minutes(HOME, d) for d in doors])


def test_the_batch_gives_up_the_nearest_worker_when_that_serves_everyone():
    # The first job's nearest worker is the only one who can reach the second.
    matrix = cost_matrix(
        jobs(HOME, north(12)),
        Workers(
            latitude=np.array([north(2)[0], north(-3)[0]]),
            longitude=np.array([HOME[1], HOME[1]]),
            radius_km=np.array([15.0, 5.0]),
            free_minutes=np.array([INF, INF]),
            jobs_today=np.zeros(2),
            offers_today=np.zeros(2),
        ),
    )

    assert solve(matrix, "greedy") == [(0, 0)]
    assert solve(matrix, "batch") == [(0, 1), (1, 0)]


def test_an_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="unknown strategy"):
        solve(cost_matrix(jobs(HOME), workers(HOME)), "random")


# --- Properties on random small rounds ------------------------------------------------


@st.composite
def rounds(draw, max_jobs=6, max_workers=6):
    n = draw(st.integers(0, max_jobs))
    m = draw(st.integers(0, max_workers))
    offsets = st.floats(min_value=-0.12, max_value=0.12)  # about ±13 km

    def column(size, strategy):
        return np.array(draw(st.lists(strategy, min_size=size, max_size=size)))

    round_jobs = Jobs(
        latitude=HOME[0] + column(n, offsets),
        longitude=HOME[1] + column(n, offsets),
        due_minutes=column(n, st.sampled_from([INF, 15.0, 30.0, 60.0, 120.0])),
        length_minutes=column(n, st.sampled_from([30.0, 60.0, 120.0])),
    )
    round_workers = Workers(
        latitude=HOME[0] + column(m, offsets),
        longitude=HOME[1] + column(m, offsets),
        radius_km=column(m, st.floats(min_value=1, max_value=25)),
        free_minutes=column(m, st.sampled_from([INF, INF, 45.0, 90.0, 240.0])),
        jobs_today=column(m, st.integers(0, 8)).astype(float),
        offers_today=column(m, st.integers(0, 20)).astype(float),
    )
    allowed = np.array(
        draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m)),
        dtype=bool,
    ).reshape(n, m)
    return cost_matrix(round_jobs, round_workers, allowed=allowed)


def brute_force_optimum(matrix) -> float:
    n, m = matrix.cost.shape
    if n <= m:
        choices = (
            sum(matrix.cost[i, j] for i, j in enumerate(columns))
            for columns in itertools.permutations(range(m), n)
        )
    else:
        choices = (
            sum(matrix.cost[i, j] for j, i in enumerate(rows))
            for rows in itertools.permutations(range(n), m)
        )
    return float(min(choices, default=0.0))


@pytest.mark.parametrize("strategy", assignment.STRATEGIES)
@settings(max_examples=150, deadline=None)
@given(matrix=rounds())
def test_no_worker_or_job_twice_and_no_infeasible_pair(strategy, matrix):
    pairs = solve(matrix, strategy)

    assert len({i for i, _ in pairs}) == len(pairs)
    assert len({j for _, j in pairs}) == len(pairs)
    assert all(matrix.feasible[i, j] for i, j in pairs)
    assert all(matrix.cost[i, j] < INFEASIBLE for i, j in pairs)


@settings(max_examples=150, deadline=None)
@given(matrix=rounds())
def test_the_batch_is_the_brute_force_optimum_and_never_worse_than_greedy(matrix):
    batch = total_cost(matrix, solve(matrix, "batch"))

    assert batch == pytest.approx(brute_force_optimum(matrix), rel=1e-12, abs=1e-6)
    assert batch <= total_cost(matrix, solve(matrix, "greedy")) + 1e-6


@settings(max_examples=100, deadline=None)
@given(matrix=rounds())
def test_the_batch_matches_as_many_jobs_as_any_assignment_can(matrix):
    # INFEASIBLE outweighs every feasible cost: the count comes first.
    n, m = matrix.cost.shape
    best = brute_force_optimum(matrix)
    most = min(n, m) - round(best // INFEASIBLE)
    assert len(solve(matrix, "batch")) == most


# --- The sparse solver against the dense reference ------------------------------------


def objective(matrix, pairs) -> float:
    """What the batch minimises: the pairs' costs less their jobs' priority,
    plus INFEASIBLE for each of the min(n, m) possible pairs left unmade."""
    priority = (
        np.zeros(matrix.cost.shape[0]) if matrix.priority is None else matrix.priority
    )
    made = sum(float(matrix.cost[i, j] - priority[i]) for i, j in pairs)
    return made + INFEASIBLE * (min(matrix.cost.shape) - len(pairs))


def brute_force_objective(matrix) -> float:
    n, m = matrix.cost.shape
    if n <= m:
        choices = (
            list(enumerate(columns)) for columns in itertools.permutations(range(m), n)
        )
    else:
        choices = (
            [(i, j) for j, i in enumerate(rows)]
            for rows in itertools.permutations(range(n), m)
        )
    return min(
        (
            objective(matrix, [(i, j) for i, j in pairs if matrix.feasible[i, j]])
            for pairs in choices
        ),
        default=0.0,
    )


@st.composite
def waiting_rounds(draw, max_jobs=6, max_workers=6):
    """Small rounds whose jobs have waited (or not): the priority in play."""
    matrix = draw(rounds(max_jobs, max_workers))
    n = matrix.cost.shape[0]
    if draw(st.booleans()):
        waited = st.sampled_from([0.0, 5.0, 12.5, 30.0, 45.0])
        priority = assignment.WAITING_WEIGHT * np.clip(
            np.array(draw(st.lists(waited, min_size=n, max_size=n))),
            0.0,
            assignment.WAITING_CAP_MINUTES,
        )
        matrix = dataclasses.replace(matrix, priority=priority)
    return matrix


@st.composite
def random_matrices(draw):
    """Rounds too large for brute force (up to 40 x 40), any density down to
    none, costs with ties, with or without priorities."""
    n, m = draw(st.integers(0, 40)), draw(st.integers(0, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    feasible = rng.random((n, m)) < draw(st.sampled_from([0.0, 0.05, 0.15, 0.4, 1.0]))
    cost = np.where(feasible, rng.integers(8, 60, (n, m)) * 0.5, INFEASIBLE)
    priority = rng.choice([0.0, 10.0, 60.0], n) if draw(st.booleans()) else None
    return assignment.CostMatrix(
        cost=cost, travel=cost.copy(), feasible=feasible, priority=priority
    )


@settings(max_examples=150, deadline=None)
@given(matrix=waiting_rounds())
def test_the_batch_and_the_dense_reference_reach_the_brute_force_optimum(matrix):
    best = brute_force_objective(matrix)

    for pairs in (solve(matrix, "batch"), assignment.solve_dense(matrix)):
        assert objective(matrix, pairs) == pytest.approx(best, rel=1e-12, abs=1e-6)
        assert all(matrix.feasible[i, j] for i, j in pairs)


@settings(max_examples=200, deadline=None)
@given(matrix=random_matrices())
def test_the_batch_reaches_the_dense_optimum_on_larger_rounds(matrix):
    pairs = solve(matrix, "batch")

    assert pairs == sorted(pairs)
    assert len({i for i, _ in pairs}) == len({j for _, j in pairs}) == len(pairs)
    assert all(matrix.feasible[i, j] for i, j in pairs)
    assert objective(matrix, pairs) == pytest.approx(
        objective(matrix, assignment.solve_dense(matrix)), rel=1e-12, abs=1e-6
    )


def test_the_longest_waiting_job_goes_first_even_with_workers_to_spare_elsewhere():
    # Given two jobs near one worker, the farther one has waited 20 minutes;
    # across town two workers stand near a third job (three jobs, three
    # workers: the round is not short of workers, only this corner is)
    round_jobs = dataclasses.replace(
        jobs(north(3), north(1), north(41)),
        waited_minutes=np.array([20.0, 0.0, 0.0]),
    )
    round_workers = workers(HOME, north(40), north(40.5))

    # When the batch assigns the round
    pairs = solve(cost_matrix(round_jobs, round_workers), "batch")

    # Then the worker near the two goes to the one that waited
    assert (0, 0) in pairs
    assert (1, 0) not in pairs
    assert len(pairs) == 2
