"""The query service: one function that answers every search, for the web page
and for ``GET /api/v1/services`` alike.

A search is plain SQL over ``search_searchdocument`` (one row per visible
listing, see ``search.models``), built here and identical on both databases
except for the full-text piece that ``search.backends`` supplies:

1. **Validate, then bound.** ``parse_search_params`` has already refused bad
   input. The category slug becomes a set of ids (the tree is small and walked
   in Python). Every search then starts from an index: with a point, the H3
   cells covering the circle (``core.geo.covering_cell_ranges``: a few dozen
   ranges of ids, the circle plus a rim), joined as a ``VALUES`` list so each
   range is one scan of a covering index, then the exact distance as a squared
   chord (``search.geometry``), with no visit to the table; else the FTS index
   when there is text; else the category, the price range, or the index of the
   sort key read in order and stopped by ``LIMIT``.
2. **One page, by keyset.** Each sort is an expression plus the listing id as the
   tie-break. The page is ``ORDER BY key, id LIMIT n + 1`` after ``(key, id)``
   of the previous page's last hit, so pages never repeat or skip a row and cost
   the same on page 1 and page 100. The cursor carries that ``(key, id)``,
   signed (``django.core.signing``): a tampered or foreign cursor is a 400.
3. **Counts and facets in one aggregate**: ``GROUP BY category_id, currency,
   price_band`` over the same filters gives the total, the category counts and
   the price bands (``search.facets``) without loading a single match. Counting
   stops at :data:`COUNT_LIMIT` matches: past that the total is a lower bound
   (``total_exact`` is false) and so is each facet count.
4. **Choose the path, do not leave it to the planner.** Both planners were seen
   to pick the wrong index (reading a price index end to end for a 2 km search
   with 100 matches). The count comes first and decides. Only the driving
   condition is written so an index can serve it; the others as ``column + 0``.
   Over many matches (:data:`ORDERED_SCAN_MIN_MATCHES`):

   * a sort backed by an index (rating, price, best match without text or
     place) reads at most :data:`SORT_INDEX_WINDOWS` entries of that index in
     order (``_sort_index_page``); a full page among them is the page;
   * near a point, nearest first and best match without text look within
     circles growing from :data:`RING_START_KM` and stop at the first whose
     page provably is the page (``_ring_page``): nothing outside a circle is
     nearer, or scores above ``ranking.score_ceiling``.

   Anything else, and whatever those do not settle, starts from the bounding
   index (cells, text, category) and sorts the matches.
5. **Best match with text scores a bounded set.** The text rank (BM25,
   ``ts_rank``) is computed per row, and a common word matches a fifth of all
   listings: past :data:`TEXT_SCORED_LIMIT` matches, only the newest that many
   are scored (``_best_text_matches``, which counts from the same rows; the
   approximation is stated in ``search.ranking``).

"Serves this address" keeps a listing when the point lies within its own service
radius. Each listing is in a bucket of radius (``geometry.reach_bucket``), so
the prefilter asks, per bucket, only for bases within that bucket's largest
radius, using the ``(reach_bucket, h3_cell, …)`` covering index.
"""

import math
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np
from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from doorstep.catalog.models import Listing
from doorstep.core.errors import DomainError
from doorstep.core.geo import MAX_RADIUS_KM, covering_cell_ranges, distance_km
from doorstep.core.money import Money
from doorstep.search import ranking, semantic
from doorstep.search.backends import TextClause, get_backend
from doorstep.search.categories import (
    CategoryInfo,
    load_categories,
    resolve_category,
    subtree_ids,
)
from doorstep.search.facets import category_facets, price_facets
from doorstep.search.geometry import (
    REACH_BUCKETS_KM,
    chord2_for_km,
    km_for_chord2,
    sql_chord2,
    sql_chord2_params,
    unit_vector,
)
from doorstep.search.models import GEO_INDEX_FIELDS, QUOTE_PRICE_KEY
from doorstep.search.params import SearchHit, SearchParams, SearchResults, Sort
from doorstep.search.promotion_scope import (
    not_promoted_sql,
    promoted_sql,
    promotions_hidden,
)
from doorstep.search.text import TextQuery, parse_query, prefix_bounds
from doorstep.trust.badge_queries import badge_kinds_by_provider
from doorstep.trust.models import ProviderBadge

COUNT_LIMIT = 1_000
# Above this many matches, a page sorted by an indexed key is read from that
# index: on average limit × (all / matches) rows before the page is full. It
# must not exceed COUNT_LIMIT, the most the count can tell apart.
ORDERED_SCAN_MIN_MATCHES = COUNT_LIMIT
# Best match with text scores at most this many matches: the newest (see
# _best_text_matches); below it, every match is scored and the order is exact.
TEXT_SCORED_LIMIT = 1_000
# A page read in the order of a sort index looks at this many entries, then at
# this many, then gives up (see _sort_index_page).
SORT_INDEX_WINDOWS = (2_000, 8_000)
# A text search sorted by price or rating reads each category its words occur
# in, in the order of the sort key, in windows of these many entries (the last
# size repeats while a category has not settled), and gives up after reading
# this many entries in all (see _category_windows_page).
CATEGORY_WINDOWS = (64, 512, 4_096)
CATEGORY_READ_LIMIT = 40_000
_CATEGORY_SORT_INDEXES = {
    Sort.PRICE_LOW: "search_doc_cat_price",
    Sort.PRICE_HIGH: "search_doc_cat_price_desc",
    Sort.RATING: "search_doc_cat_rating",
}
# Near a point, pages come from circles growing from this radius (_ring_page).
RING_START_KM = 0.5
# What the covering geo index holds: a place-driven read selects only these.
GEO_COLUMNS = tuple(
    "listing_id" if name == "listing" else name for name in GEO_INDEX_FIELDS
)
_GEO_SELECT = ", ".join(f"d.{name}" for name in GEO_COLUMNS)
_INDEXED_SORTS = frozenset({Sort.RATING, Sort.PRICE_LOW, Sort.PRICE_HIGH})
CURSOR_SALT = "doorstep.search.cursor"
_VOCABULARY_CHUNK = 900
_HIT_COLUMNS = (
    "d.listing_id",
    "d.public_id",
    "d.title",
    "d.category_id",
    "d.provider_public_id",
    "d.provider_name",
    "d.provider_verified",
    "d.pricing_model",
    "d.price_amount",
    "d.currency",
    "d.latitude",
    "d.longitude",
    "d.rating_mean",
    "d.rating_count",
    "d.rating_score",
    "d.thumbnail_url",
    "d.instant_book",
    "d.provider_id",
)
_PROVIDER_ID = len(_HIT_COLUMNS) - 1
_LISTINGS = Listing._meta.db_table
_BADGES = ProviderBadge._meta.db_table


@dataclass
class Sql:
    """A fragment of SQL and its parameters, in textual order."""

    text: str = ""
    params: list[Any] = field(default_factory=list)

    def __add__(self, other: "Sql") -> "Sql":
        return Sql(self.text + other.text, self.params + other.params)


def _join(parts: list[Sql], separator: str) -> Sql:
    return Sql(
        separator.join(part.text for part in parts),
        [param for part in parts for param in part.params],
    )


@dataclass(frozen=True)
class _SortKey:
    expression: Sql
    descending: bool


TEXT_MODES = ("lexical", "semantic", "blended")


def search_listings(
    params: SearchParams,
    *,
    language: str | None = None,
    text_mode: str | None = None,
) -> SearchResults:
    """Answer a search: one page of hits, the cursor of the next, the total and
    the facets. Raises ``DomainError`` (400) for an unknown category or a cursor
    that is not ours. Listings whose promotion targets other cities or
    categories are not promoted in it (``search.promotion_scope``).

    ``text_mode`` says how best match treats the words: ``"lexical"`` (the text
    index only), ``"semantic"`` (the embeddings only), ``"blended"`` (both, see
    ``search.ranking``); ``None`` is blended when ``semantic.available()``
    and the model and the vectors are loaded in this process
    (``semantic.ready()``, ``semantic.vectors_ready()``: until then, the first
    seconds after a start, searches are lexical while they load in the
    background, so no visitor waits for them), else lexical; it never waits
    for a large change of the vectors either (the index loaded before answers
    while it is applied), nor for the embedding of a text no process has
    embedded yet (that search is lexical; the text is embedded in the
    background for the next one: ``semantic.embed_query``). An explicit mode
    waits. Without the model every mode is lexical. Other sorts are lexical."""
    from doorstep.promotions.queries import hidden_promoted_listings

    categories = load_categories()
    selected = resolve_category(categories, params.category)
    category_path = []
    node = selected
    while node is not None and node.id not in category_path:
        category_path.append(node.id)
        node = categories.get(node.parent_id) if node.parent_id else None
    hidden = hidden_promoted_listings(
        now=timezone.now(),
        point=(params.latitude, params.longitude) if params.has_point else None,
        category_path=category_path,
    )
    with promotions_hidden(hidden):
        return _search_listings(
            params,
            language=language,
            categories=categories,
            selected=selected,
            text_mode=_text_mode(params, text_mode),
            semantic_wait=text_mode is not None,
        )


def _text_mode(params: SearchParams, text_mode: str | None) -> str:
    if text_mode is not None and text_mode not in TEXT_MODES:
        raise ValueError(f"text_mode must be one of {TEXT_MODES}")
    if (
        text_mode == "lexical"
        or params.sort != Sort.RELEVANCE
        or not params.text.strip()
        or not semantic.available()
        or (text_mode is None and not (semantic.ready() and semantic.vectors_ready()))
    ):
        return "lexical"
    return text_mode or "blended"


def _search_listings(
    params: SearchParams,
    *,
    language: str | None,
    categories: dict[int, CategoryInfo],
    selected: CategoryInfo | None,
    text_mode: str = "lexical",
    semantic_wait: bool = True,
) -> SearchResults:
    language = (language or get_language() or "en").lower()
    now = timezone.now()
    cursor_key = decode_cursor(params.cursor, params.sort) if params.cursor else None
    promoted_key = (
        decode_promoted_position(params.cursor, params.sort) if params.cursor else None
    )
    text_query = parse_query(
        params.text, vocabulary=database_vocabulary, has_prefix=database_has_prefix
    )
    backend = get_backend()
    text = backend.text_clause(text_query) if text_query else None
    now_param = connection.ops.adapt_datetimefield_value(now)

    nothing = _nothing_passes(params, now_param) or (
        # Words that occur in no category searched: no lexical match at all
        # (a category read row by row would find that out slowly).
        text_mode == "lexical"
        and bool(text_query)
        and not _categories_within(_text_categories(text_query), categories, selected)
    )
    category_first = (
        not nothing
        and text is not None
        and selected is not None
        and not params.has_point
        and _category_is_narrower(text_query, categories, selected)
    )
    if nothing:
        counts, rows, total = {}, [], 0
    elif text_mode != "lexical":
        counts, rows = _best_text_matches(
            params,
            categories,
            selected,
            text if text_mode == "blended" else None,
            now_param,
            cursor_key,
            category_first=category_first,
            promoted_key=promoted_key,
            semantic_text=params.text,
            semantic_wait=semantic_wait,
        )
        total = sum(counts.values())
    elif params.sort == Sort.RELEVANCE and text is not None:
        counts, rows = _best_text_matches(
            params,
            categories,
            selected,
            text,
            now_param,
            cursor_key,
            category_first=category_first,
            promoted_key=promoted_key,
        )
        total = sum(counts.values())
    else:
        driver = _driver(params, text, category_first=category_first)
        counts = _counts(_filters(params, categories, selected, text, driver=driver))
        total = sum(counts.values())
        rows = _page(
            params,
            categories,
            selected,
            text,
            now_param,
            cursor_key,
            total,
            category_first=category_first,
            promoted_key=promoted_key,
            text_query=text_query,
        )
    merged = rows if isinstance(rows, _MergedPage) else None
    has_more = merged.has_more if merged is not None else len(rows) > params.limit
    rows = rows[: params.limit]
    details = _hit_rows([listing_id for listing_id, _value in rows], now_param)
    badges = badge_kinds_by_provider(
        details[listing_id][_PROVIDER_ID]
        for listing_id, _value in rows
        if listing_id in details
    )
    hits = [
        replace(
            _hit(details[listing_id], value, params, categories, language),
            **_trust(badges.get(details[listing_id][_PROVIDER_ID], ())),
        )
        for listing_id, value in rows
        if listing_id in details
    ]
    next_cursor = None
    if has_more and merged is not None:
        next_cursor = encode_cursor(
            params.sort, *(merged.others_key or (None, None)), merged.promoted_key
        )
    elif has_more:
        next_cursor = encode_cursor(params.sort, rows[-1][1], rows[-1][0])

    by_category: dict[int, int] = {}
    by_price: dict[tuple[str, int], int] = {}
    for (category_id, currency, band), count in counts.items():
        by_category[category_id] = by_category.get(category_id, 0) + count
        by_price[(currency, band)] = by_price.get((currency, band), 0) + count
    price_currency, price_list = price_facets(by_price, params.currency, language)
    return SearchResults(
        hits=hits,
        next_cursor=next_cursor,
        facets={
            "category": category_facets(by_category, categories, selected, language),
            "price": price_list,
        },
        total=min(total, COUNT_LIMIT),
        total_exact=total <= COUNT_LIMIT,
        price_currency=price_currency,
    )


# --- Filters ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Filters:
    source: Sql  # what follows FROM: the documents as ``d``, maybe joined
    where: list[Sql]
    chord2: Sql | None  # squared chord to the query point, if there is one
    # With no driver: the conditions the sort index itself serves (a price
    # range in the index's currency), apart from the others in ``where``.
    ordered: list[Sql] = field(default_factory=list)


DOCUMENTS = Sql("search_searchdocument d")


@lru_cache(maxsize=1024)
def _cell_ranges(
    latitude: float, longitude: float, radius_km: float
) -> tuple[tuple[int, int], ...]:
    # Asked for twice per search (count, then page) and six times for "serves
    # this address": the H3 disk walk is a millisecond of Python each time.
    return tuple(covering_cell_ranges(latitude, longitude, radius_km))


def _place_driven(
    cells: list[tuple[int | None, tuple[tuple[int, int], ...]]], *, with_text: bool
) -> tuple[Sql, Sql | None]:
    """The documents whose base lies in ``cells`` (``(reach bucket or None,
    ranges)``), read from the geo index range by range, as a ``FROM`` source.

    The ranges are a ``VALUES`` list joined to the documents, so each is one
    range scan of the covering geo index. Written as ``OR`` of ``BETWEEN``,
    SQLite collects the row ids of every range and then reads each row from
    the table, and PostgreSQL builds a bitmap over the table or scans the whole
    index with the ranges as a filter. On PostgreSQL the documents are a
    ``LATERAL`` subquery (``OFFSET 0`` keeps the planner from merging it into
    a join it would plan on its own): an index-only scan per range, whatever
    the statistics say; on SQLite, ``CROSS JOIN`` fixes the order and
    ``INDEXED BY`` the index (it was seen to build a temporary one instead).
    Returns the source and, when the ranges are a condition instead, that
    condition: on PostgreSQL with a text filter, where an ``OR`` of ranges lets
    the planner intersect the geo index with the text index (a ``BitmapAnd``)
    rather than read every candidate's row for its ``tsvector``.
    """
    rows = [
        (-1 if bucket is None else bucket, low, high)
        for bucket, ranges in cells
        for low, high in ranges
    ]
    bucketed = cells[0][0] is not None
    match = (
        "d.reach_bucket = cells.column1 AND " if bucketed else ""
    ) + "d.h3_cell BETWEEN cells.column2 AND cells.column3"
    params = [value for row in rows for value in row]
    if connection.vendor == "postgresql" and with_text:
        tests = []
        for bucket, ranges in cells:
            test = " OR ".join(["d.h3_cell BETWEEN %s AND %s"] * len(ranges))
            if bucket is not None:
                test = f"d.reach_bucket = {int(bucket)} AND ({test})"
            tests.append(f"({test})")
        return DOCUMENTS, Sql(
            "(" + " OR ".join(tests) + ")",
            [bound for _bucket, ranges in cells for pair in ranges for bound in pair],
        )
    if connection.vendor != "postgresql":
        values = ", ".join(["(%s, %s, %s)"] * len(rows))
        index = "search_doc_reach" if bucketed else "search_doc_geo"
        return (
            Sql(
                f"(VALUES {values}) AS cells CROSS JOIN search_searchdocument d "
                f"INDEXED BY {index} ON {match}",
                params,
            ),
            None,
        )
    values = ", ".join(["(%s::smallint, %s::bigint, %s::bigint)"] * len(rows))
    columns = _GEO_SELECT
    return (
        Sql(
            f"(VALUES {values}) AS cells CROSS JOIN LATERAL (SELECT {columns} "  # noqa: S608 - ours
            f"FROM search_searchdocument d WHERE {match} OFFSET 0) d",
            params,
        ),
        None,
    )


def _nothing_passes(params: SearchParams, now_param: Any) -> bool:
    """Whether a filter holds for no document at all: a minimum rating above
    every listing's (the end of the ``rating_mean`` index), a badge no
    provider holds now. Then the search is empty, and answered without
    reading a document: otherwise every filter is tested row by row, and one
    that nothing passes reads every candidate of the driving index (all of
    them, browsing) to find no match (seconds at a million listings)."""
    with connection.cursor() as cursor:
        if params.min_rating is not None:
            cursor.execute(
                "SELECT 1 FROM search_searchdocument WHERE rating_mean >= %s LIMIT 1",
                [params.min_rating],
            )
            if cursor.fetchone() is None:
                return True
        for kind in params.required_badges:
            cursor.execute(
                f"SELECT 1 FROM {_BADGES} b WHERE b.kind = %s "  # noqa: S608
                "AND b.revoked_at IS NULL "
                "AND (b.expires_at IS NULL OR b.expires_at > %s) LIMIT 1",
                [kind, now_param],
            )
            if cursor.fetchone() is None:
                return True
    return False


def _category_is_narrower(
    text_query: TextQuery, categories: dict[int, CategoryInfo], selected: CategoryInfo
) -> bool:
    """Whether the category (with its descendants) holds fewer listings than
    the words can match: then its index, not the text's, should drive. The
    words' side is an upper bound from the vocabulary's document counts (a
    unit matches at most as many listings as its rarest term, a prefix at most
    the sum over its words); the category's is counted, up to that bound, in
    its index."""
    bound = _text_match_bound(text_query)
    ids = sorted(subtree_ids(categories, selected.id))
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM search_searchdocument "  # noqa: S608
            f"WHERE category_id IN ({marks}) LIMIT %s) listings",
            [*ids, bound + 1],
        )
        (size,) = cursor.fetchone()
    return size <= bound


def _text_match_bound(text_query: TextQuery) -> int:
    whole = {
        term for unit in text_query.units if not unit.prefix for term in unit.terms
    }
    counts = database_vocabulary(whole) if whole else {}
    bounds = []
    with connection.cursor() as cursor:
        for unit in text_query.units:
            if unit.prefix:
                prefix = unit.terms[0]
                cursor.execute(
                    "SELECT COALESCE(SUM(doc_count), 0) FROM search_searchterm "
                    "WHERE term >= %s AND term < %s",
                    list(prefix_bounds(prefix)),
                )
                bounds.append(cursor.fetchone()[0])
            else:
                bounds.append(min(counts.get(term, 0) for term in unit.terms))
    return min(bounds)


def _widest_reach_bucket() -> int:
    """The largest ``reach_bucket`` of any document: one read of the end of the
    reach index."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(reach_bucket) FROM search_searchdocument")
        (bucket,) = cursor.fetchone()
    return -1 if bucket is None else bucket


def _driver(
    params: SearchParams, text: TextClause | None, *, category_first: bool = False
) -> str:
    """The one condition whose index bounds the candidates: the place, else the
    text (unless ``category_first``: the category holds fewer listings than
    the words match), else the category, else the price range."""
    if params.has_point:
        return "place"
    if text is not None and not category_first:
        return "text"
    if params.category is not None:
        return "category"
    return "price"


def _filters(
    params: SearchParams,
    categories: dict[int, CategoryInfo],
    selected: CategoryInfo | None,
    text: TextClause | None,
    *,
    driver: str | None,
    near_km: float | None = None,
    ranked: bool = False,
    text_per_row: bool = False,
) -> _Filters:
    """Every condition of the search as SQL over ``d``. Only the ``driver``
    condition may use an index; the others write their columns as
    ``column + 0``, which no index serves, so that neither planner can start
    from a worse index (``driver=None``: the page comes from the sort index).
    ``near_km`` adds "within that many km of the point", and it drives.
    ``ranked``: the caller ranks by text itself (so needs the text columns).
    ``text_per_row``: the rows are read anyway, so test the text on each."""
    if near_km is not None:
        driver = "near"

    def column(name: str, role: str) -> str:
        return f"d.{name}" if role == driver else f"(d.{name} + 0)"

    source = DOCUMENTS
    where: list[Sql] = []
    if selected is not None:
        ids = sorted(subtree_ids(categories, selected.id))
        marks = ", ".join(["%s"] * len(ids))
        where.append(Sql(f"{column('category_id', 'category')} IN ({marks})", ids))
    chord2 = None
    if params.has_point:
        latitude, longitude = params.latitude, params.longitude
        point = unit_vector(latitude, longitude)
        chord2 = Sql(sql_chord2("d"), sql_chord2_params(point))
        # The cells only bound where the geo index is read: the exact tests
        # below decide, so the cells appear only when the place drives.
        cells = None
        if near_km is not None:
            cells = [(None, _cell_ranges(latitude, longitude, near_km))]
        elif driver == "place" and params.radius_km is not None:
            cells = [(None, _cell_ranges(latitude, longitude, params.radius_km))]
        elif driver == "place":
            # Serving this point: per bucket of service radius, the bases
            # within that bucket's largest radius (buckets no listing is in
            # are skipped: covering a wide circle is a millisecond of Python).
            widest = _widest_reach_bucket()
            cells = [
                (bucket, _cell_ranges(latitude, longitude, bound))
                for bucket, bound in enumerate(REACH_BUCKETS_KM)
                if bucket <= widest
            ]
        if cells == []:
            where.append(Sql("1 = 0"))  # no documents at all
        elif cells is not None:
            source, condition = _place_driven(
                cells, with_text=text is not None or ranked
            )
            if condition is not None:
                where.append(condition)
        if params.radius_km is not None:
            where.append(chord2 + Sql(" <= %s", [chord2_for_km(params.radius_km)]))
        if params.serves_point:
            where.append(chord2 + Sql(" <= d.reach_chord2"))
        if near_km is not None:
            where.append(chord2 + Sql(" <= %s", [chord2_for_km(near_km)]))
    ordered: list[Sql] = []
    if params.price_min is not None or params.price_max is not None:
        low = params.price_min if params.price_min is not None else 0
        high = params.price_max if params.price_max is not None else QUOTE_PRICE_KEY - 1
        if driver is None and params.sort == Sort.PRICE_HIGH:
            # Read from the descending price index: the range is a slice of it.
            ordered.append(
                Sql(
                    "d.currency = %s AND d.price_desc_key BETWEEN %s AND %s",
                    [params.currency, -high, -low],
                )
            )
        elif driver is None and params.sort == Sort.PRICE_LOW:
            ordered.append(
                Sql(
                    "d.currency = %s AND d.price_key BETWEEN %s AND %s",
                    [params.currency, low, high],
                )
            )
        else:
            key = column("price_key", "price")
            # Text cannot take "+ 0": "|| ''" hides the (currency, price) index
            # just as well when another condition drives.
            currency = "d.currency" if driver == "price" else "(d.currency || '')"
            where.append(
                Sql(
                    f"{currency} = %s AND {key} BETWEEN %s AND %s",
                    [params.currency, low, high],
                )
            )
    if params.min_rating is not None:
        where.append(Sql("d.rating_mean >= %s", [params.min_rating]))
    for kind in params.required_badges:
        # One EXISTS per badge on the provider's live badges, reached through
        # the listing's primary key (the covering geo index that place-driven
        # reads use holds the listing id, not the provider's): a key lookup and
        # the badge table's provider index per candidate, on SQLite and
        # PostgreSQL alike, and badges change without reindexing the listings.
        where.append(
            Sql(
                f"EXISTS (SELECT 1 FROM {_LISTINGS} l JOIN {_BADGES} b "  # noqa: S608
                "ON b.provider_id = l.provider_id "
                "WHERE l.id = d.listing_id AND b.kind = %s "
                "AND b.revoked_at IS NULL "
                "AND (b.expires_at IS NULL OR b.expires_at > %s))",
                [kind, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
        )
    if params.instant_book_only:
        where.append(Sql("d.instant_book = %s", [True]))
    if params.language:
        where.append(Sql("d.languages LIKE %s", [f"%|{params.language.lower()}|%"]))
    if text is not None:
        if driver == "text" and text.join:
            # Joined, the text index is read as a stream that stops with the
            # LIMIT; "IN (SELECT …)" would collect every match first.
            source = source + Sql(" " + text.join)
            where.append(Sql(text.where, text.params))
        elif text_per_row and text.row_sql:
            where.append(Sql(text.row_sql, text.row_params))
        else:
            where.append(
                Sql(
                    text.filter_sql.replace("{id}", column("listing_id", "text")),
                    text.filter_params,
                )
            )
    return _Filters(source=source, where=where, chord2=chord2, ordered=ordered)


# --- The page ---------------------------------------------------------------------


def _sort_key(
    params: SearchParams, filters: _Filters, text: TextClause | None, now_param: Any
) -> _SortKey:
    if params.sort == Sort.RELEVANCE:
        expression = Sql(
            ranking.score_sql(
                text_sql=text.rank_sql if text else None,
                chord2_sql=filters.chord2.text if filters.chord2 else None,
            ),
            [
                *(text.rank_params if text else []),
                *(filters.chord2.params if filters.chord2 else []),
                now_param,
            ],
        )
        return _SortKey(expression, descending=True)
    if params.sort == Sort.DISTANCE and filters.chord2 is not None:
        return _SortKey(filters.chord2, descending=False)
    if params.sort == Sort.PRICE_LOW:
        return _SortKey(Sql("d.price_key"), descending=False)
    if params.sort == Sort.PRICE_HIGH:
        return _SortKey(Sql("d.price_desc_key"), descending=False)
    return _SortKey(Sql("d.rating_score"), descending=True)


def _page(
    params: SearchParams,
    categories: dict[int, CategoryInfo],
    selected: CategoryInfo | None,
    text: TextClause | None,
    now_param: Any,
    cursor_key: tuple[float, int] | None,
    total: int,
    *,
    category_first: bool = False,
    promoted_key: tuple[float, int] | None = None,
    text_query: TextQuery | None = None,
) -> list[tuple[int, Any]]:
    """``(listing id, sort value)`` of the page's hits and one more, in order."""
    browsing = text is None and not params.has_point
    if params.sort == Sort.RELEVANCE and text is None and params.has_point:
        return _near_by_relevance(
            params,
            categories,
            selected,
            now_param,
            cursor_key,
            promoted_key,
            total,
            category_first=category_first,
        )
    if params.sort == Sort.RELEVANCE and browsing:
        # Always the two merged streams, whatever the count: that is where the
        # share of promoted hits on a page is kept.
        filters = _filters(
            params, categories, selected, text, driver=None, text_per_row=True
        )
        return _browse_by_relevance(
            params, filters, now_param, cursor_key, promoted_key
        )
    ordered = params.sort in _INDEXED_SORTS or (
        params.sort == Sort.RELEVANCE and browsing
    )
    # Near a point the matches sit in one city, so in one currency and one
    # slice of every price order; a word belongs to a trade, with its own
    # prices and ratings: a sort index read in order then stops later than the
    # estimate says, so only many matches (more than the count tells apart)
    # justify it. Sorting fewer from the place or text index is cheaper.
    from_sort_index = ordered and total > ORDERED_SCAN_MIN_MATCHES
    if (
        params.has_point
        and total > params.limit
        and (
            params.sort == Sort.DISTANCE
            or (params.sort == Sort.RELEVANCE and text is None)
        )
    ):
        rows = _ring_page(params, categories, selected, text, now_param, cursor_key)
        if rows is not None:
            return rows
    if (
        from_sort_index
        and text_query
        and text is not None
        and not params.has_point
        and params.sort in _CATEGORY_SORT_INDEXES
    ):
        rows = _category_windows_page(
            params, categories, selected, text_query, text, now_param, cursor_key
        )
        if rows is not None:
            return rows
    if from_sort_index:
        filters = _filters(
            params, categories, selected, text, driver=None, text_per_row=True
        )
        key = _sort_key(params, filters, text, now_param)
        rows = _sort_index_page(params, filters, key, cursor_key)
        if rows is not None:
            return rows
    driver = _driver(params, text, category_first=category_first)
    filters = _filters(params, categories, selected, text, driver=driver)
    key = _sort_key(params, filters, text, now_param)
    if driver == "text" and from_sort_index:
        with _text_index_first():
            return _page_query(params, filters, key, cursor_key)
    return _page_query(params, filters, key, cursor_key)


@contextmanager
def _text_index_first():
    """Sorting every match of a common word: on PostgreSQL, read them through
    the GIN index. For a word in a fifth of the rows its planner estimates a
    sequential scan cheaper, then tests the ``tsvector`` of every row: three
    times slower (65 against 22 ms at 100,000 listings)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        yield


def _sort_index_page(
    params: SearchParams,
    filters: _Filters,
    key: _SortKey,
    cursor_key: tuple[float, int] | None,
) -> list[tuple[int, Any]] | None:
    """The page read from the sort key's own index, looking at no more than
    :data:`SORT_INDEX_WINDOWS` entries past the cursor (a small window, then a
    larger one).

    Over many matches the page is usually among the first entries of the
    index, but not always: prices are in each city's currency, so the cheapest
    listings of one city can sit behind every listing of the cities whose
    money counts in smaller numbers, and a place's best-rated listings behind
    every other city's. So the window is bounded: if it holds a full page, that
    is the page (whatever matches lies beyond comes later in the order);
    otherwise ``None``, and the page is sorted from the driving index instead.
    """
    inner = list(filters.ordered)
    if cursor_key is not None:
        inner.append(_beyond_cursor(key, cursor_key))
    direction = "DESC" if key.descending else "ASC"
    columns = _GEO_SELECT
    columns += (
        ", d.search_vector"
        if connection.vendor == "postgresql"
        else ", d.title_text, d.body_text"
    )
    for size in SORT_INDEX_WINDOWS:
        window = (
            Sql(f"(SELECT {columns} FROM search_searchdocument d")  # noqa: S608 - ours
            + (Sql(" WHERE ") + _join(inner, " AND ") if inner else Sql())
            + Sql(" ORDER BY ")
            + key.expression
            + Sql(f" {direction}, d.listing_id ASC LIMIT %s) d", [size])
        )
        rows = _page_query(
            params, replace(filters, source=window, ordered=[]), key, None
        )
        if len(rows) > params.limit:
            return rows
    return None


def _category_windows_page(
    params: SearchParams,
    categories: dict[int, CategoryInfo],
    selected: CategoryInfo | None,
    text_query: TextQuery,
    text: TextClause,
    now_param: Any,
    cursor_key: tuple[float, int] | None,
) -> list[tuple[int, Any]] | None:
    """A text search sorted by price or rating, over many matches, without
    sorting every match: the page merged from the categories the words occur
    in (``SearchTermCategory``), each read in the order of the sort key from
    its own index (``(category, key, listing)``), the words and the filters
    tested on each row read.

    A common word matches a fifth of all listings ("clean": 214,000 at a
    million), but within the few trades it belongs to most listings hold it,
    so a page is a few dozen rows into each. Categories are read most matches
    first, in windows past the cursor (:data:`CATEGORY_WINDOWS`). Once a page
    and one more are found, the last of them bounds every later read: a
    category where the word is rare (a provider's name) is read only up to
    it. Each category stops when it has given a page and one more (the rest of
    it comes later), or has no entry left before the bound: the merged page is
    then exact. ``None`` after :data:`CATEGORY_READ_LIMIT` entries: the caller
    sorts from another index instead.
    """
    found = _categories_within(_text_categories(text_query), categories, selected)
    filters = _filters(
        params, categories, selected, text, driver=None, text_per_row=True
    )
    key = _sort_key(params, filters, text, now_param)
    sign = -1 if key.descending else 1
    direction = "DESC" if key.descending else "ASC"
    index = _CATEGORY_SORT_INDEXES[params.sort]
    indexed_by = f" INDEXED BY {index}" if connection.vendor == "sqlite" else ""
    match = _join(filters.where, " AND ") if filters.where else Sql("1 = 1")
    wanted = params.limit + 1
    page: list[tuple[int, Any]] = []
    read = 0
    with connection.cursor() as cursor:
        for category_id in sorted(
            found, key=lambda category: (-found[category], category)
        ):
            position = cursor_key
            taken = 0
            windows = iter(CATEGORY_WINDOWS)
            size = next(windows)
            while True:
                conditions = [
                    Sql("d.category_id = %s", [category_id]),
                    *filters.ordered,
                ]
                if position is not None:
                    # The range starts at the position (the tie-break after
                    # it is the exact test).
                    start = ">=" if sign > 0 else "<="
                    conditions.append(
                        key.expression + Sql(f" {start} %s", [position[0]])
                    )
                    conditions.append(_beyond_cursor(key, position))
                if len(page) >= wanted:
                    # Nothing after the page's last row can enter the page.
                    bound = "<=" if sign > 0 else ">="
                    conditions.append(
                        key.expression + Sql(f" {bound} %s", [page[-1][1]])
                    )
                query = (
                    Sql("SELECT d.listing_id, ")
                    + key.expression
                    + Sql(", CASE WHEN ")
                    + match
                    + Sql(
                        " THEN 1 ELSE 0 END FROM search_searchdocument d"
                        f"{indexed_by} WHERE "
                    )
                    + _join(conditions, " AND ")
                    + Sql(" ORDER BY ")
                    + key.expression
                    + Sql(f" {direction}, d.listing_id ASC LIMIT %s", [size])
                )
                cursor.execute(query.text, query.params)
                rows = cursor.fetchall()
                read += len(rows)
                matched = [(row[0], row[1]) for row in rows if row[2]]
                if matched:
                    taken += len(matched)
                    page = sorted(
                        page + matched, key=lambda row: (sign * row[1], row[0])
                    )[:wanted]
                if len(rows) < size or taken >= wanted:
                    break  # this category has nothing more for the page
                if len(page) >= wanted and (sign * rows[-1][1], rows[-1][0]) > (
                    sign * page[-1][1],
                    page[-1][0],
                ):
                    # Read past the page's last row, ties included (the key
                    # bound above keeps a run of equal keys, which a new
                    # marketplace's unrated listings make long): nothing
                    # further in this category can enter the page.
                    break
                if read > CATEGORY_READ_LIMIT:
                    return None
                position = (rows[-1][1], rows[-1][0])
                size = next(windows, size)
    return page


def _text_categories(text_query: TextQuery) -> dict[int, int]:
    """The categories in which some document can match every unit of the text,
    with an upper bound of its matches there: a word's categories, a prefix's
    (every word it starts), a phrase's (where all its terms are)."""
    result: dict[int, int] | None = None
    with connection.cursor() as cursor:
        for unit in text_query.units:
            if unit.prefix:
                cursor.execute(
                    "SELECT category_id, SUM(doc_count) FROM search_searchtermcategory "
                    "WHERE term >= %s AND term < %s AND doc_count > 0 "
                    "GROUP BY category_id",
                    list(prefix_bounds(unit.terms[0])),
                )
                found = dict(cursor.fetchall())
            else:
                found = None
                for term in dict.fromkeys(unit.terms):
                    cursor.execute(
                        "SELECT category_id, doc_count FROM search_searchtermcategory "
                        "WHERE term = %s AND doc_count > 0",
                        [term],
                    )
                    counts = dict(cursor.fetchall())
                    found = _narrowed(found, counts)
            result = _narrowed(result, found or {})
    return result or {}


def _categories_within(
    found: dict[int, int],
    categories: dict[int, CategoryInfo],
    selected: CategoryInfo | None,
) -> dict[int, int]:
    """Those of ``found`` in the selected category's subtree."""
    if selected is None:
        return found
    within = subtree_ids(categories, selected.id)
    return {category: n for category, n in found.items() if category in within}


def _narrowed(known: dict[int, int] | None, counts: dict[int, int]) -> dict[int, int]:
    """The categories in both, each with the smaller bound."""
    if known is None:
        return counts
    return {
        category: min(bound, counts[category])
        for category, bound in known.items()
        if category in counts
    }


def _ring_page(
    params: SearchParams,
    categories: dict[int, CategoryInfo],
    selected: CategoryInfo | None,
    text: TextClause | None,
    now_param: Any,
    cursor_key: tuple[float, int] | None,
    *,
    others_only: Sql | None = None,
) -> list[tuple[int, Any]] | None:
    """Nearest first, or best match near a point, without scoring every match.

    Look within growing circles around the point and stop at the first whose
    page is provably the page of the whole search. Nearest first: a full page
    inside a circle is exact, since everything outside is farther. Best match
    (no text): nothing outside a circle of radius r can score more than
    :func:`ranking.score_ceiling` at distance r, so a full page whose last
    score beats that ceiling is exact. A dense city holds a page within a few
    hundred metres. The circles grow at least twofold (so a sparse search
    costs about a third more than sorting every match): after a circle held
    too few matches, by the factor that would have held enough at the same
    density (up to fourfold); after a best-match page, to the distance beyond
    which nothing can outscore it, and not at all when no distance can
    (promotion lifts anyone that far). ``None``: no circle smaller than the
    search's own (or than the largest service radius) settled the page.
    ``others_only``: the condition that keeps promoted listings out (they are
    read as their own stream), so none of the matches is lifted by promotion.
    """
    ceiling = None
    if params.sort == Sort.RELEVANCE:
        ceiling = _score_ceiling_inputs(now_param)
        if others_only is not None:
            ceiling = (ceiling[0], False)
    outer = params.radius_km if params.radius_km is not None else MAX_RADIUS_KM
    near_km = RING_START_KM
    while near_km < outer:
        filters = _filters(
            params, categories, selected, text, driver=None, near_km=near_km
        )
        if others_only is not None:
            filters = replace(filters, where=[*filters.where, others_only])
        key = _sort_key(params, filters, None, now_param)
        rows = _page_query(params, filters, key, cursor_key)
        if len(rows) <= params.limit:
            growth = math.sqrt((params.limit + 1) / max(len(rows), 1))
            near_km *= min(4.0, max(2.0, growth))
            continue
        if ceiling is None:
            return rows
        static_max, any_promoted = ceiling
        if rows[-1][1] > ranking.score_ceiling(
            static_max=static_max,
            chord2=chord2_for_km(near_km),
            promoted=any_promoted,
        ):
            return rows
        beyond = ranking.chord2_beyond_reach(
            static_max=static_max, promoted=any_promoted, score=rows[-1][1]
        )
        if beyond is None:
            return None
        near_km = max(2 * near_km, km_for_chord2(beyond) * 1.01)
    return None


def _score_ceiling_inputs(now_param: Any) -> tuple[float, bool]:
    """The highest stored static score, and whether any listing is promoted
    now: two reads of the end of an index."""
    with connection.cursor() as cursor:
        # One aggregate per statement: that is what both databases answer
        # from the end of an index.
        cursor.execute("SELECT MAX(static_score) FROM search_searchdocument")
        (static_max,) = cursor.fetchone()
        cursor.execute(
            "SELECT 1 FROM search_searchdocument WHERE promoted_until > %s LIMIT 1",
            [now_param],
        )
        promoted = cursor.fetchone() is not None
    return (static_max or 0.0), promoted


class _MergedPage(list):
    """A page merged from the promoted and the other listings, with where each
    stream stopped (the next page's cursor holds both)."""

    def __init__(self, rows, *, has_more, others_key, promoted_key) -> None:
        super().__init__(rows)
        self.has_more = has_more
        self.others_key = others_key
        self.promoted_key = promoted_key


def promoted_slots(limit: int) -> int:
    """How many promoted hits a page of ``limit`` may hold: one in
    ``DOORSTEP_PROMOTED_SHARE``, and at least one (a page of one or two hits
    would otherwise never show a promotion that was paid for)."""
    return max(1, limit // max(1, settings.DOORSTEP_PROMOTED_SHARE))


def _browse_by_relevance(
    params, filters, now_param, cursor_key, promoted_key=None
) -> _MergedPage:
    """Best match with neither text nor place is the stored static score plus the
    promotion boost. Promoted and other listings are read as two streams, each in
    the order of an index, and merged: no full scan to add the boost. Promoted
    listings come from a partial index of static scores over listings with a
    promotion date: adding the constant boost keeps their order (a double's
    rounding could only merge two scores a last bit apart).

    At most :func:`promoted_slots` of a page are promoted hits; the promoted
    ones that would outrank the rest but find no slot wait for the next page.
    So each stream keeps its own place: the cursor holds both (``cursor_key``
    for the others, ``promoted_key`` for the promoted), and no hit is skipped or
    repeated."""
    promoted = Sql(promoted_sql(), [now_param])
    others = Sql(not_promoted_sql(), [now_param])
    boosted = _SortKey(
        Sql(f"d.static_score + {ranking.PROMOTED_BOOST!r}"), descending=True
    )
    plain = _SortKey(Sql("d.static_score"), descending=True)
    promoted_rows = _page_query(
        params,
        replace(filters, where=[*filters.where, promoted]),
        boosted,
        promoted_key,
        order_by=Sql("d.static_score"),
    )
    other_rows = _page_query(
        params,
        replace(filters, where=[*filters.where, others]),
        plain,
        cursor_key,
        use_sort_index=True,
    )
    return _merge_capped(
        params.limit, promoted_rows, other_rows, cursor_key, promoted_key
    )


def _merge_capped(
    limit: int,
    promoted_rows: list[tuple[int, Any]],
    other_rows: list[tuple[int, Any]],
    cursor_key: tuple[Any, int] | None,
    promoted_key: tuple[Any, int] | None,
) -> "_MergedPage":
    """Merge two streams of ``(listing id, score)``, each best first and past
    its own cursor, into a page of ``limit`` with at most
    :func:`promoted_slots` promoted hits."""
    slots = promoted_slots(limit)
    page: list[tuple[int, Any]] = []
    taken_promoted = taken_others = 0
    while len(page) < limit:
        next_promoted = (
            promoted_rows[taken_promoted]
            if taken_promoted < min(slots, len(promoted_rows))
            else None
        )
        next_other = (
            other_rows[taken_others] if taken_others < len(other_rows) else None
        )
        if next_promoted is None and next_other is None:
            break
        if next_other is None or (
            next_promoted is not None
            and (-next_promoted[1], next_promoted[0]) < (-next_other[1], next_other[0])
        ):
            page.append(next_promoted)
            taken_promoted += 1
        else:
            page.append(next_other)
            taken_others += 1
    has_more = taken_promoted < len(promoted_rows) or taken_others < len(other_rows)
    return _MergedPage(
        page,
        has_more=has_more,
        # A cursor is ``(sort value, listing id)``; rows are the other way round.
        others_key=(
            _cursor_key(other_rows[taken_others - 1]) if taken_others else cursor_key
        ),
        promoted_key=(
            _cursor_key(promoted_rows[taken_promoted - 1])
            if taken_promoted
            else promoted_key
        ),
    )


def _cursor_key(row: tuple[int, Any]) -> tuple[Any, int]:
    listing_id, value = row
    return value, listing_id


def _promotion_conditions(now_param: Any) -> tuple[Sql, Sql]:
    """The conditions of the promoted stream and of the others."""
    return (
        Sql(promoted_sql(), [now_param]),
        Sql(not_promoted_sql(), [now_param]),
    )


def _near_by_relevance(
    params: SearchParams,
    categories: dict[int, CategoryInfo],
    selected: CategoryInfo | None,
    now_param: Any,
    cursor_key: tuple[float, int] | None,
    promoted_key: tuple[float, int] | None,
    total: int,
    *,
    category_first: bool,
) -> "_MergedPage":
    """Best match near a point, without text: the promoted matches (few) read
    and scored as one stream, the others in growing circles (``_ring_page``)
    or from the driving index, merged with the promoted share kept."""
    promoted, others = _promotion_conditions(now_param)
    driver = _driver(params, None, category_first=category_first)
    filters = _filters(params, categories, selected, None, driver=driver)
    key = _sort_key(params, filters, None, now_param)
    promoted_rows = _page_query(
        params, replace(filters, where=[*filters.where, promoted]), key, promoted_key
    )
    other_rows = None
    if total > params.limit:
        other_rows = _ring_page(
            params,
            categories,
            selected,
            None,
            now_param,
            cursor_key,
            others_only=others,
        )
    if other_rows is None:
        other_rows = _page_query(
            params, replace(filters, where=[*filters.where, others]), key, cursor_key
        )
    return _merge_capped(
        params.limit, promoted_rows, other_rows, cursor_key, promoted_key
    )


def _best_text_matches(
    params: SearchParams,
    categories: dict[int, CategoryInfo],
    selected: CategoryInfo | None,
    text: TextClause | None,
    now_param: Any,
    cursor_key: tuple[float, int] | None,
    *,
    category_first: bool = False,
    promoted_key: tuple[float, int] | None = None,
    semantic_text: str | None = None,
    semantic_wait: bool = True,
) -> tuple[dict[tuple[int, str, int], int], list[tuple[int, Any]]]:
    """Best match with text: the counts and the page from one statement.

    Both engines compute the text rank (BM25, ``ts_rank``) row by row, and a
    common word ("clean", 保洁) matches a fifth of all listings: ranking all of
    them costs 50 ms at 100,000 listings and ten times that at a million. Both
    indexes can instead hand out their matches newest first and stop (FTS5
    reads its doclists backwards by rowid; PostgreSQL walks the primary key
    backwards and tests each row). So one statement reads the newest
    ``COUNT_LIMIT + 1`` matches that pass every filter, with their score and
    facet keys: they are the count (exact up to ``COUNT_LIMIT``, as for any
    search), and the newest :data:`TEXT_SCORED_LIMIT` of them are the
    candidates the page is ranked from, here, in Python. With fewer matches
    every match is ranked and the order is exact; with more, the pages end
    after those candidates (the approximation stated in ``search.ranking``).
    The set is fixed for given filters, so the keyset pages over it stay
    consistent.

    With ``semantic_text`` the :data:`ranking.SEMANTIC_CANDIDATES` listings
    nearest to it (``search.semantic``) that pass the filters join the
    candidates, lexical match or not, and every candidate's score gains
    ``ranking.semantic_term`` of its similarity. ``text`` is ``None`` for
    semantic only: then the candidates are the semantic ones alone.
    """
    matches = _lexical_matches(
        params, categories, selected, text, now_param, category_first=category_first
    )
    candidates = matches[:TEXT_SCORED_LIMIT]
    if semantic_text is not None:
        lexical, others = _with_semantic(
            params,
            categories,
            selected,
            now_param,
            matches,
            semantic_text,
            wait=semantic_wait,
        )
        matches = lexical + others
        candidates = lexical[:TEXT_SCORED_LIMIT] + others
    counts: dict[tuple[int, str, int], int] = {}
    for _listing_id, _score, category_id, currency, band, _promoted in matches:
        facet = (category_id, currency, band)
        counts[facet] = counts.get(facet, 0) + 1
    # Promoted and other matches as two streams, each past its own cursor,
    # merged with the promoted share kept (as ``_browse_by_relevance``).
    promoted_rows, other_rows = (
        _ranked_after(
            [(row[0], row[1]) for row in candidates if bool(row[5]) is promoted],
            key,
        )
        for promoted, key in ((True, promoted_key), (False, cursor_key))
    )
    return counts, _merge_capped(
        params.limit, promoted_rows, other_rows, cursor_key, promoted_key
    )


def _lexical_matches(
    params: SearchParams,
    categories: dict[int, CategoryInfo],
    selected: CategoryInfo | None,
    text: TextClause | None,
    now_param: Any,
    *,
    category_first: bool,
) -> list[tuple]:
    """The newest ``COUNT_LIMIT + 1`` text matches that pass the filters:
    ``(id, score, category, currency, price band, promoted)``."""
    if text is None:
        return []
    # The rank needs the FTS row itself: join the text index and start there.
    # FTS5 can only rank rows it finds itself (probing it per row costs a
    # millisecond each), so on SQLite the text index must drive. Elsewhere
    # the place drives, or the text unless the category is narrower.
    if text.rank_needs_text_driver:
        driver = None
    elif selected is not None and not params.has_point and not category_first:
        driver = "text"
    else:
        driver = _driver(params, None)
    filters = _filters(params, categories, selected, None, driver=driver, ranked=True)
    key = _sort_key(params, filters, text, now_param)
    query = (
        Sql("SELECT d.listing_id, ")
        + key.expression
        + Sql(
            " AS sort_value, d.category_id, d.currency, d.price_band, "
            f"(CASE WHEN {promoted_sql()} THEN 1 ELSE 0 END) FROM ",
            [now_param],
        )
        + filters.source
        + Sql(" " + text.join)
        + Sql(" WHERE ")
        + _join([*filters.where, Sql(text.where, text.params)], " AND ")
        + Sql(f" ORDER BY {text.newest_first} LIMIT %s", [COUNT_LIMIT + 1])
    )
    with connection.cursor() as cursor:
        cursor.execute(query.text, query.params)
        return cursor.fetchall()


def _with_semantic(
    params: SearchParams,
    categories: dict[int, CategoryInfo],
    selected: CategoryInfo | None,
    now_param: Any,
    lexical: list[tuple],
    semantic_text: str,
    *,
    wait: bool = True,
) -> tuple[list[tuple], list[tuple]]:
    """The lexical matches, and the semantic ones that are not among them and
    pass the filters, each
    score plus ``ranking.semantic_term`` of its similarity (a semantic-only
    candidate's score is the one a search without text gives it, plus that)."""
    lexical_ids = np.fromiter((row[0] for row in lexical), np.int64, len(lexical))
    found = semantic.scores(
        semantic_text,
        lexical_ids,
        k=ranking.SEMANTIC_CANDIDATES,
        min_similarity=ranking.SEMANTIC_FLOOR,
        wait=wait,
    )
    if found is None:  # the vectors or the query's are not ready: lexical
        return lexical, []
    nearest = dict(found[0])
    rows = [
        (row[0], row[1] + term, *row[2:])
        for row, term in zip(lexical, ranking.semantic_terms(found[1]), strict=True)
    ]
    added: list[tuple] = []
    others = sorted(set(nearest).difference(lexical_ids.tolist()))
    if others:
        filters = _filters(params, categories, selected, None, driver=None)
        key = _sort_key(params, filters, None, now_param)
        query = (
            Sql("SELECT d.listing_id, ")
            + key.expression
            + Sql(
                " AS sort_value, d.category_id, d.currency, d.price_band, "
                f"(CASE WHEN {promoted_sql()} THEN 1 ELSE 0 END) FROM ",
                [now_param],
            )
            + filters.source
            + Sql(" WHERE ")
            + _join(
                [
                    *filters.ordered,
                    *filters.where,
                    Sql(
                        "d.listing_id IN (" + ", ".join(["%s"] * len(others)) + ")",
                        others,
                    ),
                ],
                " AND ",
            )
        )
        with connection.cursor() as cursor:
            cursor.execute(query.text, query.params)
            added = [
                (row[0], row[1] + ranking.semantic_term(nearest[row[0]]), *row[2:])
                for row in cursor.fetchall()
            ]
    return rows, added


def _ranked_after(
    rows: list[tuple[int, Any]], cursor_key: tuple[Any, int] | None
) -> list[tuple[int, Any]]:
    """``rows`` best first, those after ``cursor_key`` only."""
    ranked = sorted(rows, key=lambda row: (-row[1], row[0]))
    if cursor_key is not None:
        value, after = cursor_key
        ranked = [
            row
            for row in ranked
            if row[1] < value or (row[1] == value and row[0] > after)
        ]
    return ranked


def _page_query(
    params: SearchParams,
    filters: _Filters,
    key: _SortKey,
    cursor_key: tuple[float, int] | None,
    *,
    text: TextClause | None = None,
    use_sort_index: bool = False,
    order_by: Sql | None = None,
) -> list[tuple[int, Any]]:
    """The page: ``(listing id, sort value)`` of the hits and one more. The
    rows are ordered by the key, or by ``order_by`` (an indexed expression in
    the same order), through its index only if ``use_sort_index``."""
    conditions = [*filters.ordered, *filters.where]
    if text is not None:
        conditions.append(Sql(text.where, text.params))
    if cursor_key is not None:
        conditions.append(_beyond_cursor(key, cursor_key))
    direction = "DESC" if key.descending else "ASC"
    # "+ 0" keeps the planner from reading a sort index when we decided not to.
    if order_by is not None:
        order_key = order_by
    elif use_sort_index:
        order_key = key.expression
    else:
        order_key = key.expression + Sql(" + 0")
    query = (
        Sql("SELECT d.listing_id, ")
        + key.expression
        + Sql(" AS sort_value FROM ")
        + filters.source
        + Sql(" " + text.join if text is not None and text.join else "")
        + (Sql(" WHERE ") + _join(conditions, " AND ") if conditions else Sql())
        + Sql(" ORDER BY ")
        + order_key
        + Sql(f" {direction}, d.listing_id ASC LIMIT %s", [params.limit + 1])
    )
    with connection.cursor() as cursor:
        cursor.execute(query.text, query.params)
        return cursor.fetchall()


def _beyond_cursor(key: _SortKey, cursor_key: tuple[float, int]) -> Sql:
    """After the previous page's last hit, in ``(key, listing id)`` order."""
    value, listing_id = cursor_key
    beyond = "<" if key.descending else ">"
    return (
        Sql("(")
        + key.expression
        + Sql(f" {beyond} %s OR (", [value])
        + key.expression
        + Sql(" = %s AND d.listing_id > %s))", [value, listing_id])
    )


def _trust(kinds: list[str]) -> dict[str, object]:
    """A hit's trust signals from the provider's live badges."""
    return {"badges": tuple(kinds), "provider_verified": "id_verified" in kinds}


def _hit_rows(listing_ids: list[int], now_param: Any) -> dict[int, tuple]:
    """What a result card shows, for the page's hits only."""
    if not listing_ids:
        return {}
    marks = ", ".join(["%s"] * len(listing_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_HIT_COLUMNS)}, "  # noqa: S608
            f"(CASE WHEN {promoted_sql()} THEN 1 ELSE 0 END) "
            f"FROM search_searchdocument d WHERE d.listing_id IN ({marks})",
            [now_param, *listing_ids],
        )
        return {row[0]: row for row in cursor.fetchall()}


def _hit(
    row: tuple,
    sort_value: Any,
    params: SearchParams,
    categories: dict[int, CategoryInfo],
    language: str,
) -> SearchHit:
    (
        listing_id,
        public_id,
        title,
        category_id,
        provider_public_id,
        provider_name,
        provider_verified,
        pricing_model,
        price_amount,
        currency,
        latitude,
        longitude,
        rating_mean,
        rating_count,
        rating_score,
        thumbnail_url,
        instant_book,
        _provider_id,
        is_promoted,
    ) = row
    category = categories.get(category_id)
    distance = (
        distance_km(params.latitude, params.longitude, latitude, longitude)
        if params.has_point
        else None
    )
    return SearchHit(
        listing_id=listing_id,
        public_id=public_id,
        title=title,
        category_slug=category.slug if category else "",
        category_name=category.name(language) if category else "",
        provider_public_id=provider_public_id,
        provider_name=provider_name,
        provider_verified=bool(provider_verified),
        pricing_model=pricing_model,
        price=Money(price_amount, currency) if price_amount is not None else None,
        distance_km=distance,
        rating_mean=rating_mean,
        rating_count=rating_count,
        latitude=latitude,
        longitude=longitude,
        thumbnail_url=thumbnail_url or None,
        instant_book=bool(instant_book),
        is_promoted=bool(is_promoted),
        score=float(sort_value) if params.sort == Sort.RELEVANCE else 0.0,
        rating_score=rating_score,
    )


# --- Counts and facets ------------------------------------------------------------


def _counts(filters: _Filters) -> dict[tuple[int, str, int], int]:
    """Matches per (category, currency, price band), counting at most
    ``COUNT_LIMIT + 1`` of them."""
    conditions = filters.where
    inner = Sql("SELECT d.category_id, d.currency, d.price_band FROM ") + filters.source
    if conditions:
        inner = inner + Sql(" WHERE ") + _join(conditions, " AND ")
    query = (
        Sql("SELECT category_id, currency, price_band, COUNT(*) FROM (")
        + inner
        + Sql(
            " LIMIT %s) matches GROUP BY category_id, currency, price_band",
            [COUNT_LIMIT + 1],
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(query.text, query.params)
        return {(row[0], row[1], row[2]): row[3] for row in cursor.fetchall()}


# --- Cursors ----------------------------------------------------------------------


def encode_cursor(
    sort: Sort,
    value: float | int | None,
    listing_id: int | None,
    promoted: tuple[float, int] | None = None,
) -> str:
    """The next page's cursor: after ``(value, listing id)``, and for a merged
    best-match page also after ``promoted`` in the promoted stream (``value``
    is ``None`` when the page showed no other hit yet)."""
    payload: list = [sort.value, value, listing_id]
    if promoted is not None:
        payload.extend(promoted)
    return signing.dumps(payload, salt=CURSOR_SALT, compress=True)


def _load_cursor(token: str, sort: Sort) -> list:
    try:
        payload = signing.loads(token, salt=CURSOR_SALT)
        if not isinstance(payload, list) or len(payload) not in (3, 5):
            raise ValueError(token)
        tag = payload[0]
        if tag != sort.value:
            raise ValueError(token)
        for value, listing_id in zip(payload[1::2], payload[2::2], strict=True):
            if value is None and listing_id is None and len(payload) == 5:
                continue
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or not isinstance(listing_id, int)
            ):
                raise ValueError(token)
    except (signing.BadSignature, ValueError, TypeError) as error:
        message = _("This page link is not valid. Start again from the first page.")
        raise DomainError(
            "invalid_cursor", message, status=400, fields={"cursor": [message]}
        ) from error
    return payload


def decode_cursor(token: str, sort: Sort) -> tuple[float | int, int] | None:
    """The ``(sort value, listing id)`` a cursor stands for (``None`` when a
    merged page showed no other hit yet); ``DomainError`` (400, field
    ``cursor``) if it was not made by us for this sort."""
    _tag, value, listing_id, *_promoted = _load_cursor(token, sort)
    return None if value is None else (value, listing_id)


def decode_promoted_position(token: str, sort: Sort) -> tuple[float, int] | None:
    """Where the promoted stream of a merged best-match page stopped, if the
    cursor says."""
    payload = _load_cursor(token, sort)
    if len(payload) == 5:
        return payload[3], payload[4]
    return None


# --- Vocabulary -------------------------------------------------------------------


def database_vocabulary(terms) -> dict[str, int]:
    """Document counts of those of ``terms`` that are indexed."""
    terms = list(dict.fromkeys(terms))
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(terms), _VOCABULARY_CHUNK):
            chunk = terms[start : start + _VOCABULARY_CHUNK]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                "SELECT term, doc_count FROM search_searchterm "  # noqa: S608
                f"WHERE term IN ({marks}) AND doc_count > 0",
                chunk,
            )
            found.update(cursor.fetchall())
    return found


def database_has_prefix(prefix: str) -> bool:
    """Whether some indexed term starts with ``prefix`` (an index range scan)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM search_searchterm WHERE term >= %s AND term < %s "
            "AND doc_count > 0 LIMIT 1",
            list(prefix_bounds(prefix)),
        )
        return cursor.fetchone() is not None
