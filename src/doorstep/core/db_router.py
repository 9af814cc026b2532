"""Read replicas: web requests read from a replica, everything else uses the primary.

With ``DATABASE_REPLICA_URLS`` set, ``settings.py`` adds one database alias per
replica (``replica_1``, ``replica_2``…), lists them in
``DOORSTEP_REPLICA_DATABASES`` and installs :class:`ReplicaRouter` and
:class:`ReplicaPinMiddleware`. The rules, in order:

- Writes (``save``, ``update``, ``delete``, ``select_for_update``,
  ``get_or_create``…: whatever Django routes with ``db_for_write``) always go to
  ``default``, the primary, and pin the rest of the request to it.
- Reads inside ``transaction.atomic`` on the primary stay on the primary: a
  service that locks or writes reads what its own transaction sees.
- Reads outside a web request (the worker's tasks, management commands, the
  WebSocket consumers) go to the primary: a task enqueued after a write must find
  what was written, whatever the replica's lag. Code that wants a replica for a
  long read (an export, a report) wraps it in :func:`replica_reads`.
- A web request reads from a replica picked at random, unless it is pinned: an
  unsafe method (POST, PUT, PATCH, DELETE — they read what they are about to
  change), a write earlier in the same request, or a write in one of the same
  browser's requests during the last ``DOORSTEP_REPLICA_PIN_SECONDS`` (a cookie
  carries the moment the pin ends), so people read their own writes.
- Migrations run on the primary only; replicas receive them by replication.
"""

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from asgiref.local import Local
from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

# The cookie holding the Unix time until which a browser's reads stay on the primary.
PIN_COOKIE = "doorstep_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


@dataclass
class _Reads:
    """What the current request (or :func:`replica_reads` block) has done."""

    pinned: bool = False
    wrote: bool = False


# Per request, like Django's own per-request state (survives sync_to_async hops).
_local = Local()


def replicas() -> list[str]:
    """The replica aliases configured (empty: everything on the primary)."""
    return list(getattr(settings, "DOORSTEP_REPLICA_DATABASES", []))


def _current() -> _Reads | None:
    return getattr(_local, "reads", None)


@contextmanager
def replica_reads(*, pinned: bool = False) -> Iterator[_Reads]:
    """Let the reads in this block go to a replica (the middleware wraps each
    request in one; ``pinned=True`` starts it pinned to the primary)."""
    previous = _current()
    reads = _Reads(pinned=pinned)
    _local.reads = reads
    try:
        yield reads
    finally:
        _local.reads = previous


def reads_pinned() -> bool:
    """Whether a read made now must go to the primary."""
    reads = _current()
    if reads is None or reads.pinned:
        return True
    return connections[DEFAULT_DB_ALIAS].in_atomic_block


class ReplicaRouter:
    """Django database router implementing the rules in this module's docstring."""

    def db_for_read(self, model: type, **hints: object) -> str | None:
        aliases = replicas()
        if not aliases or reads_pinned():
            return DEFAULT_DB_ALIAS
        return random.choice(aliases)  # noqa: S311 - load spreading, not secrecy

    def db_for_write(self, model: type, **hints: object) -> str:
        reads = _current()
        if reads is not None:
            reads.pinned = True
            reads.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(
        self, obj1: object, obj2: object, **hints: object
    ) -> bool | None:
        # A replica holds the primary's rows: an object read from one may be
        # related to an object read from the other.
        same_data = {DEFAULT_DB_ALIAS, *replicas()}
        if obj1._state.db in same_data and obj2._state.db in same_data:  # type: ignore[attr-defined]
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool | None:
        return False if db in replicas() else None


def pinned_until(request: HttpRequest) -> float:
    """The Unix time until which the pin cookie keeps this browser on the primary."""
    try:
        return float(request.COOKIES.get(PIN_COOKIE, 0))
    except ValueError:
        return 0.0


class ReplicaPinMiddleware:
    """Wraps each request in :func:`replica_reads` and, after a write, sets the
    cookie that keeps the browser's next requests on the primary for
    ``DOORSTEP_REPLICA_PIN_SECONDS``. Not used when no replica is configured."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not replicas():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        pinned = (
            request.method not in SAFE_METHODS or pinned_until(request) > time.time()
        )
        with replica_reads(pinned=pinned) as reads:
            response = self.get_response(request)
        if reads.wrote:
            seconds = settings.DOORSTEP_REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
