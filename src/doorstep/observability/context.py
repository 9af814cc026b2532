"""The request id (and task id) of the work in hand, for logs and error reports.

Contextvars, not thread locals: under ASGI one thread serves many requests, and
``asgiref`` copies the context into the threads it runs sync code in, so a
value set by the middleware is seen by the view, by the ORM's logging and by a
task the immediate backend runs inline.
"""

import logging
import random
import re
from contextvars import ContextVar

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("task_id", default=None)

# What an incoming X-Request-ID may be (nginx's $request_id, a UUID, a load
# balancer's trace id); anything else is replaced, so a client cannot write
# arbitrary text into the logs.
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{7,127}")
# Written on log records outside a request or task (plain and JSON alike).
MISSING = "-"


def current_request_id() -> str | None:
    return request_id_var.get()


def accept_or_make_request_id(incoming: str | None) -> str:
    """The incoming id when it is well formed, else a fresh one (32 hex).

    128 random bits from ``random`` (reseeded in each forked process), not
    ``uuid4``: an id names a request, it guards nothing, and the system call
    behind ``uuid4`` costs more than the rest of the middleware."""
    if incoming and _WELL_FORMED.fullmatch(incoming):
        return incoming
    return f"{random.getrandbits(128):032x}"


class RequestIdFilter(logging.Filter):
    """Writes ``request_id`` and ``task_id`` on the records a handler formats
    (for records made before ``install_record_factory`` ran)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get() or MISSING
            record.task_id = task_id_var.get() or MISSING
        return True


def install_record_factory() -> None:
    """Every log record carries ``request_id`` and ``task_id`` from its
    creation, whichever handler (console, pytest's, Sentry's) sees it."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = request_id_var.get() or MISSING
        record.task_id = task_id_var.get() or MISSING
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
