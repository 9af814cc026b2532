"""The query service: one function that answers every search, for the web page
and for ``GET /api/v1/services`` alike.

A search is plain SQL over ``search_searchdocument`` (one row per visible
listing, see ``search.models``), built here and identical on both databases
except for the full-text piece that ``search.backends`` supplies:

1. **Validate, then bound.** ``parse_search_params`` has already refused bad
   input. The category slug becomes a set of ids (the tree is small and walked
   in Python). Every search then starts from an index: with a point, the H3
   cell ranges covering the circle (a dozen ``h3_cell BETWEEN lo AND hi`` range
   scans of a covering index, then the exact distance as a squared chord,
   ``search.geometry``, with no visit to the table); else the FTS index when
   there is text; else the category, the price range, or the index of the sort
   key read in order and stopped by ``LIMIT``.
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
   with 100 matches). The count comes first and decides: a sort backed by an
   index (rating, price, best match without text or place) over many matches
   (:data:`ORDERED_SCAN_MIN_MATCHES`) reads that index in order and stops after
   one page, the other conditions written so no index can serve them
   (``column + 0``); anything else starts from the bounding index (cells, text,
   category) and sorts the matches, the sort key written so no index can serve
   it.

5. **Best match with text scores a bounded set.** The text rank (BM25,
   ``ts_rank``) is computed per row, and a common word matches a fifth of all
   listings: past :data:`TEXT_SCORED_LIMIT` matches, only the newest that many
   are scored (``_newest_matches_page``; the approximation is stated in
   ``search.ranking``).

"Serves this address" keeps a listing when the point lies within its own service
radius. Each listing is in a bucket of radius (``geometry.reach_bucket``), so
the prefilter asks, per bucket, only for bases within that bucket's largest
radius, using the ``(reach_bucket, h3_cell, …)`` covering index.
"""

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.core import signing
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError
from doorstep.core.geo import covering_cell_ranges, distance_km
from doorstep.core.money import Money
from doorstep.search import ranking
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
    sql_chord2,
    sql_chord2_params,
    unit_vector,
)
from doorstep.search.models import QUOTE_PRICE_KEY
from doorstep.search.params import SearchHit, SearchParams, SearchResults, Sort
from doorstep.search.text import parse_query

COUNT_LIMIT = 1_000
# Above this many matches, a page sorted by an indexed key is read from that
# index: on average limit × (all / matches) rows before the page is full. It
# must not exceed COUNT_LIMIT, the most the count can tell apart.
ORDERED_SCAN_MIN_MATCHES = COUNT_LIMIT
# Best match with text scores at most this many matches: the newest (see
# _newest_matches_page); below it, every match is scored and the order is exact.
TEXT_SCORED_LIMIT = 1_000
# "Nearest first" looks within these circles first (see _nearest_first_page).
NEAREST_STEPS_KM = (1.0, 3.0, 10.0)
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
)


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


def search_listings(
    params: SearchParams, *, language: str | None = None
) -> SearchResults:
    """Answer a search: one page of hits, the cursor of the next, the total and
    the facets. Raises ``DomainError`` (400) for an unknown category or a cursor
    that is not ours."""
    language = (language or get_language() or "en").lower()
    now = timezone.now()
    categories = load_categories()
    selected = resolve_category(categories, params.category)
    cursor_key = decode_cursor(params.cursor, params.sort) if params.cursor else None
    text_query = parse_query(
        params.text, vocabulary=database_vocabulary, has_prefix=database_has_prefix
    )
    backend = get_backend()
    text = backend.text_clause(text_query) if text_query else None
    now_param = connection.ops.adapt_datetimefield_value(now)

    driver = _driver(params, text)
    counts = _counts(_filters(params, categories, selected, text, driver=driver))
    total = sum(counts.values())
    rows = _page(params, categories, selected, text, now_param, cursor_key, total)
    has_more = len(rows) > params.limit
    rows = rows[: params.limit]
    details = _hit_rows([listing_id for listing_id, _value in rows], now_param)
    hits = [
        _hit(details[listing_id], value, params, categories, language)
        for listing_id, value in rows
        if listing_id in details
    ]
    next_cursor = None
    if has_more:
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
    where: list[Sql]
    chord2: Sql | None  # squared chord to the query point, if there is one


@lru_cache(maxsize=1024)
def _cell_ranges(
    latitude: float, longitude: float, radius_km: float
) -> tuple[tuple[int, int], ...]:
    # Asked for twice per search (count, then page) and six times for "serves
    # this address": the H3 disk walk is a millisecond of Python each time.
    return tuple(covering_cell_ranges(latitude, longitude, radius_km))


def _ranges(latitude: float, longitude: float, radius_km: float, cell: str) -> Sql:
    ranges = _cell_ranges(latitude, longitude, radius_km)
    return Sql(
        "(" + " OR ".join([f"{cell} BETWEEN %s AND %s"] * len(ranges)) + ")",
        [bound for pair in ranges for bound in pair],
    )


def _driver(params: SearchParams, text: TextClause | None) -> str:
    """The one condition whose index bounds the candidates: the place, else the
    text, else the category, else the price range."""
    if params.has_point:
        return "place"
    if text is not None:
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
) -> _Filters:
    """Every condition of the search as SQL over ``d``. Only the ``driver``
    condition may use an index; the others write their columns as
    ``column + 0``, which no index serves, so that neither planner can start
    from a worse index (``driver=None``: the page comes from the sort index).
    ``near_km`` adds "within that many km of the point", and it drives."""
    if near_km is not None:
        driver = "near"

    def column(name: str, role: str) -> str:
        return f"d.{name}" if role == driver else f"(d.{name} + 0)"

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
        if params.radius_km is not None:
            where.append(
                _ranges(
                    latitude, longitude, params.radius_km, column("h3_cell", "place")
                )
            )
            where.append(chord2 + Sql(" <= %s", [chord2_for_km(params.radius_km)]))
        if params.serves_point:
            if params.radius_km is None:
                buckets = [
                    Sql(f"({column('reach_bucket', 'place')} = %s AND ", [bucket])
                    + _ranges(latitude, longitude, bound, column("h3_cell", "place"))
                    + Sql(")")
                    for bucket, bound in enumerate(REACH_BUCKETS_KM)
                ]
                where.append(Sql("(") + _join(buckets, " OR ") + Sql(")"))
            where.append(chord2 + Sql(" <= d.reach_chord2"))
    if params.price_min is not None or params.price_max is not None:
        low = params.price_min if params.price_min is not None else 0
        high = params.price_max if params.price_max is not None else QUOTE_PRICE_KEY - 1
        if driver is None and params.sort == Sort.PRICE_HIGH:
            # Read from the descending price index: the range is a slice of it.
            where.append(
                Sql(
                    "d.currency = %s AND d.price_desc_key BETWEEN %s AND %s",
                    [params.currency, -high, -low],
                )
            )
        else:
            in_order = driver is None and params.sort == Sort.PRICE_LOW
            key = "d.price_key" if in_order else column("price_key", "price")
            # Text cannot take "+ 0": "|| ''" hides the (currency, price) index
            # just as well when another condition drives.
            currency = (
                "d.currency" if in_order or driver == "price" else "(d.currency || '')"
            )
            where.append(
                Sql(
                    f"{currency} = %s AND {key} BETWEEN %s AND %s",
                    [params.currency, low, high],
                )
            )
    if params.min_rating is not None:
        where.append(Sql("d.rating_mean >= %s", [params.min_rating]))
    if params.verified_only:
        where.append(Sql("d.provider_verified = %s", [True]))
    if params.instant_book_only:
        where.append(Sql("d.instant_book = %s", [True]))
    if params.language:
        where.append(Sql("d.languages LIKE %s", [f"%|{params.language.lower()}|%"]))
    if text is not None:
        where.append(
            Sql(
                text.filter_sql.replace("{id}", column("listing_id", "text")),
                text.filter_params,
            )
        )
    if near_km is not None and chord2 is not None:
        where.append(_ranges(params.latitude, params.longitude, near_km, "d.h3_cell"))
        where.append(chord2 + Sql(" <= %s", [chord2_for_km(near_km)]))
    return _Filters(where=where, chord2=chord2)


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
) -> list[tuple[int, Any]]:
    """``(listing id, sort value)`` of the page's hits and one more, in order."""
    browsing = text is None and not params.has_point
    ordered = params.sort in _INDEXED_SORTS or (
        params.sort == Sort.RELEVANCE and browsing
    )
    # Near a point the matches sit in one city, so in one currency and one
    # slice of every price order; a word belongs to a trade, with its own
    # prices and ratings: a sort index read in order then stops later than the
    # estimate says, so only many matches (more than the count tells apart)
    # justify it. Sorting fewer from the place or text index is cheaper.
    from_sort_index = ordered and total > ORDERED_SCAN_MIN_MATCHES
    if params.sort == Sort.RELEVANCE and text is not None:
        # The rank needs the FTS row itself: join the text index and start there.
        # FTS5 can only rank rows it finds itself (probing it per row costs a
        # millisecond each), so on SQLite the text index must drive.
        driver = None if text.rank_needs_text_driver else _driver(params, None)
        filters = _filters(params, categories, selected, None, driver=driver)
        key = _sort_key(params, filters, text, now_param)
        if total > TEXT_SCORED_LIMIT:
            return _newest_matches_page(params, filters.where, key, cursor_key, text)
        return _page_query(params, filters.where, key, cursor_key, text=text)
    if params.sort == Sort.DISTANCE and params.has_point and total > params.limit:
        rows = _nearest_first_page(params, categories, selected, text, cursor_key)
        if rows is not None:
            return rows
    filters = _filters(
        params,
        categories,
        selected,
        text,
        driver=None if from_sort_index else _driver(params, text),
    )
    if params.sort == Sort.RELEVANCE and browsing and from_sort_index:
        return _browse_by_relevance(params, filters, now_param, cursor_key)
    key = _sort_key(params, filters, text, now_param)
    return _page_query(
        params, filters.where, key, cursor_key, use_sort_index=from_sort_index
    )


def _nearest_first_page(
    params: SearchParams,
    categories: dict[int, CategoryInfo],
    selected: CategoryInfo | None,
    text: TextClause | None,
    cursor_key: tuple[float, int] | None,
) -> list[tuple[int, Any]] | None:
    """Nearest first over many matches: look within growing circles and stop
    at the first that holds a full page. Exact: everything outside a circle is
    farther than everything inside it. ``None``: no circle smaller than the
    search's own held a page."""
    for near_km in NEAREST_STEPS_KM:
        if params.radius_km is not None and near_km >= params.radius_km:
            return None
        filters = _filters(
            params, categories, selected, text, driver=None, near_km=near_km
        )
        key = _SortKey(filters.chord2, descending=False)
        rows = _page_query(params, filters.where, key, cursor_key)
        if len(rows) > params.limit:
            return rows
    return None


def _browse_by_relevance(params, filters, now_param, cursor_key) -> list[tuple]:
    """Best match with neither text nor place is the stored static score plus the
    promotion boost. Promoted and other listings are read as two streams, each in
    the order of an index, and merged: no full scan to add the boost."""
    promoted = Sql("d.promoted_until > %s", [now_param])
    others = Sql("(d.promoted_until IS NULL OR d.promoted_until <= %s)", [now_param])
    boosted = _SortKey(
        Sql(f"d.static_score + {ranking.PROMOTED_BOOST!r}"), descending=True
    )
    plain = _SortKey(Sql("d.static_score"), descending=True)
    rows = _page_query(
        params, [*filters.where, promoted], boosted, cursor_key
    ) + _page_query(
        params, [*filters.where, others], plain, cursor_key, use_sort_index=True
    )
    rows.sort(key=lambda row: (-row[1], row[0]))
    return rows[: params.limit + 1]


def _newest_matches_page(
    params: SearchParams,
    where: list[Sql],
    key: _SortKey,
    cursor_key: tuple[float, int] | None,
    text: TextClause,
) -> list[tuple[int, Any]]:
    """Best match over the :data:`TEXT_SCORED_LIMIT` newest matches only.

    Both engines must compute the text rank (BM25, ``ts_rank``) row by row, and
    a common word ("clean", 保洁) matches a fifth of all listings: scoring all
    of them costs 50 ms at 100,000 listings and ten times that at a million.
    Both indexes can instead hand out their matches newest first and stop (FTS5
    reads its doclists backwards by rowid; PostgreSQL walks the primary key
    backwards and tests each row), so the candidates are the newest matches
    that pass every filter, and only they are scored. The set is fixed for
    given filters, so the keyset pages over it stay consistent; past it, the
    pages end (the total still counts every match, up to ``COUNT_LIMIT``).
    """
    inner = (
        Sql("SELECT d.listing_id, ")
        + key.expression
        + Sql(" AS sort_value FROM search_searchdocument d ")
        + Sql(text.join)
        + Sql(" WHERE ")
        + _join([*where, Sql(text.where, text.params)], " AND ")
        + Sql(f" ORDER BY {text.newest_first} LIMIT %s", [TEXT_SCORED_LIMIT])
    )
    outer = Sql("SELECT listing_id, sort_value FROM (") + inner + Sql(") candidates")
    if cursor_key is not None:
        value, listing_id = cursor_key
        outer = outer + Sql(
            " WHERE (sort_value < %s OR (sort_value = %s AND listing_id > %s))",
            [value, value, listing_id],
        )
    outer = outer + Sql(
        " ORDER BY sort_value DESC, listing_id ASC LIMIT %s", [params.limit + 1]
    )
    with connection.cursor() as cursor:
        cursor.execute(outer.text, outer.params)
        return cursor.fetchall()


def _page_query(
    params: SearchParams,
    where: list[Sql],
    key: _SortKey,
    cursor_key: tuple[float, int] | None,
    *,
    text: TextClause | None = None,
    use_sort_index: bool = False,
) -> list[tuple[int, Any]]:
    conditions = list(where)
    if text is not None:
        conditions.append(Sql(text.where, text.params))
    if cursor_key is not None:
        value, listing_id = cursor_key
        beyond = "<" if key.descending else ">"
        conditions.append(
            Sql("(")
            + key.expression
            + Sql(f" {beyond} %s OR (", [value])
            + key.expression
            + Sql(" = %s AND d.listing_id > %s))", [value, listing_id])
        )
    direction = "DESC" if key.descending else "ASC"
    # "+ 0" keeps the planner from reading a sort index when we decided not to.
    order_key = key.expression if use_sort_index else key.expression + Sql(" + 0")
    query = (
        Sql("SELECT d.listing_id, ")
        + key.expression
        + Sql(" AS sort_value FROM search_searchdocument d ")
        + Sql(text.join if text is not None else "")
        + (Sql(" WHERE ") + _join(conditions, " AND ") if conditions else Sql())
        + Sql(" ORDER BY ")
        + order_key
        + Sql(f" {direction}, d.listing_id ASC LIMIT %s", [params.limit + 1])
    )
    with connection.cursor() as cursor:
        cursor.execute(query.text, query.params)
        return cursor.fetchall()


def _hit_rows(listing_ids: list[int], now_param: Any) -> dict[int, tuple]:
    """What a result card shows, for the page's hits only."""
    if not listing_ids:
        return {}
    marks = ", ".join(["%s"] * len(listing_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_HIT_COLUMNS)}, "  # noqa: S608
            "(CASE WHEN d.promoted_until > %s THEN 1 ELSE 0 END) "
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
    inner = Sql(
        "SELECT d.category_id, d.currency, d.price_band FROM search_searchdocument d"
    )
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


def encode_cursor(sort: Sort, value: float | int, listing_id: int) -> str:
    return signing.dumps(
        [sort.value, value, listing_id], salt=CURSOR_SALT, compress=True
    )


def decode_cursor(token: str, sort: Sort) -> tuple[float | int, int]:
    """The ``(sort value, listing id)`` a cursor stands for; ``DomainError``
    (400, field ``cursor``) if it was not made by us for this sort."""
    try:
        tag, value, listing_id = signing.loads(token, salt=CURSOR_SALT)
        if (
            tag != sort.value
            or not isinstance(value, int | float)
            or isinstance(value, bool)
            or not isinstance(listing_id, int)
        ):
            raise ValueError(token)
    except (signing.BadSignature, ValueError, TypeError) as error:
        message = _("This page link is not valid. Start again from the first page.")
        raise DomainError(
            "invalid_cursor", message, status=400, fields={"cursor": [message]}
        ) from error
    return value, listing_id


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
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM search_searchterm WHERE term >= %s AND term < %s "
            "AND doc_count > 0 LIMIT 1",
            [prefix, upper],
        )
        return cursor.fetchone() is not None
