"""The full-text engine behind search, chosen by the database vendor."""

from django.db import connection

from doorstep.search.backends.base import SearchBackend, TextClause

__all__ = ["SearchBackend", "TextClause", "get_backend"]


def get_backend() -> SearchBackend:
    if connection.vendor == "postgresql":
        from doorstep.search.backends.postgresql import PostgresBackend

        return PostgresBackend()
    if connection.vendor == "sqlite":
        from doorstep.search.backends.sqlite import SqliteBackend

        return SqliteBackend()
    raise NotImplementedError(f"no search backend for {connection.vendor}")
