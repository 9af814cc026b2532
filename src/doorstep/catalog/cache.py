"""The category tree from the cache: it is read on every home page, search form
and ``GET /api/v1/categories`` and changes a few times a year.

Saving or deleting a category forgets it (signals connected in ``CatalogConfig``;
bulk writes call :func:`forget_categories` themselves). With the local-memory
cache each process holds its own copy, so a change made in another process shows
after at most ``CATEGORY_CACHE_SECONDS``; with Redis, at once.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

CATEGORY_CACHE_SECONDS = 300
ROWS_KEY = "catalog:categories:rows"


def api_key(language: str) -> str:
    """The key of the category tree's API body in ``language``."""
    return f"catalog:categories:api:{language}"


def forget_categories(**_signal_arguments) -> None:
    """Drop the cached tree now and again once the transaction commits (a reader
    in between would cache the rows as they were before it)."""
    _forget()
    transaction.on_commit(_forget)


def _forget() -> None:
    cache.delete_many(
        [ROWS_KEY, *(api_key(code) for code, _name in settings.LANGUAGES)]
    )
