"""Which promoted listings a search shows as promoted.

A promotion may be limited to cities and categories (``promotions`` targeting).
The search document only knows ``promoted_until``; so each search first asks
``promotions.queries.hidden_promoted_listings`` which promoted listings are out
of its scope (few: only targeted promotions can be) and every promotion test in
the search SQL reads :func:`promoted_sql`, which leaves them out. They are
ranked and labelled as plain listings in that search.

The set is held in a context variable for the duration of one
``search_listings`` call rather than threaded through every query builder: the
promotion test sits in a dozen places (streams, score, labels) that otherwise
need only the current time.
"""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_hidden: ContextVar[frozenset[int]] = ContextVar(
    "search_hidden_promotions", default=frozenset()
)


@contextmanager
def promotions_hidden(listing_ids: Iterable[int]) -> Iterator[None]:
    """Within the block, the listings ``listing_ids`` are not promoted."""
    token = _hidden.set(frozenset(int(pk) for pk in listing_ids))
    try:
        yield
    finally:
        _hidden.reset(token)


def promoted_sql() -> str:
    """SQL over ``d`` (a search document): promoted now. Takes one parameter,
    the current time. Hidden ids are integers written inline (never user text)."""
    hidden = _hidden.get()
    # "IS NOT NULL" lets the planner use the partial index of promoted listings.
    promoted = "d.promoted_until IS NOT NULL AND d.promoted_until > %s"
    if not hidden:
        return f"({promoted})"
    ids = ", ".join(str(int(pk)) for pk in sorted(hidden))
    return f"({promoted} AND d.listing_id NOT IN ({ids}))"


def not_promoted_sql() -> str:
    """The complement of :func:`promoted_sql` (one parameter, the time)."""
    return f"(d.promoted_until IS NULL OR NOT {promoted_sql()})"
