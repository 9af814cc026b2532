"""Prometheus metrics, and ``/metrics`` to scrape them.

What is counted where:

- requests and their latency: ``middleware.ObservabilityMiddleware``;
- domain events (booking outcomes are the ``order.*`` topics: ``order.created``,
  ``order.accept``, ``order.decline``, ``order.cancel_by_customer``…): counted
  in one place, ``events.services.record_event``, after the transaction that
  records them commits;
- payment outcomes (authorised, captured, voided, failed, refunded): counted
  in ``payments.flows`` where a payment's status changes, after commit;
- the task queue (depth and age of the oldest ready task, per queue) and
  worker liveness (``WorkerHeartbeat``): read from the database at scrape time
  (``DatabaseStateCollector``), two small indexed queries.

Several processes (uvicorn web processes, ``doorstep worker``s) count at once.
With ``PROMETHEUS_MULTIPROC_DIR`` set (in the environment, before the process
starts: prometheus_client reads it at import), each process writes its
counters to memory-mapped files in that folder and a scrape of any web process
on the host sums them all (``MultiProcessCollector``). Files of processes that
have exited are kept on purpose: their counts are part of the totals, and
removing them would make the summed counters go down, which Prometheus reads
as a reset. None of our metrics is a gauge kept in a process (the gauges come
from the database at scrape time), so there is no ``live`` gauge of a dead pid
to clean; the folder is emptied when all of the host's processes restart
(``deploy/release.sh``, or the tmpfs at boot). Without the variable, each
process exposes only its own counts (one process: the development server).
"""

import hmac
import ipaddress
import os
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

HTTP_REQUESTS = Counter(
    "doorstep_http_requests",
    "HTTP requests answered, by method, route name and status class.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "doorstep_http_request_duration_seconds",
    "Time to answer an HTTP request (to the response's headers), by route name.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS = Counter(
    "doorstep_events",
    "Domain events committed, by topic (order.* are the booking outcomes).",
    ["topic"],
)
PAYMENTS = Counter(
    "doorstep_payment_outcomes",
    "Payments that reached a status, by outcome and kind of charge.",
    ["outcome", "kind"],
)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def count_event(topic: str) -> None:
    EVENTS.labels(topic=topic).inc()


def count_payment_outcome(*, outcome: str, kind: str) -> None:
    """Count a payment's new status once the caller's transaction commits (a
    rolled-back change counts nothing)."""
    transaction.on_commit(lambda: PAYMENTS.labels(outcome=outcome, kind=kind).inc())


# The labelled children, by (method, route, status class): ``labels()`` checks
# and builds its key on every call, which is most of the cost of counting.
_request_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    if method not in METHODS:
        method = "OTHER"  # any client may send any verb: the key set stays small
    key = (method, route, status // 100)
    series = _request_series.get(key)
    if series is None:
        series = (
            HTTP_REQUESTS.labels(
                method=method,
                route=route,
                status=f"{status // 100}xx",
            ),
            HTTP_LATENCY.labels(route=route),
        )
        _request_series[key] = series
    series[0].inc()
    series[1].observe(seconds)


class DatabaseStateCollector(Collector):
    """Gauges read from the database when Prometheus scrapes: the task queue
    (the ``READY`` partial index of ``django_tasks_db``) and worker heartbeats."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        from django.db.models import Case, Count, F, Min, When
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult, get_date_max

        from doorstep.periodic.models import WorkerHeartbeat
        from doorstep.periodic.workers import stale_after

        now = timezone.now()
        due = Case(
            When(run_after=get_date_max(), then=F("enqueued_at")),
            default=F("run_after"),
        )
        depth = GaugeMetricFamily(
            "doorstep_task_queue_depth",
            "Tasks ready to run now and not yet claimed, by queue.",
            labels=["queue"],
        )
        age = GaugeMetricFamily(
            "doorstep_task_queue_oldest_age_seconds",
            "How long the oldest ready task has waited (0: queue empty), by queue.",
            labels=["queue"],
        )
        rows = (
            DBTaskResult.objects.ready()
            .order_by()
            .values("queue_name")
            .annotate(n=Count("pk"), oldest=Min(due))
        )
        queues = {"default": (0, 0.0)}
        for row in rows:
            waited = (now - row["oldest"]).total_seconds() if row["oldest"] else 0.0
            queues[row["queue_name"]] = (row["n"], max(waited, 0.0))
        for queue, (count, waited) in sorted(queues.items()):
            depth.add_metric([queue], count)
            age.add_metric([queue], waited)
        yield depth
        yield age

        stale = now - stale_after()
        workers = GaugeMetricFamily(
            "doorstep_workers",
            "Worker processes by liveness (alive: heartbeat fresher than "
            "DOORSTEP_WORKER_STALE_SECONDS).",
            labels=["state"],
        )
        alive = WorkerHeartbeat.objects.filter(beat_at__gte=stale).count()
        total = WorkerHeartbeat.objects.count()
        workers.add_metric(["alive"], alive)
        workers.add_metric(["stale"], total - alive)
        yield workers
        last = WorkerHeartbeat.objects.order_by("-beat_at").values_list(
            "beat_at", flat=True
        )[:1]
        freshest = GaugeMetricFamily(
            "doorstep_worker_last_heartbeat_age_seconds",
            "Seconds since any worker last beat (large: no worker is running).",
        )
        beat = next(iter(last), None)
        freshest.add_metric([], (now - beat).total_seconds() if beat else float("inf"))
        yield freshest


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def exposition() -> bytes:
    """The text every scrape gets: this host's processes' counters (or this
    process's alone), then the database gauges."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        counted = generate_latest(registry)
    else:
        counted = generate_latest(REGISTRY)
    state = CollectorRegistry()
    state.register(DatabaseStateCollector())
    return counted + generate_latest(state)


@cache
def _networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(
        ipaddress.ip_network(part.strip(), strict=False)
        for part in spec.split(",")
        if part.strip()
    )


def scrape_allowed(request: HttpRequest) -> bool | None:
    """``True`` for a scraper with the bearer token or from an allowed
    address, ``False`` for anyone else, ``None`` when neither is configured
    (then ``/metrics`` does not exist: never public by default)."""
    token = settings.DOORSTEP_METRICS_TOKEN
    allowed_ips = settings.DOORSTEP_METRICS_ALLOWED_IPS
    if not token and not allowed_ips:
        return None
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode()
        ):
            return True
    if allowed_ips:
        try:
            address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
        except ValueError:
            return False
        return any(address in network for network in _networks(allowed_ips))
    return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    allowed = scrape_allowed(request)
    if allowed is None:
        return HttpResponse(status=404)
    if not allowed:
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
