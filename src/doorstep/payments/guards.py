"""The SQLite side of the ledger's delete guard.

The triggers in migration 0002 call ``doorstep_ledger_purge_allowed()``; it is false
on every connection unless code is inside :func:`ledger_purge_allowed` — which only
wiping the whole database (``flush``) uses. A connection without the function
(a raw ``sqlite3`` shell) fails closed: its deletes error out.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_purge_allowed: ContextVar[bool] = ContextVar("ledger_purge_allowed", default=False)


@contextmanager
def ledger_purge_allowed() -> Iterator[None]:
    token = _purge_allowed.set(True)
    try:
        yield
    finally:
        _purge_allowed.reset(token)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "doorstep_ledger_purge_allowed", 0, lambda: int(_purge_allowed.get())
        )
