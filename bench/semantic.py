"""Time what semantic search adds to a search at a given number of listings.

    .venv/bin/python bench/semantic.py --listings 100000

Loads the bundled model (``search.semantic``), embeds ``--documents`` real
listing-like texts to measure indexing throughput, then fills a matrix of
``--listings`` unit vectors (a matrix-vector product costs the same whatever
the values) and times, per query of the text mix of ``bench/search.py``
(English, Simplified and Traditional Chinese, typos, each made distinct so the
query cache never answers): the query embedding (uncached), the cosine top-200
over all vectors, and both together, which is what a blended search adds to a
lexical one at most (the candidate ids then join the same SQL). No database:
it measures the model and the matrix alone.
"""

import argparse
import os
import random
import statistics
import sys
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

from doorstep.search import semantic  # noqa: E402

DOCUMENTS = [
    "Home cleaning. Weekly cleaner for flats and houses, kitchen and bathroom",
    "家庭保洁 每周上门打扫. 专业阿姨，厨房卫生间全屋清洁",
    "居家清潔服務. 每週到府打掃，廚房浴室都乾淨",
    "Air conditioner repair. Servicing, gas refill and cleaning of split units",
    "空调维修. 上门检测 加氟 清洗",
    "Piano lessons. Beginners to grade 8, at your home",
]


def percentiles(values):
    ordered = sorted(values)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return statistics.median(ordered), pick(0.95), pick(0.99)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--documents", type=int, default=3000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    rng = random.Random(options.seed)

    started = time.perf_counter()
    semantic.embed_texts(["warm up"])
    print(f"model load: {time.perf_counter() - started:.1f} s")

    texts = [f"{rng.choice(DOCUMENTS)} {i}" for i in range(options.documents)]
    started = time.perf_counter()
    semantic.embed_texts(texts)
    elapsed = time.perf_counter() - started
    print(f"indexing: {options.documents / elapsed:,.0f} listings/s (batches)")

    generator = np.random.default_rng(options.seed)
    matrix = generator.standard_normal((options.listings, semantic.DIMENSIONS))
    matrix = (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)
    ids = np.arange(1, options.listings + 1, dtype=np.int64)
    semantic._vectors = lambda: (ids, matrix)

    words = ENGLISH + SIMPLIFIED + TRADITIONAL + TYPOS
    embed_ms, nearest_ms, total_ms = [], [], []
    for i in range(options.queries):
        query = f"{rng.choice(words)} {i}"
        started = time.perf_counter()
        vector = semantic.embed_query(query)
        middle = time.perf_counter()
        semantic.nearest(query, k=200)
        done = time.perf_counter()
        assert vector.shape == (semantic.DIMENSIONS,)
        embed_ms.append((middle - started) * 1000)
        nearest_ms.append((done - middle) * 1000)
        total_ms.append((done - started) * 1000)
    for label, values in (
        ("query embedding", embed_ms),
        (f"cosine top-200 of {options.listings:,}", nearest_ms),
        ("added per search", total_ms),
    ):
        p50, p95, p99 = percentiles(values)
        print(f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
