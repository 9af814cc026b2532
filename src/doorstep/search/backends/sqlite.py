"""SQLite: an FTS5 table over the documents' normalised text.

``search_fts`` is an *external-content* FTS5 table (created in the migrations,
on SQLite only): it stores the inverted index but reads text from
``search_searchdocument`` when it needs it, so the text is kept once. FTS5 then
needs the *old* text to delete an entry, which the indexer has (it reads the
document before rewriting it). Explicit writes rather than triggers keep the one
writer (``search.indexing``) in charge, and let a full reindex load the rows
first and build the index once (``'rebuild'``), far faster than row by row.

Ranking uses FTS5's ``bm25()`` with the title weighted above the body; BM25 is
"more negative is better", so it is negated and squashed to 0..1 (``ranking``).
A query is a conjunction of quoted strings: ``"clean"*`` for a (prefix) word,
``"保 洁"`` for a phrase of adjacent ideographs.
"""

from django.db import connection

from doorstep.search import ranking
from doorstep.search.backends.base import DOCUMENT_TABLE, SearchBackend, TextClause
from doorstep.search.text import TextQuery, prefix_bounds

# A prefix with at most this many indexed words is matched as their ``OR``.
PREFIX_EXPANSION_LIMIT = 16


def _quoted(terms: tuple[str, ...]) -> str:
    return '"' + " ".join(term.replace('"', '""') for term in terms) + '"'


def match_expression(query: TextQuery, expand=None) -> str:
    """The FTS5 query: quoted words and phrases joined by ``AND``. A prefix is
    written as the ``OR`` of the indexed words it starts (``expand``), when
    there are few: FTS5 answers ``"clean"*`` by merging every such word's
    list of documents in full before handing out the first, and the same
    words as ``OR`` as a stream (at a million listings, the newest thousand
    matches of "clean" in 6 ms instead of 19)."""
    parts = []
    for unit in query.units:
        words = expand(unit.terms[0]) if unit.prefix and expand else None
        if words:
            parts.append("(" + " OR ".join(_quoted((word,)) for word in words) + ")")
        else:
            parts.append(_quoted(unit.terms) + ("*" if unit.prefix else ""))
    return " AND ".join(parts)


def indexed_words_starting(prefix: str) -> list[str] | None:
    """The indexed words starting with ``prefix``, or ``None`` if there are
    more than :data:`PREFIX_EXPANSION_LIMIT` (an index range scan of the
    vocabulary, which lists exactly the words the index holds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term FROM search_searchterm WHERE term >= %s AND term < %s "
            "AND doc_count > 0 ORDER BY term LIMIT %s",
            [*prefix_bounds(prefix), PREFIX_EXPANSION_LIMIT + 1],
        )
        words = [row[0] for row in cursor.fetchall()]
    return words if len(words) <= PREFIX_EXPANSION_LIMIT else None


def row_test(query: TextQuery) -> tuple[str, list[str]]:
    """The match tested on the row's own normalised text, term by term as
    ``search.text.matches`` does: each unit's terms, space-delimited (a prefix
    open at its end), within the title or within the body. ``search_fts MATCH``
    inside ``IN (…)`` first collects every match, a fifth of the table for a
    common word; this costs a few string searches per row read."""
    tests, params = [], []
    for unit in query.units:
        needle = " " + " ".join(unit.terms) + ("" if unit.prefix else " ")
        tests.append(
            "(instr(' ' || d.title_text || ' ', %s) > 0 "
            "OR instr(' ' || d.body_text || ' ', %s) > 0)"
        )
        params += [needle, needle]
    return " AND ".join(tests), params


class SqliteBackend(SearchBackend):
    vendor = "sqlite"

    def text_clause(self, query: TextQuery) -> TextClause:
        expression = match_expression(query, expand=indexed_words_starting)
        row_sql, row_params = row_test(query)
        bm25 = f"bm25(search_fts, {ranking.TITLE_WEIGHT!r}, 1.0)"
        half = repr(ranking.BM25_HALF)
        return TextClause(
            join="JOIN search_fts ON search_fts.rowid = d.listing_id",
            where="search_fts MATCH %s",
            params=[expression],
            # t / (t + K) with t = -bm25, written so bm25() runs once per row.
            rank_sql=f"(1.0 - {half} / ({half} - {bm25}))",
            filter_sql=(
                "{id} IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)"
            ),
            filter_params=[expression],
            row_sql=row_sql,
            row_params=row_params,
            rank_needs_text_driver=True,
            # FTS5 walks its doclists backwards by rowid and stops at the LIMIT.
            newest_first="search_fts.rowid DESC",
        )

    def replace_text(self, cursor, listing_id, old, new) -> None:
        if old == new:
            return
        if old is not None:
            cursor.execute(
                "INSERT INTO search_fts (search_fts, rowid, title_text, body_text) "
                "VALUES ('delete', %s, %s, %s)",
                [listing_id, *old],
            )
        if new is not None:
            cursor.execute(
                "INSERT INTO search_fts (rowid, title_text, body_text) "
                "VALUES (%s, %s, %s)",
                [listing_id, *new],
            )

    def begin_bulk_load(self, cursor) -> None:
        cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
        cursor.execute(f"DELETE FROM {DOCUMENT_TABLE}")  # noqa: S608 - a constant

    def finish_bulk_load(self, cursor) -> None:
        cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('rebuild')")
        cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        cursor.execute(f"ANALYZE {DOCUMENT_TABLE}")
