"""Time what semantic search adds to a search at a given number of listings.

    .venv/bin/python bench/semantic.py --listings 100000

Loads the bundled model (``search.semantic``) and embeds ``--documents``
listing-like texts to measure indexing throughput. Then it builds the vectors
of ``--listings`` listings: by default (``--vectors corpus``) listing-like
texts made from the relevance corpus (``search/relevance/corpus.json``: the
title of one listing with a district and a detail, the description of another
of the same category four times in five), embedded by the model and cached in
``--cache`` (embedding 100,000 took 26 minutes on the loaded shared machine), so
the neighbours are those real listings have; ``--vectors random`` takes random
unit vectors instead (the same timings, but no structure, so recall there
means nothing). It builds the ``VectorIndex`` the search builds (timed: it
runs whenever the table changed), and for each of ``--queries`` queries of the
text mix of ``bench/search.py`` (English, Simplified and Traditional Chinese,
typos, each made distinct so the query cache never answers) it times,
interleaved: the query embedding uncached, then cached (the second time the
same text is asked for); the exact scan (every 512-dimension vector, the
baseline); the two-pass scan (``VectorIndex.top``: the coarse projection, then
the exact re-scoring); and it counts the recall of the two-pass top-200 against
the exact one, over all 200 and over those at or above ``ranking.SEMANTIC_FLOOR``
(the ones a search keeps). No database: the model and the matrix alone; the
candidate ids then join the same SQL as the lexical matches.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from search import ENGLISH, SIMPLIFIED, TRADITIONAL, TYPOS  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from doorstep.search import ranking, semantic  # noqa: E402

CORPUS = ROOT / "src" / "doorstep" / "search" / "relevance" / "corpus.json"
DISTRICTS = [
    *("Jing'an", "Xuhui", "Pudong", "Changning", "Minhang", "Hongkou", "Yangpu"),
    *("静安", "徐汇", "浦东", "长宁", "闵行", "虹口", "杨浦", "信義區", "大安區"),
]
DETAILS = [
    *("{n} years experience", "from {n} yuan", "{n}年经验", "{n}元起", "{n}年經驗"),
    *("call before {n} pm", "rated {n} stars", "team of {n}", ""),
]
K = ranking.SEMANTIC_CANDIDATES


def listing_texts(count: int, seed: int) -> list[str]:
    listings = json.loads(CORPUS.read_text())["listings"]
    by_category: dict[str, list[dict]] = {}
    for item in listings:
        by_category.setdefault(item["category"], []).append(item)
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        first = rng.choice(listings)
        pool = by_category[first["category"]] if rng.random() < 0.8 else listings
        second = rng.choice(pool)
        detail = rng.choice(DETAILS).format(n=rng.randint(1, 30))
        title = f"{first['title']} {rng.choice(DISTRICTS)} {detail}".strip()
        texts.append(semantic.document_text(title, second["description"]))
    return texts


def corpus_vectors(count: int, seed: int, cache: Path) -> np.ndarray:
    path = cache / f"doorstep-semantic-corpus-{count}-{seed}.npy"
    if path.exists():
        print(f"vectors: {path} (cached)")
        return np.load(path)
    texts = listing_texts(count, seed)
    started = time.perf_counter()
    matrix = np.concatenate(
        [
            semantic.embed_texts(texts[start : start + 2048])
            for start in range(0, count, 2048)
        ]
    )
    print(f"vectors: embedded {count:,} in {time.perf_counter() - started:.0f} s")
    np.save(path, matrix)
    return matrix


def random_vectors(count: int, seed: int) -> np.ndarray:
    matrix = np.random.default_rng(seed).standard_normal((count, semantic.DIMENSIONS))
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return statistics.median(ordered), pick(0.95), pick(0.99)


def exact_top(matrix: np.ndarray, query: np.ndarray, k: int) -> np.ndarray:
    similarity = matrix @ query
    return np.argpartition(-similarity, k - 1)[:k], similarity


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--vectors", choices=["corpus", "random"], default="corpus")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--coarse-dimensions", type=int, default=semantic.COARSE_DIMENSIONS
    )
    parser.add_argument(
        "--rescored-per-result", type=int, default=semantic.RESCORED_PER_RESULT
    )
    options = parser.parse_args()
    semantic.COARSE_DIMENSIONS = options.coarse_dimensions
    semantic.RESCORED_PER_RESULT = options.rescored_per_result
    rng = random.Random(options.seed)
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))

    started = time.perf_counter()
    semantic.embed_texts(["warm up"])
    print(f"model load: {time.perf_counter() - started:.1f} s")

    texts = listing_texts(options.documents, options.seed + 1)
    started = time.perf_counter()
    semantic.embed_texts(texts)
    elapsed = time.perf_counter() - started
    print(f"indexing: {options.documents / elapsed:,.0f} listings/s (batches)")

    if options.vectors == "corpus":
        matrix = corpus_vectors(options.listings, options.seed, options.cache)
    else:
        matrix = random_vectors(options.listings, options.seed)
    ids = np.arange(1, len(matrix) + 1, dtype=np.int64)
    # One BLAS thread, as a web process serving requests side by side has.
    with threadpool_limits(1):
        started = time.perf_counter()
        index = semantic.VectorIndex(ids, matrix)
        built = time.perf_counter() - started
        print(f"index build (basis and projection): {built * 1000:.0f} ms")
        assert index.coarse is not None, "fewer listings than TWO_PASS_FROM"

        words = ENGLISH + SIMPLIFIED + TRADITIONAL + TYPOS
        times: dict[str, list[float]] = {
            "query embedding, uncached": [],
            "query embedding, cached": [],
            f"exact scan, top-{K} of {len(ids):,}": [],
            f"two-pass scan, top-{K} of {len(ids):,}": [],
        }
        labels = list(times)
        recall_all, recall_floor = [], []
        for i in range(options.queries):
            query = f"{rng.choice(words)} {i}"
            marks = [time.perf_counter()]
            vector = semantic.embed_query(query)
            marks.append(time.perf_counter())
            semantic.embed_query(query)
            marks.append(time.perf_counter())
            exact, similarity = exact_top(matrix, vector, K)
            marks.append(time.perf_counter())
            positions, _ = index.top(vector, K)
            marks.append(time.perf_counter())
            for label, start, end in zip(labels, marks, marks[1:], strict=False):
                times[label].append((end - start) * 1000)
            found = set(positions.tolist())
            recall_all.append(len(found & set(exact.tolist())) / K)
            kept = {int(p) for p in exact if similarity[p] >= ranking.SEMANTIC_FLOOR}
            if kept:
                recall_floor.append(len(found & kept) / len(kept))

    print(
        f"coarse: {semantic.COARSE_DIMENSIONS} dimensions "
        f"({index.coarse.nbytes / 1e6:.0f} MB against {matrix.nbytes / 1e6:.0f} MB), "
        f"{max(semantic.RESCORED_MIN, semantic.RESCORED_PER_RESULT * K):,} re-scored"
    )
    for label in labels:
        p50, p95, p99 = percentiles(times[label])
        print(f"{label}: p50 {p50:.2f} ms, p95 {p95:.2f} ms, p99 {p99:.2f} ms")
    exact_p = percentiles(times[labels[2]])
    two_pass_p = percentiles(times[labels[3]])
    print(
        f"exact / two-pass: p50 {exact_p[0] / two_pass_p[0]:.1f}x, "
        f"p95 {exact_p[1] / two_pass_p[1]:.1f}x"
    )
    for label, cold in (("cold query", labels[0]), ("repeated query", labels[1])):
        total = [a + b for a, b in zip(times[cold], times[labels[3]], strict=True)]
        p50, p95, p99 = percentiles(total)
        print(f"added per search, {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(
        f"recall of the top-{K}: mean {statistics.mean(recall_all):.4f}, "
        f"worst {min(recall_all):.3f}; at or above the floor "
        f"{ranking.SEMANTIC_FLOOR} ({len(recall_floor)} queries with any): "
        f"mean {statistics.mean(recall_floor or [1.0]):.4f}, "
        f"worst {min(recall_floor or [1.0]):.3f}"
    )
    print("load average after: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
