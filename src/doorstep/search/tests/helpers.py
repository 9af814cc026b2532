"""Shared steps for the search tests: run a search the way the page and the API
do (a query string through ``parse_search_params``), walk every page."""

from doorstep.catalog.models import Listing
from doorstep.search.params import SearchResults, parse_search_params
from doorstep.search.queries import search_listings


def search(**query) -> SearchResults:
    return search_listings(
        parse_search_params({key: str(value) for key, value in query.items()}),
        language="en",
    )


def titles(results: SearchResults) -> list[str]:
    return [hit.title for hit in results.hits]


def ids(results: SearchResults) -> list[int]:
    return [hit.listing_id for hit in results.hits]


def all_pages(**query) -> list[int]:
    """Listing ids of every page, following ``next`` to the end."""
    seen: list[int] = []
    cursor = None
    for _ in range(1000):
        results = search(**query, **({"cursor": cursor} if cursor else {}))
        seen.extend(ids(results))
        cursor = results.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


def found(listing: Listing, **query) -> bool:
    return listing.pk in all_pages(**query)
