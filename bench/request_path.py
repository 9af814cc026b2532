"""Request-path benchmark: Doorstep against a bare Starlette and a bare Django app.

    .venv/bin/python bench/request_path.py [--workers 1] [--duration 10] [--smoke]

Builds a fresh SQLite database in a temporary directory (migrated, seeded by
``doorstep demo``), starts ``doorstep serve`` with production settings (DEBUG off,
a secret key, allowed hosts, the sandbox payment provider) and N workers, fetches
each benchmarked endpoint once from Doorstep and then serves the same bytes from a
bare Starlette app and a bare Django app (each under uvicorn with the same worker
count and server options). ``wrk`` drives every endpoint on every server in one
run; the table gives req/s, p50 and p99 and the ratio of Doorstep's req/s to bare
Starlette's. ``--smoke`` runs each for a second and fails (exit status 1) when an
endpoint answers with an error or falls below generous bounds; the test suite runs
it (tests/integration/test_request_path_bench.py).

Rate limits are switched off in the server (one client address sends thousands of
requests a second, which a real search limit answers with 429).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
DEMO_CUSTOMER = "customer@demo.doorstep.dev"
DEMO_PASSWORD = "doorstep-demo"  # noqa: S105 - the published demo password

# Smoke bounds: well below what the full run measures (the slowest endpoints, the
# order list and the HTML pages, are at 0.002-0.006x today), so that only a broken
# endpoint or a regression by several times fails them on a busy machine.
SMOKE_MIN_RATIO = {"api": 0.0005, "html": 0.001, "health": 0.01}


@dataclass(frozen=True)
class Endpoint:
    name: str
    kind: str  # "health", "api" or "html"
    path: str
    authenticated: bool = False


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


# Bare apps ---------------------------------------------------------------


def _payloads() -> dict[str, tuple[int, str, bytes]]:
    with open(os.environ["BENCH_PAYLOADS"], encoding="utf-8") as stream:
        raw = json.load(stream)
    return {
        path: (item["status"], item["content_type"], base64.b64decode(item["body"]))
        for path, item in raw.items()
    }


def make_bare_starlette():
    """The bare Starlette app: each path answers with Doorstep's bytes."""
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    payloads = _payloads()

    async def answer(request):
        key = request.url.path
        if request.url.query:
            key += "?" + request.url.query
        status, content_type, body = payloads[key]
        return Response(body, status_code=status, media_type=content_type)

    return Starlette(routes=[Route("/{rest:path}", answer)])


def make_bare_django():
    """The bare Django app: one sync view, no middleware, same bytes."""
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="bench-bare-django",  # noqa: S106 - a benchmark's app
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=__name__,
            MIDDLEWARE=[],
            INSTALLED_APPS=[],
            USE_I18N=False,
        )
    import django
    from django.core.asgi import get_asgi_application

    django.setup()
    return get_asgi_application()


def _bare_django_view(request):
    from django.http import HttpResponse

    key = request.path
    if request.META.get("QUERY_STRING"):
        key += "?" + request.META["QUERY_STRING"]
    status, content_type, body = _BARE_PAYLOADS()[key]
    return HttpResponse(body, status=status, content_type=content_type)


_CACHE: dict[str, dict] = {}


def _BARE_PAYLOADS() -> dict[str, tuple[int, str, bytes]]:  # noqa: N802
    if "payloads" not in _CACHE:
        _CACHE["payloads"] = _payloads()
    return _CACHE["payloads"]


def _urlpatterns():
    from django.urls import re_path

    return [re_path(r"^.*$", _bare_django_view)]


def __getattr__(name: str):
    # Django reads ``urlpatterns`` from ROOT_URLCONF (this module) lazily.
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


# The run -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _production_env(var: Path) -> dict[str, str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOORSTEP_", "STRIPE_", "DJANGO_"))
        and key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"}
        and key not in {"REDIS_URL", "WEB_CONCURRENCY"}
    }
    return {
        **base,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 24 + "-request-path-" + "y" * 24,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
        "DOORSTEP_VAR_DIR": str(var),
        "DOORSTEP_ALLOW_SANDBOX": "true",
        "DOORSTEP_TLOG_SIGNING_KEY": "YmVuY2gtb25seS10bG9nLWtleS1ub3QtYS1zZWNyZXQ=",
        "DOORSTEP_TLOG_SALT": "bench-only-tlog-salt",
        "DOORSTEP_RATELIMIT": "false",
        "LOG_LEVEL": "warning",
        "DJANGO_SETTINGS_MODULE": "doorstep.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(  # noqa: S603 - ourselves, our own arguments
        [sys.executable, "-m", "doorstep", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode:
        sys.exit(f"doorstep {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


def _request(
    url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str, bytes]:
    request = urllib.request.Request(  # noqa: S310 - our own server
        url, data=data, headers={**PROXY_HEADERS, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return (
                response.status,
                response.headers.get("Content-Type", ""),
                response.read(),
            )
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def _start(args: list[str], env: dict[str, str], url: str) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 - ourselves, our own arguments
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"{' '.join(args)} exited:\n{server.stderr.read()}")
        try:
            if _request(url)[0] < 500:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit(f"{' '.join(args)} did not answer within two minutes")


def _stop(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGINT)
        server.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _sample(database: Path) -> tuple[str, float, float, str]:
    """A published listing of an active provider: id, place, a word of its title."""
    with sqlite3.connect(database) as connection:
        public_id, latitude, longitude, title = connection.execute(
            "SELECT public_id, latitude, longitude, title FROM catalog_listing "
            "WHERE status = 'published' ORDER BY id LIMIT 1"
        ).fetchone()
    word = max(re.findall(r"[A-Za-z]{4,}", title) or re.findall(r"\w+", title), key=len)
    return public_id, latitude, longitude, word


def _endpoints(database: Path) -> list[Endpoint]:
    listing, latitude, longitude, word = _sample(database)
    place = f"lat={latitude:.4f}&lng={longitude:.4f}"
    word = urllib.parse.quote(word)
    return [
        Endpoint("healthz", "health", "/healthz"),
        Endpoint("categories (API)", "api", "/api/v1/categories"),
        Endpoint("listing detail (API)", "api", f"/api/v1/listings/{listing}"),
        Endpoint(
            "search text+place (API)", "api", f"/api/v1/services?q={word}&{place}"
        ),
        Endpoint("my orders (API, token)", "api", "/api/v1/orders", authenticated=True),
        Endpoint("home page (HTML)", "html", "/"),
        Endpoint("search page (HTML)", "html", f"/search/?q={word}&{place}"),
    ]


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _milliseconds(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def _wrk(url: str, *, duration: float, connections: int, headers: dict[str, str]):
    args = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    for name, value in {**PROXY_HEADERS, **headers}.items():
        args += ["-H", f"{name}: {value}"]
    output = subprocess.run(  # noqa: S603 - wrk with our arguments
        [*args, url], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if socket_errors:
        errors += sum(int(value) for value in socket_errors.groups())
    return Result(rate, p50, p99, errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds each")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--smoke", action="store_true", help="short run, bounds")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the migrated, seeded database in this directory and reuse it",
    )
    options = parser.parse_args(argv)
    if options.smoke:
        options.duration = 1.0
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install -y wrk)")

    if options.keep:
        options.keep.mkdir(parents=True, exist_ok=True)
    var = options.keep or Path(
        tempfile.mkdtemp(prefix="doorstep-bench-rp-", dir="/tmp")
    )
    servers: list[subprocess.Popen] = []
    started = time.monotonic()
    try:
        env = _production_env(var)
        if not (var / "seeded").exists():
            _run(["migrate", "--no-input", "-v", "0"], env)
            _run(["demo"], env)
            (var / "seeded").touch()
        print(f"database ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
        endpoints = _endpoints(var / "db.sqlite3")

        doorstep_port = _free_port()
        doorstep = f"http://127.0.0.1:{doorstep_port}"
        serve = ["-m", "doorstep", "serve", "--port", str(doorstep_port)]
        serve += ["--workers", str(options.workers)]
        servers.append(_start(serve, env, doorstep + "/healthz"))

        status, _type, body = _request(
            doorstep + "/api/v1/auth/tokens",
            data=json.dumps(
                {"email": DEMO_CUSTOMER, "password": DEMO_PASSWORD}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        if status != 201:
            sys.exit(f"POST /api/v1/auth/tokens: {status} {body[:300]!r}")
        bearer = {"Authorization": f"Bearer {json.loads(body)['token']}"}

        payloads = {}
        for endpoint in endpoints:
            headers = bearer if endpoint.authenticated else {}
            status, content_type, body = _request(
                doorstep + endpoint.path, headers=headers
            )
            if status != 200:
                sys.exit(f"GET {endpoint.path}: {status} {body[:300]!r}")
            payloads[endpoint.path] = {
                "status": status,
                "content_type": content_type,
                "body": base64.b64encode(body).decode(),
            }
        (var / "payloads.json").write_text(json.dumps(payloads), encoding="utf-8")
        bare_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "BENCH_PAYLOADS": str(var / "payloads.json"),
        }
        bare = {}
        for name, factory in (
            ("starlette", "make_bare_starlette"),
            ("django", "make_bare_django"),
        ):
            port = _free_port()
            args = ["-m", "uvicorn", "--factory", f"request_path:{factory}"]
            args += ["--app-dir", str(BENCH), "--port", str(port)]
            args += ["--workers", str(options.workers), "--no-access-log"]
            args += ["--lifespan", "off", "--log-level", "warning"]
            servers.append(_start(args, bare_env, f"http://127.0.0.1:{port}/healthz"))
            bare[name] = f"http://127.0.0.1:{port}"

        results: dict[str, dict[str, Result]] = {}
        for endpoint in endpoints:
            headers = bearer if endpoint.authenticated else {}
            results[endpoint.name] = {
                target: _wrk(
                    base + endpoint.path,
                    duration=options.duration,
                    connections=options.connections,
                    headers=headers,
                )
                for target, base in (
                    ("doorstep", doorstep),
                    ("starlette", bare["starlette"]),
                    ("django", bare["django"]),
                )
            }
    finally:
        for server in servers:
            _stop(server)
        if not options.keep:
            shutil.rmtree(var, ignore_errors=True)

    print(
        f"workers={options.workers} connections={options.connections} "
        f"duration={options.duration}s each"
    )
    header = (
        f"{'endpoint':26} {'doorstep r/s':>12} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'starlette r/s':>13} {'django r/s':>10} {'÷starlette':>10} {'÷django':>8}"
    )
    print(header)
    failures = []
    report = {}
    for endpoint in endpoints:
        row = results[endpoint.name]
        ours, starlette, django = row["doorstep"], row["starlette"], row["django"]
        ratio = ours.requests_per_second / starlette.requests_per_second
        print(
            f"{endpoint.name:26} {ours.requests_per_second:12.0f} "
            f"{ours.p50_ms:7.1f} {ours.p99_ms:7.1f} "
            f"{starlette.requests_per_second:13.0f} "
            f"{django.requests_per_second:10.0f} {ratio:10.3f} "
            f"{ours.requests_per_second / django.requests_per_second:8.2f}"
        )
        report[endpoint.name] = {
            target: vars(result) | {"ratio_to_starlette": None}
            for target, result in row.items()
        }
        report[endpoint.name]["doorstep"]["ratio_to_starlette"] = ratio
        if any(result.errors for result in row.values()):
            failures.append(
                f"{endpoint.name}: errors {[r.errors for r in row.values()]}"
            )
        if options.smoke and ratio < SMOKE_MIN_RATIO[endpoint.kind]:
            failures.append(
                f"{endpoint.name}: {ratio:.3f}× bare Starlette, "
                f"below the smoke bound {SMOKE_MIN_RATIO[endpoint.kind]}×"
            )
    if options.json:
        Path(options.json).write_text(json.dumps(report, indent=2), encoding="utf-8")
    for failure in failures:
        print("FAIL", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
