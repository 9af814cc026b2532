"""The ASGI entry point (``doorstep.asgi``): HTTP requests run in one crossing
into a pool of long-lived threads (each keeps its database connection), with the
request signals in that thread, instead of a new thread per request."""

import asyncio
import threading

from django.core import signals

from doorstep.asgi import django_application


def _get(path: str) -> list[dict]:
    """``GET path`` through the ASGI application; the messages it sent."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "https",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 40000),
        "server": ("localhost", 443),
    }
    sent: list[dict] = []
    received = False

    async def receive() -> dict:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # the client stays connected
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(django_application(scope, receive, send))
    return sent


def test_requests_start_and_finish_in_the_long_lived_request_threads():
    seen: list[str] = []

    def note(**kwargs) -> None:
        seen.append(threading.current_thread().name)

    signals.request_started.connect(note, dispatch_uid="test_asgi")
    signals.request_finished.connect(note, dispatch_uid="test_asgi_end")
    try:
        # Given two requests one after the other
        first = _get("/healthz")
        second = _get("/healthz")
    finally:
        signals.request_started.disconnect(dispatch_uid="test_asgi")
        signals.request_finished.disconnect(dispatch_uid="test_asgi_end")

    # Then both were answered in full
    for sent in (first, second):
        assert sent[0]["type"] == "http.response.start"
        assert sent[0]["status"] == 200
        assert b"".join(m.get("body", b"") for m in sent[1:]) == b'{"status": "ok"}'
    # And each started and finished in one of the pool's threads, not in a
    # thread made for it
    assert len(seen) == 4
    assert all(name.startswith("doorstep-request") for name in seen)
