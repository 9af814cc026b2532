"""PostgreSQL: a generated ``tsvector`` column with a GIN index.

``search_vector`` is computed by PostgreSQL itself from the normalised text
(created in the migrations, on PostgreSQL only; Django's model does not know the
column, so no ORM write can get it wrong). The ``simple`` configuration only
lower-cases and splits on spaces: stemming, Chinese splitting and folding were
done in Python (``search.text``), identically to SQLite.

The title is weight A and the body weight B, for ``ts_rank``. FTS5 phrases never
span two columns, but ``tsvector || tsvector`` continues the positions, so the
title ends with a sentinel token (``0.0.0``, a "version" token that no
normalised query can contain) that keeps a phrase from running from the end of
the title into the body.

A query is ``'clean':* & '保' <-> '洁'``: every term quoted, joined by ``&``,
phrases by ``<->`` (adjacent).
"""

from doorstep.search import ranking
from doorstep.search.backends.base import DOCUMENT_TABLE, SearchBackend, TextClause
from doorstep.search.text import TextQuery

TITLE_SENTINEL = "0.0.0"
GIN_INDEX = "search_doc_vector"
# Weights of D, C, B, A: the title (A) counts TITLE_WEIGHT times the body (B).
TS_RANK_WEIGHTS = "{0.1, 0.1, %r, 1.0}" % (1.0 / ranking.TITLE_WEIGHT)


def _quote(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery_expression(query: TextQuery) -> str:
    parts = []
    for unit in query.units:
        phrase = " <-> ".join(_quote(term) for term in unit.terms)
        if unit.prefix:
            phrase += ":*"
        parts.append(f"({phrase})" if unit.is_phrase else phrase)
    return " & ".join(parts)


class PostgresBackend(SearchBackend):
    vendor = "postgresql"

    def text_clause(self, query: TextQuery) -> TextClause:
        expression = tsquery_expression(query)
        match = "d.search_vector @@ to_tsquery('simple'::regconfig, %s)"
        rank = (
            f"ts_rank('{TS_RANK_WEIGHTS}', d.search_vector, "
            "to_tsquery('simple'::regconfig, %s))"
        )
        half = repr(ranking.TS_RANK_HALF)
        return TextClause(
            join="",
            where=match,
            params=[expression],
            # t / (t + K), written so ts_rank() runs once per row.
            rank_sql=f"(1.0 - {half} / ({rank} + {half}))",
            rank_params=[expression],
            # The planner weighs the GIN index against the others itself.
            filter_sql=match,
            filter_params=[expression],
        )

    def replace_text(self, cursor, listing_id, old, new) -> None:
        """Nothing to do: the column is generated from the row."""

    def begin_bulk_load(self, cursor) -> None:
        # Foreign keys are checked at commit: PostgreSQL will neither truncate
        # nor index a table with such checks pending, so run them as we go.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # Building a GIN index once over all rows is many times faster than
        # inserting into it row by row.
        cursor.execute(f"DROP INDEX IF EXISTS {GIN_INDEX}")
        cursor.execute(f"TRUNCATE {DOCUMENT_TABLE}")

    def finish_bulk_load(self, cursor) -> None:
        cursor.execute(
            f"CREATE INDEX {GIN_INDEX} ON {DOCUMENT_TABLE} USING gin (search_vector)"
        )
        cursor.execute(f"ANALYZE {DOCUMENT_TABLE}")
