"""Lighthouse mobile performance of the home, search and listing pages (issue 20).

    .venv/bin/python bench/lighthouse.py [--runs 3] [--keep DIR] [--details]

Serves Doorstep as ``bench/request_path.py`` does (production settings: DEBUG off,
static files collected into the manifest storage and served by WhiteNoise; a
SQLite database migrated and seeded by ``doorstep demo``; ``--keep DIR`` keeps
that database and reuses it on the next run), then runs Lighthouse's performance
category with its defaults -- mobile form factor and emulation, simulated
throttling (slow 4G, 4x CPU slowdown) -- ``--runs`` times on each page:

- the home page, ``/``;
- the search page with a query and a place, ``/search/?q=<word>&lat=..&lng=..``;
- a published listing's page, ``/services/<public_id>/``.

It prints each run's score and the medians of the score, FCP, LCP, Speed Index,
TBT and CLS per page, with the load average and Lighthouse's benchmark index of
the machine (the machine is shared: TBT is measured on this CPU and scaled, so a
busy machine raises it). ``--details`` also prints the
median run's opportunities (render-blocking resources, unused JavaScript, ...);
``--save DIR`` writes every report as JSON.

Lighthouse is not a project dependency: install it with npm outside the
repository (``npm install --prefix /work/tools lighthouse``) and point
``LIGHTHOUSE`` at its binary if it is elsewhere than
``/work/tools/node_modules/.bin/lighthouse``. ``CHROME_PATH`` names the browser
(default ``/usr/bin/chromium``). Nothing is fetched from the internet at run
time; the map's tile server is not reachable here, so tiles fail (the pages are
built to work without them) and cost nothing in these figures.

Lighthouse talks to a small front server here standing in for nginx
(deploy/nginx/doorstep.conf): it serves the demo's photos under ``/media/`` from
the media folder (a production Doorstep leaves them to nginx, and without them
the listing page's largest paint would be text) and passes everything else to
``doorstep serve``, adding ``X-Forwarded-Proto: https`` as a TLS-terminating
proxy does (production settings redirect plain HTTP to HTTPS). Static files go
through to WhiteNoise, which answers with nginx's headers (pre-compressed, cached
for a year under hashed names).
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import mimetypes
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from request_path import (  # noqa: E402 - a sibling script
    PROXY_HEADERS,
    _free_port,
    _production_env,
    _run,
    _sample,
    _start,
    _stop,
)

DEFAULT_LIGHTHOUSE = "/work/tools/node_modules/.bin/lighthouse"
DEFAULT_CHROME = "/usr/bin/chromium"
METRICS = (
    ("FCP", "first-contentful-paint", "ms"),
    ("LCP", "largest-contentful-paint", "ms"),
    ("SI", "speed-index", "ms"),
    ("TBT", "total-blocking-time", "ms"),
    ("CLS", "cumulative-layout-shift", ""),
)
COLLECT = (
    "from doorstep.web.static_files import collect_static_if_stale; "
    "collect_static_if_stale()"
)
DETAIL_AUDITS = (
    "render-blocking-resources",
    "render-blocking-insight",
    "unused-javascript",
    "unused-css-rules",
    "uses-text-compression",
    "uses-long-cache-ttl",
    "cache-insight",
    "bootup-time",
    "mainthread-work-breakdown",
    "long-tasks",
)


HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
}
MEDIA_REFUSED = (".html", ".htm", ".svg", ".xml", ".js")


def _front(upstream_port: int, media: Path) -> http.server.ThreadingHTTPServer:
    """nginx's part: /media/ from disk, the rest proxied with X-Forwarded-Proto."""

    class Front(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            if self.path.startswith("/media/"):
                self._media()
            else:
                self._proxy()

        do_HEAD = do_GET  # noqa: N815

        def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _media(self) -> None:
            relative = urllib.parse.unquote(self.path.split("?")[0])[len("/media/") :]
            path = (media / relative).resolve()
            if (
                not path.is_relative_to(media.resolve())
                or not path.is_file()
                or path.suffix.lower() in MEDIA_REFUSED
            ):
                self._answer(404, [("Content-Type", "text/plain")], b"not found")
                return
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            headers = [
                ("Content-Type", kind),
                ("Cache-Control", "public, max-age=86400"),
                ("X-Content-Type-Options", "nosniff"),
            ]
            self._answer(200, headers, path.read_bytes())

        def _proxy(self) -> None:
            headers = {
                name: value
                for name, value in self.headers.items()
                if name.lower() not in HOP_BY_HOP
            }
            headers.update(PROXY_HEADERS)
            headers["X-Forwarded-For"] = self.client_address[0]
            connection = http.client.HTTPConnection(
                "127.0.0.1", upstream_port, timeout=60
            )
            try:
                connection.request(self.command, self.path, headers=headers)
                response = connection.getresponse()
                body = response.read()
            finally:
                connection.close()
            kept = [
                (name, value)
                for name, value in response.getheaders()
                if name.lower() not in HOP_BY_HOP | {"content-length", "date", "server"}
            ]
            self._answer(response.status, kept, body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Front)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _pages(database: Path) -> list[tuple[str, str]]:
    listing, latitude, longitude, word = _sample(database)
    query = urllib.parse.urlencode(
        {"q": word, "lat": f"{latitude:.4f}", "lng": f"{longitude:.4f}"}
    )
    return [
        ("home", "/"),
        ("search", f"/search/?{query}"),
        ("listing", f"/services/{listing}/"),
    ]


def _lighthouse(binary: str, url: str) -> dict:
    args = [
        binary,
        url,
        "--only-categories=performance",
        "--output=json",
        "--output-path=stdout",
        "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run",
    ]
    done = subprocess.run(  # noqa: S603 - lighthouse with our arguments
        args, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode:
        sys.exit(f"lighthouse {url} failed:\n{done.stderr[-3000:]}")
    report = json.loads(done.stdout)
    if report.get("runtimeError"):
        sys.exit(f"lighthouse {url}: {report['runtimeError']}")
    return report


def _summary(report: dict) -> dict[str, float]:
    audits = report["audits"]
    row = {"score": round(100 * (report["categories"]["performance"]["score"] or 0))}
    # Lighthouse's measure of this machine's speed at that moment (a quiet
    # desktop scores 1,000-2,500); it falls as the load rises.
    row["benchmark"] = report["environment"]["benchmarkIndex"]
    for name, audit, _unit in METRICS:
        row[name] = audits[audit]["numericValue"]
    return row


def _details(report: dict) -> list[str]:
    lines = []
    for key in DETAIL_AUDITS:
        audit = report["audits"].get(key)
        if not audit or audit.get("score") in (None, 1):
            continue
        lines.append(f"    {key}: {audit.get('displayValue', '')}")
        items = (audit.get("details") or {}).get("items") or []
        for item in items[:6]:
            where = item.get("url") or item.get("group") or item.get("groupLabel") or ""
            figures = ", ".join(
                f"{field}={item[field]:.0f}"
                for field in (
                    "wastedMs",
                    "wastedBytes",
                    "totalBytes",
                    "total",
                    "duration",
                    "cacheLifetimeMs",
                )
                if isinstance(item.get(field), int | float)
            )
            lines.append(f"      {where} {figures}")
    return lines


def _format(name: str, value: float) -> str:
    if name == "CLS":
        return f"{value:.3f}"
    if name == "score":
        return f"{value:.0f}"
    return f"{value:.0f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep the migrated, seeded database in this directory and reuse it",
    )
    parser.add_argument("--pages", default="home,search,listing")
    parser.add_argument("--details", action="store_true", help="print opportunities")
    parser.add_argument("--save", type=Path, help="write every report (JSON) here")
    options = parser.parse_args(argv)

    binary = os.environ.get("LIGHTHOUSE", DEFAULT_LIGHTHOUSE)
    if not shutil.which(binary):
        sys.exit(
            f"lighthouse not found at {binary}: npm install --prefix /work/tools "
            "lighthouse (or set LIGHTHOUSE)"
        )
    os.environ.setdefault("CHROME_PATH", DEFAULT_CHROME)
    if not shutil.which(os.environ["CHROME_PATH"]):
        sys.exit(f"no browser at CHROME_PATH={os.environ['CHROME_PATH']}")

    if options.keep:
        options.keep.mkdir(parents=True, exist_ok=True)
    var = options.keep or Path(
        tempfile.mkdtemp(prefix="doorstep-bench-lh-", dir="/tmp")
    )
    if options.save:
        options.save.mkdir(parents=True, exist_ok=True)
    server = None
    front = None
    wanted = options.pages.split(",")
    results: dict[str, list[dict]] = {}
    loads = []
    try:
        env = _production_env(var)
        started = time.monotonic()
        if not (var / "seeded").exists():
            _run(["migrate", "--no-input", "-v", "0"], env)
            _run(["demo"], env)
            (var / "seeded").touch()
        print(f"database ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
        pages = [page for page in _pages(var / "db.sqlite3") if page[0] in wanted]
        # ``serve`` collects static files when they changed, which on a busy
        # machine can outlast its start-up wait: collect them first.
        _run(["shell", "-c", COLLECT], env)

        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        serve = ["-m", "doorstep", "serve", "--port", str(port)]
        server = _start(serve, env, base + "/healthz")
        front = _front(port, var / "media")
        base = f"http://127.0.0.1:{front.server_address[1]}"

        for name, path in pages:
            # One unmeasured load: the server's first render of a template, the
            # SQLite page cache and the browser's first start are not the page.
            _lighthouse(binary, base + path)
            results[name] = []
            for run in range(options.runs):
                loads.append(os.getloadavg()[0])
                report = _lighthouse(binary, base + path)
                row = _summary(report)
                row["report"] = report
                results[name].append(row)
                print(
                    f"{name} run {run + 1}: score {row['score']}, "
                    + ", ".join(
                        f"{metric} {_format(metric, row[metric])}"
                        for metric, _a, _u in METRICS
                    ),
                    file=sys.stderr,
                )
                if options.save:
                    (options.save / f"{name}-{run + 1}.json").write_text(
                        json.dumps(report), encoding="utf-8"
                    )
    finally:
        if front is not None:
            front.shutdown()
        if server is not None:
            _stop(server)
        if not options.keep:
            shutil.rmtree(var, ignore_errors=True)

    print(f"Lighthouse mobile (defaults), {options.runs} runs per page, medians")
    print(
        f"{'page':<9} {'score':>5} {'FCP':>8} {'LCP':>8} {'SI':>8} {'TBT':>8}"
        f" {'CLS':>6}"
        f" {'bench':>6}  runs"
    )
    for name, path in pages:
        rows = results[name]
        median = {
            key: statistics.median(row[key] for row in rows)
            for key in ("score", "benchmark", *(metric for metric, _a, _u in METRICS))
        }
        print(
            f"{name:<9} {median['score']:>5.0f} {median['FCP']:>5.0f} ms "
            f"{median['LCP']:>5.0f} ms {median['SI']:>5.0f} ms "
            f"{median['TBT']:>5.0f} ms "
            f"{median['CLS']:>6.3f} {median['benchmark']:>6.0f}"
            f"  {'/'.join(str(row['score']) for row in rows)}"
            f"  {path}"
        )
        if options.details:
            middle = sorted(rows, key=lambda row: row["score"])[len(rows) // 2]
            for line in _details(middle["report"]):
                print(line)
    if loads:
        print(
            f"load average (1 min) during the runs: {min(loads):.1f}-{max(loads):.1f}"
            " (shared machine)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
