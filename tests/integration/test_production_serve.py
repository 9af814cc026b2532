"""A production server as an operator starts one: DEBUG off, settings from the
environment, a fresh database, ``doorstep serve`` — and no manual step between."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _production_env(tmp_path: Path) -> dict[str, str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOORSTEP_", "STRIPE_", "DJANGO_"))
        and key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
    }
    return {
        **base,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 24 + "-production-secret-" + "y" * 30,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DOORSTEP_VAR_DIR": str(tmp_path),
        "DOORSTEP_ALLOW_SANDBOX": "true",
        "DOORSTEP_TLOG_SIGNING_KEY": "cHJvZHVjdGlvbi10bG9nLWtleS1mb3ItdGhlLXRlc3Q=",
        "DOORSTEP_TLOG_SALT": "production-tlog-salt-for-the-test",
        "LOG_LEVEL": "warning",
        "DJANGO_SETTINGS_MODULE": "doorstep.settings",
    }


def _get(url: str) -> tuple[int, Message, bytes]:
    # The server sits behind a TLS proxy in production; say so, as the proxy does.
    request = urllib.request.Request(  # noqa: S310 - http to our own server
        url, headers={"X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def production_server(tmp_path):
    env = _production_env(tmp_path)
    migrate = subprocess.run(
        [sys.executable, "-m", "doorstep", "migrate", "--no-input", "-v", "0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "doorstep", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail("doorstep serve exited:\n" + server.stdout.read())
        try:
            if _get(url + "/healthz")[0] == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail("doorstep serve did not answer within two minutes")
    yield url
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def test_a_fresh_production_server_serves_pages_api_and_static_files(
    production_server,
):
    url = production_server

    ready, _headers, _body = _get(url + "/readyz")
    home, home_headers, html = _get(url + "/")
    api, _headers, _body = _get(url + "/api/v1/categories")
    stylesheet = re.search(rb'href="(/static/web/site\.[0-9a-f]+\.css)"', html)
    missing, _headers, not_found = _get(url + "/no-such-page/")

    assert (ready, home, api, missing) == (200, 200, 200, 404)
    assert home_headers["Doorstep-Test-Mode"] == "true"
    assert b"No real money moves" in html
    assert stylesheet, "the page links its stylesheet by its hashed name"
    # The 404 page is the site's own, styled like every page
    assert stylesheet.group(1) in not_found
    status, headers, css = _get(url + stylesheet.group(1).decode())
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b".site-header" in css
