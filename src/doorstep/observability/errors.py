"""Unhandled exceptions of requests and tasks, to whoever should hear of them.

One entry point, ``report_exception``, called from two places only: Django's
``got_request_exception`` (an exception no view or handler turned into a
response: the 500s; not 404, 403 or bad requests) and ``task_finished`` with a
FAILED task. It sends the exception, with the request id, to

- Sentry, when ``SENTRY_DSN`` is set (``sentry-sdk``, the optional ``sentry``
  extra). Initialised without its default and auto-enabled integrations: it
  hears exactly what this module reports — once, with our request id — and
  never a logged error twice;
- the callable named by ``DOORSTEP_ERROR_HOOK`` (a dotted path), called as
  ``hook(exception, context=...)``, for any other error tracker.

A failing reporter is logged and never breaks the request or the worker.
"""

import logging
import sys
from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import got_request_exception
from django.http import HttpRequest
from django.utils.module_loading import import_string

from doorstep.observability.context import request_id_var, task_id_var

logger = logging.getLogger(__name__)


@cache
def _hook(path: str) -> Callable[..., Any]:
    return import_string(path)


def report_exception(error: BaseException, *, context: dict[str, Any]) -> None:
    context = {
        "request_id": request_id_var.get(),
        "task_id": task_id_var.get(),
        **context,
    }
    if getattr(settings, "SENTRY_DSN", ""):
        try:
            _to_sentry(error, context)
        except Exception:
            logger.exception("reporting to Sentry failed")
    path = getattr(settings, "DOORSTEP_ERROR_HOOK", "")
    if path:
        try:
            _hook(path)(error, context=context)
        except Exception:
            logger.exception("the error hook %s failed", path)


def _to_sentry(error: BaseException, context: dict[str, Any]) -> None:
    import sentry_sdk

    with sentry_sdk.new_scope() as scope:
        for name in ("request_id", "task_id", "task", "route"):
            if context.get(name):
                scope.set_tag(name, context[name])
        scope.set_context("doorstep", context)
        sentry_sdk.capture_exception(error)


def report_request_exception(
    sender: Any, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    error = sys.exc_info()[1]
    if error is None:
        return
    context: dict[str, Any] = {}
    if request is not None:
        context["method"] = request.method
        context["path"] = request.path
        match = getattr(request, "resolver_match", None)
        if match is not None:
            context["route"] = match.view_name or match.route
    report_exception(error, context=context)


def report_failed_task(sender: Any, task_result: Any, **kwargs: Any) -> None:
    from django_tasks import TaskResultStatus

    if task_result.status != TaskResultStatus.FAILED:
        return
    # Both backends send task_finished inside their ``except`` block.
    error = sys.exc_info()[1]
    if error is None:
        errors = getattr(task_result, "errors", None) or []
        last = errors[-1] if errors else None
        error = RuntimeError(
            f"{last.exception_class_path}: {last.traceback}" if last else "task failed"
        )
    report_exception(
        error,
        context={"task": task_result.task.module_path, "task_id": str(task_result.id)},
    )


def connect() -> None:
    got_request_exception.connect(
        report_request_exception, dispatch_uid="observability.report_request"
    )


def configure_sentry(dsn: str | None = None, **options: Any) -> bool:
    """Start the Sentry client when a DSN is configured. Returns whether it did."""
    dsn = dsn if dsn is not None else getattr(settings, "SENTRY_DSN", "")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.dedupe import DedupeIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=getattr(settings, "SENTRY_ENVIRONMENT", "") or None,
        default_integrations=False,
        auto_enabling_integrations=False,
        integrations=[DedupeIntegration()],
        **options,
    )
    return True
