"""Observability: request ids in logs and tasks, Prometheus metrics, error reports.

- ``context``: the request id (and the task id) of the work in hand, in
  contextvars, and the logging filter that writes them on every record.
- ``middleware``: one cheap middleware, first in ``MIDDLEWARE``, that gives each
  request its id, times it for the metrics and answers ``/metrics``.
- ``tasks``: the request id travels with the tasks a request enqueues.
- ``metrics``: the Prometheus metrics and the ``/metrics`` exposition.
- ``errors``: unhandled exceptions of requests and tasks to Sentry and/or a hook.
"""
