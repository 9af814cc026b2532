"""Load test: a PostgreSQL + Redis deployment under 50, 100 and 200 users.

    .venv/bin/python bench/load.py [--users 50,100,200] [--duration 75]
        [--keep] [--json FILE]

Starts the production topology on this machine: PostgreSQL at
127.0.0.1:5432 (database ``doorstep_bench_load``, user postgres, trust;
created, migrated and seeded by ``doorstep demo``), Redis at
127.0.0.1:6379 db 5 (cache, channel layer; keys under ``bench-load``), two web
processes (``doorstep serve --workers 1`` on two ports, as the systemd units
run them) and one ``doorstep worker``, all with production settings
(``DEBUG=false``, a secret key, allowed hosts, the sandbox payment gateway,
rate limits off: every simulated user comes from 127.0.0.1). Then it drives
them with locust (``locust`` in the dev group) at each user count in turn: a
ramp (10 users/s), then ``--duration`` seconds measured, and prints p50, p95
and p99 per kind of request and overall, the error rate, req/s, the load
average and the CPU used by the web processes, the worker and the load
generator itself (which shares the machine's cores with them).

Users (each one sticks to one of the two web processes, half on each, as
nginx's upstream would spread them), each waiting 1-3 s between actions:

- 45 % browse anonymously: the home page, the search page, listing pages
  (HTML) and ``GET /api/v1/categories``;
- 25 % search through the API: ``GET /api/v1/services`` with a word and a
  place (or only one of them), then a listing (``GET /api/v1/listings/{id}``);
- 15 % book and pay with a bearer token: a listing's slots, ``POST
  /api/v1/orders``, the sandbox's hosted card page (GET, then POST the good
  test card, as the app's web view does with ``payment.next_action_url``), then
  the order polled until the worker has delivered the gateway's webhook and the
  order moved on, and the customer's order list;
- 15 % chat with a bearer token: their inquiry about a listing opened once
  (``POST /api/v1/conversations``), then messages sent and listed, the unread
  count.

A 409 ``slot_taken`` (two users picked the same time) is the right answer, not
an error: it is counted on its own. Anything else that is not 2xx/3xx, and
every transport error, is an error.

The bench customers (``load-N@bench.doorstep.dev``) and their API tokens are
made directly in the database before the run (signing in through the API
would time password hashing, deliberately slow, not the site). Before the
first level the script waits (``--settle``, at most 300 s) for the worker to
catch up: a fresh worker's first scheduler round runs every periodic job due at
once, minutes on a loaded machine. ``--keep``
keeps the database (and ``var/bench-load/``) and reuses it on the next run;
without it the database is dropped and the folder removed at the end.
``--smoke`` is a quick check of the whole journey (10 users, 45 s): every kind of
request answered, no errors.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "doorstep_bench_load"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/5"
REDIS_PREFIX = "bench-load"
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
CARD = "4242424242424242"  # the sandbox's good card

# Request name -> kind, for the per-kind rows of the table.
KINDS = {
    "home (HTML)": "browse",
    "search page (HTML)": "browse",
    "listing page (HTML)": "browse",
    "categories (API)": "browse",
    "search (API)": "search",
    "listing (API)": "search",
    "slots (API)": "book",
    "book: POST /orders": "book",
    "my orders (API)": "book",
    "pay: hosted page": "pay",
    "pay: POST card": "pay",
    "pay: order polled": "pay",
    "chat: open inquiry": "chat",
    "chat: send": "chat",
    "chat: messages": "chat",
    "chat: unread count": "chat",
}
KIND_ORDER = ["browse", "search", "book", "pay", "chat"]


# --- The deployment -----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(var: Path) -> dict[str, str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOORSTEP_", "STRIPE_", "DJANGO_"))
        and key
        not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
        and key not in {"WEB_CONCURRENCY", "DATABASE_POOLER", "REDIS_KEY_PREFIX"}
    }
    return {
        **base,
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + "x" * 24 + "-load-" + "y" * 24,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": REDIS_PREFIX,
        "DOORSTEP_VAR_DIR": str(var),
        "DOORSTEP_ALLOW_SANDBOX": "true",
        "DOORSTEP_TLOG_SIGNING_KEY": "YmVuY2gtb25seS10bG9nLWtleS1ub3QtYS1zZWNyZXQ=",
        "DOORSTEP_TLOG_SALT": "bench-only-tlog-salt",
        "DOORSTEP_RATELIMIT": "false",
        "LOG_LEVEL": "warning",
        "DJANGO_SETTINGS_MODULE": "doorstep.settings",
        "PYTHONPATH": str(ROOT / "src"),
    }


def _psql(sql: str, database: str = "postgres") -> str:
    done = subprocess.run(  # noqa: S603 - psql with our own statement
        ["psql", f"{POSTGRES}/{database}", "-Atqc", sql],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.exit(f"psql {sql!r}: {done.stderr}")
    return done.stdout.strip()


def _redis_flush() -> None:
    with contextlib.suppress(FileNotFoundError):
        subprocess.run(  # noqa: S603
            ["redis-cli", "-n", REDIS_URL.rsplit("/", 1)[1], "FLUSHDB"],  # noqa: S607
            capture_output=True,
            check=False,
        )


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - ourselves, our own arguments
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if done.returncode:
        sys.exit(
            f"{' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done.stdout


def _get(url: str) -> int:
    request = urllib.request.Request(url, headers=PROXY_HEADERS)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class Process:
    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path):
        self.name = name
        self.log_path = logs / f"{name}.log"
        with self.log_path.open("wb") as log:
            self.popen = subprocess.Popen(  # noqa: S603 - ourselves
                [sys.executable, "-m", "doorstep", *args],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, url: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                sys.exit(f"{self.name} exited:\n{self.tail()}")
            with contextlib.suppress(OSError):
                if _get(url) < 500:
                    return
            time.sleep(0.3)
        sys.exit(f"{self.name} did not answer {url} in {timeout:.0f} s")

    def stop(self) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait()

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` and its children so far."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    with contextlib.suppress(OSError):
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            pids.append(int(child))
    for each in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _queue() -> int:
    """Tasks due now that no worker has started yet."""
    return int(
        _psql(
            "SELECT count(*) FROM django_tasks_database_dbtaskresult "
            "WHERE status = 'READY' AND (run_after <= now() "
            "OR run_after = '9999-01-01 00:00:00+00')",  # the backend's "no date"
            DATABASE,
        )
        or 0
    )


def _jobs_since(moment: float) -> list[str]:
    """The periodic jobs the worker ran since ``moment`` (epoch seconds)."""
    since = f"to_timestamp({float(moment)})"
    sql = (
        "SELECT j.name, round(extract(epoch FROM r.duration)::numeric, 1) "  # noqa: S608
        "FROM periodic_jobrun r JOIN periodic_periodicjob j ON j.id = r.job_id "
        f"WHERE r.started_at >= {since} ORDER BY r.duration DESC"
    )
    rows = _psql(sql, DATABASE)
    return [" ".join(row.split("|")) + " s" for row in rows.splitlines() if row]


def _settle(timeout: float, since: float) -> float:
    """Wait until the worker started at ``since`` (epoch seconds) has caught
    up: no task due and not started, no periodic job running (a worker's first
    scheduler round runs every job due; a job a stopped worker left marked
    running is not counted); the seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        running = _psql(
            "SELECT count(*) FROM periodic_periodicjob "  # noqa: S608
            f"WHERE running_since >= to_timestamp({float(since)})",
            DATABASE,
        )
        if _queue() == 0 and running == "0":
            break
        time.sleep(2)
    return time.monotonic() - started


def _others(ours: set[int]) -> list[str]:
    """The busiest processes over one second that are not this run's (top's
    second sample: the first counts since each process started)."""
    done = subprocess.run(
        ["top", "-b", "-n", "2", "-d", "1", "-c", "-w", "160"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    second = done.stdout.split("\ntop - ")[-1].splitlines()
    header = next(
        (n for n, line in enumerate(second) if line.lstrip().startswith("PID")), None
    )
    rows = []
    for line in second[header + 1 :] if header is not None else []:
        fields = line.split(None, 11)
        if len(fields) < 12 or float(fields[8]) < 5 or int(fields[0]) in ours:
            continue
        if DATABASE in fields[11]:
            continue
        rows.append(f"{fields[8]}% {fields[11][:100]}")
    return rows[:8]


# --- Data for the simulated users ---------------------------------------------------


def prepare(customers: int) -> dict:
    """In the deployment's settings: the bench customers with fresh API tokens,
    the listings to browse, search and book (with free slots), as JSON."""
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone

    from doorstep.accounts.models import ApiToken, User
    from doorstep.accounts.services import create_api_token
    from doorstep.catalog.queries import bookable_listings
    from doorstep.legal.models import PolicyAcceptance
    from doorstep.legal.services import accept_current_versions
    from doorstep.scheduling.slots import bookable_slots

    users = []
    for number in range(customers):
        email = f"load-{number}@bench.doorstep.dev"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, name=f"Load Customer {number}", password=None
            )
        # As signing up does: the terms and privacy policy in force accepted.
        accept_current_versions(
            user=user, request=None, source=PolicyAcceptance.Source.SIGNUP
        )
        users.append(user)
    ApiToken.objects.filter(user__in=users).delete()
    tokens = [create_api_token(user=user, name="bench")[1] for user in users]

    listings = list(
        bookable_listings()
        .select_related("provider")
        .order_by("id")
        .values("public_id", "title", "latitude", "longitude")
    )
    words = sorted(
        {
            word.lower()
            for listing in listings
            for word in re.findall(r"[A-Za-z]{5,}", listing["title"])
        }
    )
    today = timezone.localdate()
    bookable = []
    for listing in (
        bookable_listings()
        .select_related("provider")
        .exclude(pricing_model="quote")
        .filter(provider__agency__isnull=True)
        .order_by("?")[:120]
    ):
        hours = listing.min_hours if listing.pricing_model == "hourly" else None
        try:
            slots = bookable_slots(
                listing=listing,
                start_date=today + timedelta(days=2),
                end_date=today + timedelta(days=29),
                hours=hours,
            )
        except Exception:  # noqa: S112 - a listing that cannot be booked: skip it
            continue
        if len(slots) >= 20:
            bookable.append(
                {
                    "id": listing.public_id,
                    "hours": hours,
                    "latitude": listing.latitude,
                    "longitude": listing.longitude,
                }
            )
    return {
        "tokens": tokens,
        "listings": [
            {"id": x["public_id"], "lat": x["latitude"], "lng": x["longitude"]}
            for x in listings
        ],
        "words": words,
        "bookable": bookable,
        "today": today.isoformat(),
    }


# --- The simulated users (locust; only imported in the driving process) -------------


def drive(config_path: str) -> None:
    """Run locust in this process at one user count; write the figures."""
    import gevent
    from locust import FastHttpUser, between, events, task
    from locust.env import Environment

    config = json.loads(Path(config_path).read_text())
    data = config["data"]
    rng = random.Random(config["seed"])
    hosts = config["hosts"]
    tokens = list(data["tokens"])
    rng.shuffle(tokens)
    counters = {"next_host": 0, "next_token": 0}
    extra = {"slot_taken": 0, "no_slot": 0, "confirm_ms": [], "unconfirmed": 0}
    today = __import__("datetime").date.fromisoformat(data["today"])

    def next_host() -> str:
        counters["next_host"] += 1
        return hosts[counters["next_host"] % len(hosts)]

    def next_token() -> str:
        counters["next_token"] += 1
        return tokens[counters["next_token"] % len(tokens)]

    def place(listing: dict) -> str:
        return f"lat={listing['lat']:.4f}&lng={listing['lng']:.4f}"

    class Base(FastHttpUser):
        abstract = True
        wait_time = between(1, 3)
        default_headers = PROXY_HEADERS

        def __init__(self, environment):
            self.host = next_host()
            super().__init__(environment)

    class Browser(Base):
        weight = 45

        @task(3)
        def home(self):
            self.client.get("/", name="home (HTML)")

        @task(3)
        def search_page(self):
            listing = rng.choice(data["listings"])
            word = rng.choice(data["words"])
            self.client.get(
                f"/search/?q={word}&{place(listing)}", name="search page (HTML)"
            )

        @task(4)
        def listing_page(self):
            listing = rng.choice(data["listings"])
            self.client.get(f"/services/{listing['id']}/", name="listing page (HTML)")

        @task(2)
        def categories(self):
            self.client.get("/api/v1/categories", name="categories (API)")

    class Searcher(Base):
        weight = 25

        @task
        def search(self):
            listing = rng.choice(data["listings"])
            word = rng.choice(data["words"])
            query = rng.choice(
                [f"q={word}&{place(listing)}"] * 3 + [place(listing), f"q={word}"]
            )
            with self.client.get(
                f"/api/v1/services?{query}", name="search (API)", catch_response=True
            ) as response:
                hits = []
                if response.status_code == 200:
                    hits = response.json().get("results") or []
            self.wait()
            chosen = rng.choice(hits)["id"] if hits else listing["id"]
            self.client.get(f"/api/v1/listings/{chosen}", name="listing (API)")

    class Customer(Base):
        abstract = True

        def on_start(self):
            self.auth = {"Authorization": f"Bearer {next_token()}"}

    class Booker(Customer):
        weight = 15

        @task
        def book_and_pay(self):
            listing = rng.choice(data["bookable"])
            day = today + __import__("datetime").timedelta(days=rng.randint(2, 27))
            hours = f"&hours={listing['hours']}" if listing["hours"] else ""
            with self.client.get(
                f"/api/v1/services/{listing['id']}/slots?from={day}"
                f"&to={day + __import__('datetime').timedelta(days=2)}{hours}",
                name="slots (API)",
                headers=self.auth,
                catch_response=True,
            ) as response:
                slots = (
                    response.json().get("slots", [])
                    if response.status_code == 200
                    else []
                )
            if not slots:
                extra["no_slot"] += 1
                return
            self.wait()
            body = {
                "listing_id": listing["id"],
                "starts_at": rng.choice(slots)["starts_at"],
                "address": "88 Huaihai Road",
                "latitude": listing["latitude"],
                "longitude": listing["longitude"],
            }
            if listing["hours"]:
                body["hours"] = listing["hours"]
            with self.client.post(
                "/api/v1/orders",
                json=body,
                name="book: POST /orders",
                headers={**self.auth, "Idempotency-Key": os.urandom(12).hex()},
                catch_response=True,
            ) as response:
                if response.status_code == 409 and "slot_taken" in response.text:
                    extra["slot_taken"] += 1
                    response.success()
                    return
                if response.status_code != 201:
                    response.failure(f"{response.status_code} {response.text[:200]}")
                    return
                order = response.json()
            # The app opens next_action_url in a web view: the gateway's page.
            url = order["payment"]["next_action_url"]
            path = url.split("://", 1)[-1].split("/", 1)[-1]
            with self.client.get(
                "/" + path, name="pay: hosted page", catch_response=True
            ) as response:
                match = re.search(
                    r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text or ""
                )
                headers = response.headers
                set_cookies = (
                    headers.get_all("Set-Cookie")
                    if hasattr(headers, "get_all")
                    else [headers.get("Set-Cookie", "")]
                )
                cookie = re.search(r"csrftoken=([^;]+)", " ".join(set_cookies))
                if response.status_code != 200 or not match or not cookie:
                    response.failure(f"{response.status_code}: no form or no cookie")
                    return
            self.wait()
            origin = "https://" + self.host.split("://", 1)[1]
            paid_at = time.monotonic()
            with self.client.post(
                "/" + path,
                data=f"csrfmiddlewaretoken={match.group(1)}&card={CARD}",
                headers={
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Cookie": f"csrftoken={cookie.group(1)}",
                    "Origin": origin,
                    "Referer": f"{origin}/{path}",
                },
                name="pay: POST card",
                allow_redirects=False,
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"{response.status_code} {response.text[:200]}")
                    return
            # The webhook comes through the worker: the app polls the order.
            for _attempt in range(15):
                gevent.sleep(rng.uniform(1, 2))
                with self.client.get(
                    f"/api/v1/orders/{order['id']}",
                    name="pay: order polled",
                    headers=self.auth,
                    catch_response=True,
                ) as response:
                    if response.status_code != 200:
                        continue
                    if response.json()["state"] != "awaiting_payment":
                        extra["confirm_ms"].append((time.monotonic() - paid_at) * 1000)
                        break
            else:
                extra["unconfirmed"] += 1
            self.wait()
            self.client.get("/api/v1/orders", name="my orders (API)", headers=self.auth)

    class Chatter(Customer):
        weight = 15

        def on_start(self):
            super().on_start()
            self.conversation = None
            listing = rng.choice(data["listings"])
            with self.client.post(
                "/api/v1/conversations",
                json={"listing_id": listing["id"]},
                headers=self.auth,
                name="chat: open inquiry",
                catch_response=True,
            ) as response:
                if response.status_code == 200:
                    self.conversation = response.json()["id"]

        @task(3)
        def send(self):
            if not self.conversation:
                return
            self.client.post(
                f"/api/v1/conversations/{self.conversation}/messages",
                json={"body": rng.choice(MESSAGES)},
                headers=self.auth,
                name="chat: send",
            )

        @task(3)
        def read(self):
            if not self.conversation:
                return
            self.client.get(
                f"/api/v1/conversations/{self.conversation}/messages",
                headers=self.auth,
                name="chat: messages",
            )

        @task(1)
        def unread(self):
            self.client.get(
                "/api/v1/me/unread-count", headers=self.auth, name="chat: unread count"
            )

    failures: dict[str, list[str]] = {}

    window = {"start": 0.0}
    slow: list[tuple[float, str, float]] = []

    @events.request.add_listener
    def _on_request(name, exception, response, response_time=0, **_kwargs):
        if window["start"] and response_time > 3000 and len(slow) < 2000:
            slow.append((time.time() - window["start"], name, response_time))
        if exception is not None:
            messages = failures.setdefault(name, [])
            if len(messages) < 5:
                status = getattr(response, "status_code", None)
                messages.append(f"{status}: {str(exception)[:300]}")

    environment = Environment(
        user_classes=[Browser, Searcher, Booker, Chatter], events=events
    )
    runner = environment.create_local_runner()
    users = config["users"]
    runner.start(users, spawn_rate=config["spawn_rate"])
    gevent.sleep(users / config["spawn_rate"] + 3)
    environment.stats.reset_all()
    for key in ("slot_taken", "no_slot", "unconfirmed"):
        extra[key] = 0
    extra["confirm_ms"].clear()
    failures.clear()
    window["start"] = time.time()
    Path(config["started_file"]).write_text(str(window["start"]))
    gevent.sleep(config["duration"])
    stats = {}
    for (name, _method), entry in environment.stats.entries.items():
        stats[name] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "response_times": {str(k): v for k, v in entry.response_times.items()},
        }
    runner.quit()
    Path(config["out"]).write_text(
        json.dumps(
            {
                "stats": stats,
                "duration": config["duration"],
                "extra": extra,
                "failures": failures,
                "slow": slow,
            }
        )
    )


MESSAGES = [
    "Hello, is next Tuesday morning possible?",
    "Do you bring your own supplies?",
    "How long would a three-bedroom flat take?",
    "Thanks, that works for me.",
    "Can you come a little earlier, around nine?",
]


# --- Figures ------------------------------------------------------------------------


def _percentiles(times: dict[str, int]) -> tuple[float, float, float]:
    total = sum(times.values())
    if not total:
        return (0.0, 0.0, 0.0)
    ordered = sorted((float(k), v) for k, v in times.items())
    found = []
    for share in (0.50, 0.95, 0.99):
        target, seen = total * share, 0
        for value, count in ordered:
            seen += count
            if seen >= target:
                found.append(value)
                break
    return tuple(found)


def _merge(rows: list[dict]) -> dict:
    times: dict[str, int] = {}
    for row in rows:
        for key, count in row["response_times"].items():
            times[key] = times.get(key, 0) + count
    return {
        "requests": sum(row["requests"] for row in rows),
        "failures": sum(row["failures"] for row in rows),
        "response_times": times,
    }


def summarise(result: dict) -> dict:
    stats = result["stats"]
    duration = result["duration"]
    groups = {kind: [] for kind in KIND_ORDER}
    for name, row in stats.items():
        groups[KINDS.get(name, "browse")].append(row)
    rows = {}
    for label, members in [*groups.items(), ("overall", list(stats.values()))]:
        merged = _merge(members)
        p50, p95, p99 = _percentiles(merged["response_times"])
        requests = merged["requests"]
        rows[label] = {
            "requests": requests,
            "rps": requests / duration,
            "p50": p50,
            "p95": p95,
            "p99": p99,
            "errors": merged["failures"],
            "error_pct": 100 * merged["failures"] / requests if requests else 0.0,
        }
    per_name = {}
    for name, row in sorted(stats.items()):
        p50, p95, p99 = _percentiles(row["response_times"])
        per_name[name] = {
            "requests": row["requests"],
            "p50": p50,
            "p95": p95,
            "p99": p99,
            "errors": row["failures"],
        }
    return {"kinds": rows, "requests": per_name}


# --- The run ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="50,100,200", help="comma-separated")
    parser.add_argument("--duration", type=float, default=75, help="seconds each")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users/s")
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--settle",
        type=float,
        default=300,
        help="at most this many seconds for the worker to catch up first",
    )
    parser.add_argument("--keep", action="store_true", help="keep and reuse the DB")
    parser.add_argument("--smoke", action="store_true", help="10 users, 45 s")
    parser.add_argument("--drive", help=argparse.SUPPRESS)
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.drive:
        drive(options.drive)
        return 0
    if options.prepare is not None:
        sys.stdout.write("DATA " + json.dumps(prepare(options.prepare)) + "\n")
        return 0
    if options.smoke:
        options.users, options.duration, options.customers = "10", 45, 20
    levels = [int(x) for x in options.users.split(",")]

    var = ROOT / "var" / "bench-load"
    if not options.keep:
        var = Path(tempfile.mkdtemp(prefix="doorstep-bench-load-"))
    var.mkdir(parents=True, exist_ok=True)
    logs = var / "logs"
    logs.mkdir(exist_ok=True)
    env = _environment(var)
    processes: list[Process] = []
    results = {}
    started = time.monotonic()
    try:
        exists = _psql(
            f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"  # noqa: S608
        )
        seeded = exists and (var / "seeded").exists()
        if not seeded:
            if exists:
                _psql(f"DROP DATABASE {DATABASE} WITH (FORCE)")
            _psql(f"CREATE DATABASE {DATABASE}")
            _redis_flush()
            _run(["-m", "doorstep", "migrate", "--no-input", "-v", "0"], env)
            _run(["-m", "doorstep", "demo"], env)
            (var / "seeded").touch()
        output = _run([__file__, "--prepare", str(options.customers)], env)
        data = json.loads(
            next(x for x in output.splitlines() if x.startswith("DATA "))[5:]
        )
        print(
            f"database ready in {time.monotonic() - started:.0f} s: "
            f"{len(data['listings'])} listings, {len(data['bookable'])} bookable, "
            f"{len(data['tokens'])} customers",
            file=sys.stderr,
        )
        if not data["bookable"]:
            sys.exit("no listing with free slots to book")

        ports = [_free_port(), _free_port()]
        for number, port in enumerate(ports, 1):
            web = Process(
                f"web{number}",
                ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
                env,
                logs,
            )
            processes.append(web)
            # The first collects the static files; the second finds them.
            web.wait_ready(f"http://127.0.0.1:{port}/readyz")
        worker_started = time.time()
        processes.append(Process("worker", ["worker"], env, logs))
        hosts = [f"http://127.0.0.1:{port}" for port in ports]
        waited = _settle(options.settle, worker_started)
        print(f"worker settled after {waited:.0f} s", file=sys.stderr)
        # Warm each process (caches, connections, the search's first use).
        sample = data["listings"][0]
        where = f"q={data['words'][0]}&lat={sample['lat']:.4f}&lng={sample['lng']:.4f}"
        for host in hosts:
            for path in (
                "/",
                "/api/v1/categories",
                f"/search/?{where}",
                f"/api/v1/services?{where}",
                f"/services/{sample['id']}/",
                f"/api/v1/listings/{sample['id']}",
            ):
                _get(host + path)

        for users in levels:
            config = {
                "users": users,
                "spawn_rate": options.spawn_rate,
                "duration": options.duration,
                "hosts": hosts,
                "data": data,
                "seed": users,
                "out": str(var / f"result-{users}.json"),
                "started_file": str(var / f"started-{users}"),
            }
            config_path = var / f"config-{users}.json"
            config_path.write_text(json.dumps(config))
            Path(config["started_file"]).unlink(missing_ok=True)
            driver = subprocess.Popen(  # noqa: S603 - ourselves
                [sys.executable, __file__, "--drive", str(config_path)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=(logs / f"locust-{users}.log").open("wb"),
            )
            print(f"{users} users: ramping up", file=sys.stderr)
            while not Path(config["started_file"]).exists():
                if driver.poll() is not None:
                    log = (logs / f"locust-{users}.log").read_text()[-3000:]
                    sys.exit(f"locust exited: {log}")
                time.sleep(0.2)
            queue_before = _queue()
            window_started = time.time()
            measured = [driver.pid] + [p.popen.pid for p in processes]
            before = {pid: _cpu_seconds(pid) for pid in measured}
            machine_before = _machine_cpu()
            loads, others = [], []
            window_end = time.monotonic() + options.duration
            while time.monotonic() < window_end - 0.5 and driver.poll() is None:
                loads.append(os.getloadavg()[0])
                if not others and window_end - time.monotonic() < options.duration / 2:
                    others = _others(set(measured))
                time.sleep(1)
            after = {pid: _cpu_seconds(pid) for pid in measured}
            machine_after = _machine_cpu()
            queue_after = _queue()
            driver.wait(timeout=120)
            if driver.returncode:
                log = (logs / f"locust-{users}.log").read_text()[-3000:]
                sys.exit(f"locust failed: {log}")
            result = json.loads(Path(config["out"]).read_text())
            used = {pid: after[pid] - before[pid] for pid in measured}
            busy = machine_after[0] - machine_before[0]
            total = machine_after[1] - machine_before[1]
            cores = os.cpu_count() or 1
            summary = summarise(result)
            summary["cpu"] = {
                "machine_busy_pct": 100 * busy / total if total else 0,
                "web_cores": sum(
                    used[p.popen.pid] for p in processes if p.name.startswith("web")
                )
                / options.duration,
                "worker_cores": used[processes[-1].popen.pid] / options.duration,
                "locust_cores": used[driver.pid] / options.duration,
                "cores": cores,
            }
            summary["load_average"] = [min(loads), max(loads)] if loads else []
            summary["others"] = others
            summary["extra"] = {
                "slot_taken": result["extra"]["slot_taken"],
                "no_slot": result["extra"]["no_slot"],
                "unconfirmed": result["extra"]["unconfirmed"],
                "confirm_p50_ms": _percentiles(
                    {str(round(x)): 1 for x in result["extra"]["confirm_ms"]}
                )[0],
                "confirmed": len(result["extra"]["confirm_ms"]),
            }
            summary["failures"] = result["failures"]
            summary["task_queue"] = [queue_before, queue_after]
            summary["periodic_jobs"] = _jobs_since(window_started)
            summary["slow"] = _timeline(result["slow"], options.duration)
            results[users] = summary
            _print_level(users, summary)
            time.sleep(5)
        for process in processes:
            if process.popen.poll() is not None:
                sys.exit(f"{process.name} died:\n{process.tail()}")
    finally:
        for process in processes:
            process.stop()
        if not options.keep:
            with contextlib.suppress(SystemExit):
                _psql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
            _redis_flush()
            shutil.rmtree(var, ignore_errors=True)

    if options.json:
        Path(options.json).write_text(json.dumps(results, indent=2))
    return _verdict(results, smoke=options.smoke)


def _timeline(slow: list, duration: float) -> list[str]:
    """Requests slower than 3 s, by the 10 s of the window they ended in."""
    bins: dict[int, list] = {}
    for at, name, took in slow:
        bins.setdefault(int(at // 10), []).append((took, name))
    rows = []
    for number in range(int(duration // 10) + 1):
        found = bins.get(number, [])
        if found:
            worst = max(found)
            rows.append(
                f"{number * 10:3d}-{number * 10 + 10:3d} s: {len(found):4d} slower "
                f"than 3 s, the worst {worst[0] / 1000:.1f} s ({worst[1]})"
            )
    return rows


def _print_level(users: int, summary: dict) -> None:
    cpu = summary["cpu"]
    load = summary["load_average"]
    print(
        f"\n{users} users — load average {load[0]:.1f}-{load[1]:.1f}, machine "
        f"{cpu['machine_busy_pct']:.0f}% busy; cores used: web {cpu['web_cores']:.2f}, "
        f"worker {cpu['worker_cores']:.2f}, locust {cpu['locust_cores']:.2f} "
        f"(of {cpu['cores']})"
    )
    print(f"{'kind':10} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>8}")
    for kind, row in summary["kinds"].items():
        print(
            f"{kind:10} {row['rps']:7.1f} {row['p50']:6.0f} {row['p95']:6.0f} "
            f"{row['p99']:6.0f} {row['error_pct']:7.2f}%"
        )
    for name, row in summary["requests"].items():
        print(
            f"  {name:22} {row['requests']:6d} {row['p50']:6.0f} {row['p95']:6.0f} "
            f"{row['p99']:6.0f} {row['errors']:5d}"
        )
    extra = summary["extra"]
    print(
        f"  slot_taken {extra['slot_taken']}, no free slot {extra['no_slot']}, "
        f"paid orders confirmed {extra['confirmed']} "
        f"(p50 {extra['confirm_p50_ms']:.0f} ms after the card), "
        f"not confirmed within the polls {extra['unconfirmed']}"
    )
    queue = summary["task_queue"]
    print(f"  worker's queue (tasks due, not started): {queue[0]} -> {queue[1]}")
    jobs = summary["periodic_jobs"]
    if jobs:
        longest = ", ".join(jobs[:4])
        print(f"  periodic jobs run by the worker: {len(jobs)}, the longest {longest}")
    for line in summary["slow"]:
        print(f"  {line}")
    for name, messages in summary["failures"].items():
        print(f"  FAIL {name}: {messages[:2]}")
    for line in summary["others"]:
        print(f"  beside: {line}")


def _verdict(results: dict, *, smoke: bool) -> int:
    holding = [
        users
        for users, summary in results.items()
        if summary["kinds"]["overall"]["p99"] < 300
        and summary["kinds"]["overall"]["error_pct"] < 0.1
    ]
    print(
        "\ntarget (p99 < 300 ms, errors < 0.1 %): "
        + (f"holds up to {max(holding)} users" if holding else "not met at any level")
    )
    if smoke:
        overall = next(iter(results.values()))
        missing = {
            kind for kind, row in overall["kinds"].items() if not row["requests"]
        }
        if overall["kinds"]["overall"]["errors"] or missing:
            print(f"smoke FAILED: errors or no requests of {sorted(missing)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
