"""A reference implementation of search: every filter and sort applied to every
document in plain Python, with no index, no prefilter and no SQL.

Tests (and the benchmark's correctness check) compare ``search_listings``
against it: same matches, same order, same counts. It shares with the query
service only what defines the answer (text normalisation and typo correction,
the squared-chord distance, the ranking arithmetic, the facet grouping), never
how the answer is found (cell ranges, radius buckets, FTS, keyset paging).

One thing it cannot reproduce is the full-text engine's relevance (BM25 or
``ts_rank``): for "best match" with text it returns the matches in id order, and
callers compare sets. Without text, "best match" is exact.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.utils import timezone

from doorstep.search import ranking
from doorstep.search.categories import (
    CategoryInfo,
    load_categories,
    resolve_category,
    subtree_ids,
)
from doorstep.search.geometry import chord2, chord2_for_km, unit_vector
from doorstep.search.models import QUOTE_PRICE_KEY, SearchDocument
from doorstep.search.params import SearchParams, Sort
from doorstep.search.text import is_vocabulary_term, matches, parse_query
from doorstep.trust.badge_queries import badge_kinds_by_provider


def brute_force_search(
    params: SearchParams,
    documents: Iterable[SearchDocument],
    *,
    categories: Mapping[int, CategoryInfo] | None = None,
    now: datetime | None = None,
    vocabulary: Mapping[str, int] | None = None,
) -> list[SearchDocument]:
    """Every document matching ``params``, in the order of ``params.sort``
    (ignoring ``limit`` and ``cursor``). ``documents`` must be all of them: the
    vocabulary for typo correction is built from them, unless it is given
    (:func:`document_vocabulary` of all of them, computed once by a caller that
    runs many searches)."""
    now = now or timezone.now()
    found = list(_matching(params, list(documents), categories, vocabulary))
    point = unit_vector(params.latitude, params.longitude) if params.has_point else None

    def distance_key(document: SearchDocument) -> float:
        return chord2(_unit(document), point)

    sort = params.sort
    if sort == Sort.DISTANCE and point is not None:
        found.sort(key=lambda d: (distance_key(d), d.listing_id))
    elif sort == Sort.PRICE_LOW:
        found.sort(key=lambda d: (d.price_key, d.listing_id))
    elif sort == Sort.PRICE_HIGH:
        found.sort(key=lambda d: (d.price_desc_key, d.listing_id))
    elif sort == Sort.RELEVANCE and params.text:
        found.sort(key=lambda d: d.listing_id)
    elif sort == Sort.RELEVANCE:
        found.sort(
            key=lambda d: (
                -ranking.score(
                    text=None,
                    static=d.static_score,
                    chord2=distance_key(d) if point is not None else None,
                    promoted_until=d.promoted_until,
                    now=now,
                ),
                d.listing_id,
            )
        )
    else:
        found.sort(key=lambda d: (-d.rating_score, d.listing_id))
    return found


def brute_force_counts(
    params: SearchParams,
    documents: Iterable[SearchDocument],
    *,
    categories: Mapping[int, CategoryInfo] | None = None,
) -> dict[tuple[int, str, int], int]:
    """Matches per (category id, currency, price band), as the query service's
    aggregate counts them."""
    return dict(
        Counter(
            (d.category_id, d.currency, d.price_band)
            for d in _matching(params, list(documents), categories)
        )
    )


def document_vocabulary(documents: Iterable[SearchDocument]) -> Counter:
    """Document counts of the correctable terms, as ``SearchTerm`` holds them."""
    return Counter(
        term
        for d in documents
        for term in {*d.title_text.split(), *d.body_text.split()}
        if is_vocabulary_term(term)
    )


def _unit(document: SearchDocument) -> tuple[float, float, float]:
    return (document.unit_x, document.unit_y, document.unit_z)


def _matching(
    params: SearchParams,
    documents: list[SearchDocument],
    categories: Mapping[int, CategoryInfo] | None,
    vocabulary: Mapping[str, int] | None = None,
):
    categories = load_categories() if categories is None else categories
    selected = resolve_category(categories, params.category)
    allowed = subtree_ids(categories, selected.id) if selected else None

    text_query = None
    if params.text:
        if vocabulary is None:
            vocabulary = document_vocabulary(documents)
        text_query = parse_query(
            params.text,
            vocabulary=lambda terms: {
                t: vocabulary[t] for t in terms if t in vocabulary
            },
            has_prefix=lambda prefix: any(t.startswith(prefix) for t in vocabulary),
        )

    point = unit_vector(params.latitude, params.longitude) if params.has_point else None
    radius_chord2 = (
        chord2_for_km(params.radius_km) if params.radius_km is not None else None
    )
    has_price = params.price_min is not None or params.price_max is not None
    low = params.price_min if params.price_min is not None else 0
    high = params.price_max if params.price_max is not None else QUOTE_PRICE_KEY - 1
    language = f"|{params.language.lower()}|" if params.language else None
    required = set(params.required_badges)
    holders = (
        badge_kinds_by_provider({d.provider_id for d in documents}) if required else {}
    )

    for d in documents:
        if allowed is not None and d.category_id not in allowed:
            continue
        if point is not None:
            distance = chord2(_unit(d), point)
            if radius_chord2 is not None and distance > radius_chord2:
                continue
            if params.serves_point and distance > d.reach_chord2:
                continue
        if has_price and not (
            d.currency == params.currency and low <= d.price_key <= high
        ):
            continue
        if params.min_rating is not None and d.rating_mean < params.min_rating:
            continue
        if required and not required <= set(holders.get(d.provider_id, ())):
            continue
        if params.instant_book_only and not d.instant_book:
            continue
        if language is not None and language not in d.languages:
            continue
        if text_query is not None and not matches(
            text_query, (d.title_text, d.body_text)
        ):
            continue
        yield d
