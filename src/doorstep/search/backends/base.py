"""What a full-text engine must offer the query service and the indexer.

Everything else in search (filters, geo, sorting, facets, cursors) is plain SQL
over ``search_searchdocument`` and identical on both databases. A backend only
says how to test "matches this text" and how well a row matches, and keeps its
index in step with the documents. Queries reach it already compiled into
:class:`~doorstep.search.text.TextQuery` units made of letters and digits, and a
backend still quotes each one: user text never reaches ``MATCH`` or
``to_tsquery`` as syntax.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from doorstep.search.text import TextQuery

DOCUMENT_TABLE = "search_searchdocument"


@dataclass(frozen=True)
class TextClause:
    """SQL pieces for a query over ``search_searchdocument d``.

    ``join`` goes right after ``FROM search_searchdocument d``; ``where`` restricts
    to matches; ``rank_sql`` is the relevance of a match on a 0..1 scale, valid in
    a query that includes ``join`` and ``where``. ``filter_sql`` is the matching
    test alone, for queries that need no rank; ``{id}`` in it stands for the
    document id expression, which the query service may write so that the
    database cannot start from the text index (``(d.listing_id + 0)``).
    """

    join: str
    where: str
    params: list[Any] = field(default_factory=list)
    rank_sql: str = "0.0"
    rank_params: list[Any] = field(default_factory=list)
    filter_sql: str = ""
    filter_params: list[Any] = field(default_factory=list)
    # The matching test on the document row alone, for a query that reads the
    # rows anyway (a window of a sort index); "" when ``filter_sql`` is that.
    row_sql: str = ""
    row_params: list[Any] = field(default_factory=list)
    # Whether ranking requires the text index to be where the query starts.
    rank_needs_text_driver: bool = False
    # ORDER BY that reads the matches newest (highest id) first, stopping early.
    newest_first: str = "d.listing_id DESC"


class SearchBackend(ABC):
    vendor: str

    @abstractmethod
    def text_clause(self, query: TextQuery) -> TextClause:
        """How to find (and rank) the documents matching ``query``."""

    @abstractmethod
    def replace_text(
        self,
        cursor,
        listing_id: int,
        old: tuple[str, str] | None,
        new: tuple[str, str] | None,
    ) -> None:
        """Make the index hold ``new`` (title, body) for the listing instead of
        ``old`` (what the document row held before; ``None``: nothing)."""

    @abstractmethod
    def begin_bulk_load(self, cursor) -> None:
        """Empty the documents and the text index before ``rebuild_index``."""

    @abstractmethod
    def finish_bulk_load(self, cursor) -> None:
        """Build the text index over the freshly loaded documents; refresh the
        planner's statistics."""
