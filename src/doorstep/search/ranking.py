"""How results are ordered: the one place that says so.

**Best match** (``Sort.RELEVANCE``) orders by a score that is a sum of terms, each
on a 0..1 scale times its weight, so no single term can swamp the others:

``score = W_TEXT·text + W_REPUTATION·reputation + W_RESPONSIVENESS·response
+ W_DISTANCE·nearness + PROMOTED_BOOST·promoted``

* **text** (only with a query): how well the words match, from the engine's own
  measure, BM25 on SQLite (``bm25()``, title weighted ``TITLE_WEIGHT``× body)
  or ``ts_rank`` on PostgreSQL (title as weight A, body as B). Both grow without
  bound, so each is squashed with ``t / (t + K)``: K is the value that counts as
  "half relevant" for that engine (``BM25_HALF``, ``TS_RANK_HALF``). It weighs
  most: what the customer typed matters more than anything we know.
* **reputation**: the Bayesian average of the listing's ratings, shrunk toward
  its category's mean as if it had ``PRIOR_REVIEWS`` more reviews at that mean:
  ``(m·C + n·mean) / (m + n)``. One 5★ review stays close to the category mean,
  so it does not beat 200 reviews averaging 4.9★. The category mean C is itself
  shrunk toward ``PLATFORM_PRIOR_MEAN`` with ``CATEGORY_PRIOR_REVIEWS`` reviews,
  so a category with two listings cannot set its own bar. Scaled from 1..5 to 0..1.
  "Top rated" sorts by the same shrunk value (``rating_score``).
* **response**: ``1 / (1 + minutes / 60)`` of the provider's median time to answer
  a request (1 when instant, ½ at an hour); ``UNKNOWN_RESPONSIVENESS`` for a
  provider without history, about a two-hour answer: no penalty for being new.
  Small weight: it breaks ties between similar listings.
* **nearness** (only with a location): ``1 / (1 + (d / DISTANCE_HALF_KM)²)``, ½ at
  ``DISTANCE_HALF_KM`` (3 km: across a district, not across town). Computed
  from the squared chord (``search.geometry``), which is d² up to 0.01 % at
  city scale and needs no trigonometry in SQL.
* **promoted**: a paid placement adds ``PROMOTED_BOOST`` while ``promoted_until``
  is in the future. Enough to lift a decent listing a few places, never enough to
  bury a much better match; every promoted hit carries ``is_promoted`` so the page
  can label it. At most one hit in ``DOORSTEP_PROMOTED_SHARE`` on a best-match
  page is promoted (``queries._merge_capped``): promoted matches beyond that wait
  for the next page, however high they score.

**Semantic similarity** (best match with text, when ``search.semantic`` is
available): the cosine ``s`` of the query's and the listing's embeddings. The
:data:`SEMANTIC_CANDIDATES` listings nearest to the query with ``s`` at least
:data:`SEMANTIC_FLOOR` join the candidates even without a lexical match, and
the text term becomes ``W_TEXT·text + semantic_term(s)`` with
``semantic_term(s) = W_SEMANTIC · max(0, s − SEMANTIC_FLOOR) / (1 − SEMANTIC_FLOOR)``:
below the floor (unrelated texts of this encoder sit around 0.0–0.3) it adds
nothing; a near-paraphrase (s ≈ 0.7) adds about ``W_SEMANTIC / 2``, under the
``W_TEXT`` a strong lexical match earns, so exact words still lead and meaning
fills in where the words miss (another language, a synonym, a paraphrase).
"Semantic only" ranks the semantic candidates by the same score without the
lexical part. The semantic part is computed in Python over the candidates,
so, as for text relevance, brute force compares these results as sets.

Reputation and response change only when the listing is reindexed, so their
weighted sum is stored (``static_score``); text, distance and promotion depend on
the query or the clock and are computed per search, by the SQL that
:func:`score_sql` returns and, for tests and the benchmark, the same arithmetic in
:func:`score` (same operations in the same order, so equal to the bit).

**Approximation for common words.** Both engines compute the text relevance row
by row, so best match with text scores at most ``queries.TEXT_SCORED_LIMIT``
matches: when a query (with its filters) matches more, only the newest that
many (highest listing id, the order both full-text indexes can read and stop)
are scored and ranked, and the pages end there; the total still counts every
match. With fewer matches the order is exact. ``brute_force`` cannot rank text
either, so tests and the benchmark compare such results as sets.

Every order ends with the listing id, so equal scores never swap between pages.
"""

from datetime import datetime

import numpy as np

from doorstep.search.promotion_scope import promoted_sql

TITLE_WEIGHT = 4.0
BM25_HALF = 2.0
TS_RANK_HALF = 0.1

PRIOR_REVIEWS = 10
CATEGORY_PRIOR_REVIEWS = 50
PLATFORM_PRIOR_MEAN = 4.0
UNKNOWN_RESPONSIVENESS = 0.3
DISTANCE_HALF_KM = 3.0

W_TEXT = 2.0
W_REPUTATION = 0.5
W_RESPONSIVENESS = 0.15
W_DISTANCE = 0.5
PROMOTED_BOOST = 0.25

W_SEMANTIC = 1.5
SEMANTIC_FLOOR = 0.3
SEMANTIC_CANDIDATES = 200


def semantic_term(similarity: float) -> float:
    """What a semantic similarity adds to the score (see the module docstring)."""
    return W_SEMANTIC * max(0.0, similarity - SEMANTIC_FLOOR) / (1.0 - SEMANTIC_FLOOR)


def semantic_terms(similarities: np.ndarray) -> list[float]:
    """:func:`semantic_term` of each similarity, computed at once (a blended
    search adds it to up to a thousand lexical matches)."""
    similarity = np.asarray(similarities, dtype=np.float64)
    term = W_SEMANTIC * np.maximum(0.0, similarity - SEMANTIC_FLOOR)
    return (term / (1.0 - SEMANTIC_FLOOR)).tolist()


def category_prior(*, rating_sum: float, rating_count: int) -> float:
    """A category's mean rating (``rating_sum`` = Σ mean·count over its listings),
    shrunk toward the platform prior."""
    return (CATEGORY_PRIOR_REVIEWS * PLATFORM_PRIOR_MEAN + rating_sum) / (
        CATEGORY_PRIOR_REVIEWS + rating_count
    )


def reputation(*, mean: float, count: int, prior: float) -> float:
    """The shrunk rating on the 1..5 scale: what "Top rated" sorts by."""
    return (PRIOR_REVIEWS * prior + count * mean) / (PRIOR_REVIEWS + count)


def responsiveness(median_response_minutes: int | None) -> float:
    if median_response_minutes is None:
        return UNKNOWN_RESPONSIVENESS
    return 1 / (1 + median_response_minutes / 60)


def static_score(*, rating_score: float, median_response_minutes: int | None) -> float:
    return W_REPUTATION * (rating_score - 1) / 4 + W_RESPONSIVENESS * responsiveness(
        median_response_minutes
    )


# chord² · R² ≈ d², so chord² · (R / half)² ≈ (d / half)². Rounded to a value a
# double holds exactly (half ≈ 3.003 km): SQLite parses decimal literals in SQL
# text with its own routine, and the score must agree with Python to the bit.
DISTANCE_SCALE = 4.5e6


def score_sql(*, text_sql: str | None, chord2_sql: str | None) -> str:
    """The relevance score as SQL over ``d`` (a ``SearchDocument`` row).

    ``text_sql`` is the engine's normalised 0..1 text relevance, ``chord2_sql``
    the squared chord to the query point; the promotion test takes one
    parameter, the current time, as the last placeholder.
    """
    parts = []
    if text_sql is not None:
        parts.append(f"({W_TEXT!r} * ({text_sql}))")
    parts.append("d.static_score")
    if chord2_sql is not None:
        parts.append(f"({W_DISTANCE!r} / (1.0 + {chord2_sql} * {DISTANCE_SCALE!r}))")
    parts.append(f"(CASE WHEN {promoted_sql()} THEN {PROMOTED_BOOST!r} ELSE 0.0 END)")
    return " + ".join(parts)


def score(
    *,
    text: float | None,
    static: float,
    chord2: float | None,
    promoted_until: datetime | None,
    now: datetime,
) -> float:
    """:func:`score_sql` in Python, operation for operation."""
    total = None
    if text is not None:
        total = W_TEXT * text
    total = static if total is None else total + static
    if chord2 is not None:
        total = total + W_DISTANCE / (1.0 + chord2 * DISTANCE_SCALE)
    boost = (
        PROMOTED_BOOST if promoted_until is not None and promoted_until > now else 0.0
    )
    return total + boost


def score_ceiling(*, static_max: float, chord2: float, promoted: bool) -> float:
    """The most a search without text can score for a listing at least
    ``chord2`` from the point, when no stored static score exceeds
    ``static_max``: what lets "best match" near a point stop looking farther
    (``queries._ring_page``). Same operations as :func:`score`, and each is
    monotonic in its operands, so no farther listing can round above it."""
    total = static_max + W_DISTANCE / (1.0 + chord2 * DISTANCE_SCALE)
    return total + (PROMOTED_BOOST if promoted else 0.0)


def chord2_beyond_reach(
    *, static_max: float, promoted: bool, score: float
) -> float | None:
    """The squared chord beyond which no listing can score ``score`` or more
    (by :func:`score_ceiling`), or ``None`` if distance alone cannot bring the
    ceiling that low. Used only to choose the next circle, whose own ceiling
    is then checked exactly."""
    margin = score - static_max - (PROMOTED_BOOST if promoted else 0.0)
    if margin <= 0:
        return None
    return max(0.0, (W_DISTANCE / margin - 1.0) / DISTANCE_SCALE)
