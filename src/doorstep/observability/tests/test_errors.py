"""Unhandled exceptions of requests and tasks reach the configured reporters —
the generic hook and Sentry (here a local HTTP server stands in for Sentry's
ingest endpoint) — with the request id."""

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sentry_sdk
from django.test import Client

from doorstep.observability import errors
from doorstep.observability.tests import tasks_for_tests
from doorstep.observability.tests.tasks_for_tests import TaskBroke

pytestmark = [
    pytest.mark.urls("doorstep.observability.tests.urls"),
    pytest.mark.django_db,
]
HOOK = "doorstep.observability.tests.tasks_for_tests.collect"


@pytest.fixture
def reported(settings):
    settings.DOORSTEP_ERROR_HOOK = HOOK
    settings.SENTRY_DSN = ""
    tasks_for_tests.reported.clear()
    yield tasks_for_tests.reported
    tasks_for_tests.reported.clear()


def test_a_request_exception_reaches_the_hook_with_the_request_id(reported):
    response = Client(raise_request_exception=False).get(
        "/boom/", HTTP_X_REQUEST_ID="req-boom-0000000001"
    )

    assert response.status_code == 500
    [(error, context)] = reported
    assert isinstance(error, ValueError)
    assert context["request_id"] == "req-boom-0000000001"
    assert context["route"] == "boom"
    assert context["path"] == "/boom/"


def test_expected_answers_are_not_reported(reported):
    Client().get("/no-such-page/")

    assert reported == []


def test_a_task_exception_reaches_the_hook_with_the_request_id(reported):
    response = Client().get("/fail-in-task/", HTTP_X_REQUEST_ID="req-task-000000001")

    assert response.status_code == 200  # the task failed, not the request
    [(error, context)] = reported
    assert isinstance(error, TaskBroke)
    assert context["request_id"] == "req-task-000000001"
    assert context["task"].endswith("tasks_for_tests.break_down")
    assert context["task_id"]


def test_a_failing_hook_breaks_nothing(settings, reported):
    settings.DOORSTEP_ERROR_HOOK = "doorstep.observability.tests.no_such_module.hook"

    response = Client(raise_request_exception=False).get("/boom/")

    assert response.status_code == 500


class _Ingest(BaseHTTPRequestHandler):
    """Sentry's envelope endpoint, as far as the SDK needs it."""

    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def sentry(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ingest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Ingest.received = []
    dsn = f"http://publickey@127.0.0.1:{server.server_port}/42"
    settings.SENTRY_DSN = dsn
    settings.DOORSTEP_ERROR_HOOK = ""
    assert errors.configure_sentry(dsn)
    yield _Ingest.received
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.init(dsn=None)
    server.shutdown()
    server.server_close()


def _events(received: list[bytes]) -> list[dict]:
    """The error events in the envelopes the SDK sent."""
    found = []
    for envelope in received:
        lines = envelope.split(b"\n")
        for header, payload in zip(lines[1::2], lines[2::2], strict=False):
            if json.loads(header).get("type") == "event":
                found.append(json.loads(payload))
    return found


def test_request_and_task_exceptions_go_to_sentry_with_the_request_id(sentry):
    Client(raise_request_exception=False).get(
        "/boom/", HTTP_X_REQUEST_ID="req-sentry-00000001"
    )
    Client().get("/fail-in-task/", HTTP_X_REQUEST_ID="req-sentry-00000002")
    sentry_sdk.flush(timeout=5)

    events = _events(sentry)
    assert [e["tags"]["request_id"] for e in events] == [
        "req-sentry-00000001",
        "req-sentry-00000002",
    ]
    kinds = [e["exception"]["values"][-1]["type"] for e in events]
    assert kinds == ["ValueError", "TaskBroke"]
    assert events[1]["tags"]["task"].endswith("break_down")
