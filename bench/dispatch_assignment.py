"""Batch assignment of a busy city's round: 1,000 open jobs x 1,000 workers.

    .venv/bin/python bench/dispatch_assignment.py

Times what ``dispatch.batch.run_round`` does between loading its inputs and
making its offers: ``assignment.cost_matrix`` (the vectorised cost of every
pair) and ``assignment.solve`` (the feasible pairs through scipy's sparse
``min_weight_full_bipartite_matching``), ``--runs`` times (200 by default)
after 5 warm-up rounds, over ``--instances`` random rounds (10) taken in turn.
Prints p50/p95/p99 in milliseconds of wall time and of the thread's CPU time
(what the machine's neighbours cannot inflate), for the batch strategy and,
measured in the same run on the same rounds, for three baselines:

* dense: the same matrix through ``assignment.solve_dense`` (the whole matrix
  through ``scipy.optimize.linear_sum_assignment``, what the batch ran before),
  whose optimum the batch's must equal on every round (checked and printed);
* greedy: the same matrix, then each job in turn to its nearest free worker
  (the one-job-at-a-time dispatcher), whose p50 the batch's is compared with;
* pure Python: the same matrix built pair by pair with
  ``travel.travel_minutes`` (``--python-runs`` times, 3 by default), whose
  median the vectorised build's is compared with.

It also prints what each strategy achieves on the rounds: jobs matched, the
mean minutes on the road, the jobs that would arrive late and the objective
of the pairs made (``assignment.total_cost`` less INFEASIBLE for each job left
unmatched, which it also counts). No database: the inputs are drawn at random over
central Shanghai. The target is p95 <= 50 ms for the batch strategy.

The round: jobs and workers spread over a 33 x 28 km box; workers range 5-15
km; each job is due 45-120 minutes from now (how long it has waited) and lasts
1-3 hours; one worker in seven has taken time 30 minutes to 5 hours ahead;
jobs come from 12 categories (a few popular), each worker is trained in 2-5 of
them, and 1% of the pairs were offered before (declined or lapsed).
"""

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from doorstep.dispatch import assignment  # noqa: E402
from doorstep.dispatch.travel import travel_minutes  # noqa: E402

CENTRE = (31.2304, 121.4737)  # People's Square
TARGET_P95_MS = 50.0
CATEGORIES = 12


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--python-runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--cities",
        type=int,
        default=1,
        help="spread the round over this many cities 110 km apart (one round of "
        "several disjoint parts, as a multi-city batch would be)",
    )
    return parser.parse_args(argv)


def make_round(rng: np.random.Generator, n: int, m: int, cities: int = 1):
    popularity = 1.0 / np.arange(1, CATEGORIES + 1)
    popularity /= popularity.sum()
    job_category = rng.choice(CATEGORIES, size=n, p=popularity)
    trained = np.zeros((m, CATEGORIES), dtype=bool)
    for j in range(m):
        skills = rng.choice(
            CATEGORIES, size=rng.integers(2, 6), replace=False, p=popularity
        )
        trained[j, skills] = True
    allowed = trained[:, job_category].T & (rng.random((n, m)) >= 0.01)

    def city(size: int) -> np.ndarray:
        # A degree of latitude apart (the default draws nothing more, so one
        # city's rounds stay those of earlier runs).
        return rng.integers(0, cities, size) if cities > 1 else np.zeros(size)

    jobs = assignment.Jobs(
        latitude=CENTRE[0] + rng.uniform(-0.15, 0.15, n) + city(n),
        longitude=CENTRE[1] + rng.uniform(-0.15, 0.15, n),
        due_minutes=rng.uniform(45, 120, n),
        length_minutes=rng.choice([60.0, 120.0, 180.0], size=n),
    )
    taken_ahead = rng.random(m) < 1 / 7
    workers = assignment.Workers(
        latitude=CENTRE[0] + rng.uniform(-0.15, 0.15, m) + city(m),
        longitude=CENTRE[1] + rng.uniform(-0.15, 0.15, m),
        radius_km=rng.uniform(5, 15, m),
        free_minutes=np.where(taken_ahead, rng.uniform(30, 300, m), np.inf),
        jobs_today=rng.integers(0, 7, m).astype(float),
        offers_today=rng.integers(0, 16, m).astype(float),
    )
    return jobs, workers, allowed


def python_matrix(jobs, workers, allowed) -> list[list[float]]:
    """The same costs, one pair at a time (the baseline for the build)."""
    rows = []
    for i in range(len(jobs)):
        door = (jobs.latitude[i], jobs.longitude[i])
        row = []
        for j in range(len(workers)):
            position = (workers.latitude[j], workers.longitude[j])
            travel = travel_minutes(position, door)
            feasible = (
                allowed[i, j]
                and travel + jobs.length_minutes[i] <= workers.free_minutes[j]
                and _km(position, door) <= workers.radius_km[j]
            )
            row.append(
                travel
                + assignment.LATENESS_WEIGHT * max(0.0, travel - jobs.due_minutes[i])
                + assignment.JOB_LOAD_WEIGHT * workers.jobs_today[j]
                + assignment.OFFER_LOAD_WEIGHT * workers.offers_today[j]
                if feasible
                else assignment.INFEASIBLE
            )
        rows.append(row)
    return rows


def _km(a, b) -> float:
    from doorstep.core.geo import distance_km

    return distance_km(*a, *b)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def assign(matrix: assignment.CostMatrix, strategy: str) -> list[tuple[int, int]]:
    if strategy == "dense":
        return assignment.solve_dense(matrix)
    return assignment.solve(matrix, strategy)


def time_strategy(rounds, strategy: str, runs: int):
    wall, cpu = [], []
    for k in range(runs + 5):
        jobs, workers, allowed = rounds[k % len(rounds)]
        started, started_cpu = time.perf_counter(), time.thread_time()
        matrix = assignment.cost_matrix(jobs, workers, allowed=allowed)
        assign(matrix, strategy)
        if k >= 5:
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu


def quality(rounds, strategy: str) -> dict[str, float]:
    """Per round on average: jobs matched, late arrivals, the pairs' cost; and
    the mean minutes on the road per job matched."""
    matched = travel = late = objective = 0.0
    for jobs, workers, allowed in rounds:
        matrix = assignment.cost_matrix(jobs, workers, allowed=allowed)
        pairs = assign(matrix, strategy)
        matched += len(pairs)
        travel += sum(matrix.travel[i, j] for i, j in pairs)
        late += sum(matrix.travel[i, j] > jobs.due_minutes[i] for i, j in pairs)
        objective += sum(matrix.cost[i, j] for i, j in pairs)
    count = len(rounds)
    return {
        "matched": matched / count,
        "travel": travel / matched if matched else math.nan,
        "late": late / count,
        "objective": objective / count,
    }


def same_optimum(rounds) -> tuple[int, float]:
    """On how many rounds the batch's optimum equals the dense reference's
    (``assignment.total_cost``, to a millionth of a minute), and the largest
    difference."""
    same, largest = 0, 0.0
    for jobs, workers, allowed in rounds:
        matrix = assignment.cost_matrix(jobs, workers, allowed=allowed)
        difference = abs(
            assignment.total_cost(matrix, assignment.solve(matrix, "batch"))
            - assignment.total_cost(matrix, assignment.solve_dense(matrix))
        )
        same += difference <= 1e-6
        largest = max(largest, difference)
    return same, largest


def main(argv: list[str]) -> int:
    options = parse_args(argv)
    rng = np.random.default_rng(options.seed)
    rounds = [
        make_round(rng, options.jobs, options.workers, options.cities)
        for _ in range(options.instances)
    ]
    density = statistics.mean(
        float(assignment.cost_matrix(jobs, workers, allowed=allowed).feasible.mean())
        for jobs, workers, allowed in rounds
    )
    print(
        f"{options.jobs:,} jobs x {options.workers:,} workers, "
        f"{options.instances} rounds, {density:.1%} of the pairs feasible"
        + (f", {options.cities} cities" if options.cities > 1 else "")
    )
    results = {}
    for strategy in ("batch", "dense", "greedy"):
        results[strategy] = time_strategy(rounds, strategy, options.runs)
    print(f"{'':<26}{'p50':>9}{'p95':>9}{'p99':>9}   (ms, {options.runs} runs)")
    for strategy, (wall, cpu) in results.items():
        for label, samples in (("wall", wall), ("cpu", cpu)):
            p50, p95, p99 = percentiles(samples)
            print(f"{strategy + ' ' + label:<26}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}")
    build_numpy = []
    for jobs, workers, allowed in rounds[: options.python_runs]:
        started = time.perf_counter()
        assignment.cost_matrix(jobs, workers, allowed=allowed)
        build_numpy.append((time.perf_counter() - started) * 1000)
    build_python = []
    for jobs, workers, allowed in rounds[: options.python_runs]:
        started = time.perf_counter()
        python_matrix(jobs, workers, allowed)
        build_python.append((time.perf_counter() - started) * 1000)
    batch_p50 = percentiles(results["batch"][0])[0]
    greedy_p50 = percentiles(results["greedy"][0])[0]
    print(
        f"wall p50: batch / greedy {batch_p50 / greedy_p50:.2f}x; "
        f"matrix build, pure Python / numpy (median of {options.python_runs}): "
        f"{statistics.median(build_python):,.0f} ms / "
        f"{statistics.median(build_numpy):.1f} ms = "
        f"{statistics.median(build_python) / statistics.median(build_numpy):,.0f}x"
    )
    print(f"{'':<10}{'matched':>9}{'mean travel':>13}{'late':>7}{'cost':>10}")
    for strategy in ("batch", "dense", "greedy"):
        q = quality(rounds, strategy)
        print(
            f"{strategy:<10}{q['matched']:>9.1f}{q['travel']:>10.1f} min"
            f"{q['late']:>7.1f}{q['objective']:>10,.0f}"
        )
    same, largest = same_optimum(rounds)
    print(
        f"batch = dense optimum on {same} of {len(rounds)} rounds "
        f"(largest difference {largest:.2g} cost-minutes); "
        f"wall p50 dense / batch {percentiles(results['dense'][0])[0] / batch_p50:.2f}x"
    )
    p95 = percentiles(results["batch"][0])[1]
    verdict = "meets" if p95 <= TARGET_P95_MS else "misses"
    print(f"batch wall p95 {p95:.1f} ms {verdict} the target ({TARGET_P95_MS} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
