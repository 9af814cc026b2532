"""A real receiver process for webhooks: an ``http.server`` on 127.0.0.1 in a
thread, answering with the status codes a test scripts, and recording every
request. Plus an independent implementation of Standard Webhooks verification
(the spec's algorithm, written again here: not our signing code)."""

import base64
import hashlib
import hmac
import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    script: deque = field(default_factory=deque)

    def answer(self, *codes: int) -> None:
        """The status codes of the next requests, in order (then 200)."""
        self.script.extend(codes)


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            state.requests.append(
                Received(
                    self.path,
                    {key.lower(): value for key, value in self.headers.items()},
                    body,
                )
            )
            code = state.script.popleft() if state.script else 200
            reply = b'{"ok": true}' if code < 300 else b"nope " * 1000
            self.send_response(code)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    yield state
    server.shutdown()
    server.server_close()


def verify(secret: str, received: Received) -> bool:
    """Standard Webhooks: base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")),
    key = base64-decoded secret after ``whsec_``; any of the space-separated
    ``v1,`` signatures may match."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    message_id = received.headers["webhook-id"]
    timestamp = received.headers["webhook-timestamp"]
    signed = f"{message_id}.{timestamp}.".encode() + received.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    for candidate in received.headers["webhook-signature"].split(" "):
        version, _comma, signature = candidate.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode(), expected):
            return True
    return False
