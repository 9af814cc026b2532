"""The production topology on one machine, started from nothing and driven
through one scenario (issue 21, part 6):

a PostgreSQL primary and a streaming replica of it (``pg_basebackup -R``),
PgBouncer in transaction mode in front of the primary, a fresh Redis, two web
processes (``doorstep serve``, ASGI) and two workers (``doorstep worker``) with
the production settings (``DEBUG=false``), then

- a booking race split over both web processes has exactly one winner, each round;
- a chat message sent through one web process reaches a WebSocket client
  connected to the other (the channel layer in Redis);
- reads are served by the replica while a user still reads their own writes
  (replay paused on the replica: without the pin cookie the new order is not
  there, with it it is);
- money moves (the winners pay) and the ledger balances at the end;
- a worker killed (SIGKILL) mid-task leaves the task to be run exactly once
  more, by the other worker (heartbeats and the recovery sweep,
  ``doorstep.periodic.workers``).

``.ci/run`` runs it after the suite (``DOORSTEP_TOPOLOGY=1``); otherwise it is
skipped, being minutes long. Timings are printed (``-s``) and written to
``var/topology-timings.json``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest

from tests.topology.engines import (
    free_port,
    pgbouncer,
    pgbouncer_available,
    postgres_primary_and_replica,
    redis_server,
    wait_for_port,
)

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    os.environ.get("DOORSTEP_TOPOLOGY") != "1",
    reason="minutes long: .ci/run runs it with DOORSTEP_TOPOLOGY=1",
)

TIMINGS: dict[str, float] = {}


@contextlib.contextmanager
def timed(name: str):
    start = time.monotonic()
    yield
    TIMINGS[name] = round(time.monotonic() - start, 2)


def _environment(var: Path, **overrides: str) -> dict[str, str]:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOORSTEP_", "STRIPE_", "DJANGO_"))
        and key
        not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
    }
    return {
        **base,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 24 + "-topology-secret-" + "y" * 30,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DOORSTEP_VAR_DIR": str(var),
        "DOORSTEP_ALLOW_SANDBOX": "true",
        "DOORSTEP_TLOG_SIGNING_KEY": "dG9wb2xvZ3ktdGxvZy1rZXktZm9yLXRoZS10ZXN0LTEyMzQ=",
        "DOORSTEP_TLOG_SALT": "topology-tlog-salt-for-the-test",
        "LOG_LEVEL": "warning",
        "DJANGO_SETTINGS_MODULE": "doorstep.settings",
        "PYTHONPATH": str(ROOT),
        **overrides,
    }


def _run(args: list[str], env: dict[str, str], timeout: int = 600) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def _actors(command: str, *args: str, env: dict[str, str]) -> dict:
    out = _run(["-m", "tests.topology.actors", command, *args], env)
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


class Process:
    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path):
        self.name = name
        self.log_path = logs / f"{name}.log"
        self.log = self.log_path.open("wb")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "doorstep", *args],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.log.close()

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


def _http(
    method: str,
    url: str,
    *,
    token: str = "",
    body: dict | None = None,
    cookies: dict[str, str] | None = None,
) -> tuple[int, dict, dict]:
    # As nginx passes it on: the site is https (uvicorn trusts 127.0.0.1's
    # forwarded headers), so production settings do not redirect.
    headers = {
        "Host": "127.0.0.1",
        "Accept": "application/json",
        "X-Forwarded-Proto": "https",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            status, raw, got = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, got = error.code, error.read(), error.headers
    except (urllib.error.URLError, OSError) as error:
        return 0, {"error": repr(error)}, {}
    set_cookies = {}
    for header in got.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        set_cookies[name.strip()] = rest.split(";", 1)[0]
    try:
        payload = json.loads(raw or b"{}")
    except ValueError:
        payload = {"raw": raw[:500].decode(errors="replace")}
    return status, payload, set_cookies


def _replica_caught_up(primary_url: str, replica_url: str, timeout: float = 60):
    with psycopg.connect(primary_url, autocommit=True) as primary:
        target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(replica_url, autocommit=True) as replica:
        while time.monotonic() < deadline:
            behind = replica.execute(
                "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()) > 0",
                [target],
            ).fetchone()[0]
            if not behind:
                return
            time.sleep(0.1)
    raise TimeoutError("the replica did not catch up")


def test_the_whole_topology(tmp_path_factory):
    if not pgbouncer_available():
        pytest.fail("pgbouncer is not installed (apt-get install pgbouncer)")
    started = time.monotonic()
    var = Path(tempfile.mkdtemp(prefix="doorstep-topology-"))
    logs = var / "logs"
    logs.mkdir()
    processes: list[Process] = []
    try:
        with contextlib.ExitStack() as stack:
            with timed("postgres_primary_and_replica"):
                primary, replica = stack.enter_context(postgres_primary_and_replica())
            with psycopg.connect(primary.url("postgres"), autocommit=True) as admin:
                admin.execute("CREATE DATABASE doorstep")
            with timed("pgbouncer_and_redis"):
                bouncer = stack.enter_context(pgbouncer(server_port=primary.port))
                redis = stack.enter_context(redis_server())
            pooled = f"postgres://postgres@127.0.0.1:{bouncer.port}/doorstep"
            metrics_dir = var / "metrics"
            metrics_dir.mkdir()
            direct = _environment(var, DATABASE_URL=primary.url("doorstep"))
            deployed = _environment(
                var,
                DATABASE_URL=pooled,
                DATABASE_POOLER="pgbouncer",
                DATABASE_REPLICA_URLS=replica.url("doorstep"),
                REDIS_URL=redis.url(0),
                DOORSTEP_REPLICA_PIN_SECONDS="30",
                # Every web process and worker counts into one folder, as the
                # units do in /run/doorstep/metrics.
                PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
                DOORSTEP_METRICS_TOKEN=METRICS_TOKEN,
            )
            with timed("migrate_through_pgbouncer"):
                _run(["-m", "doorstep", "migrate", "--no-input"], deployed, 900)
            with timed("seed"):
                seed = _actors("seed", env=direct)
            with timed("start_two_web_two_workers"):
                ports = [free_port(), free_port()]
                for number, port in enumerate(ports, 1):
                    web = Process(
                        f"web{number}",
                        ["serve", "--host", "127.0.0.1", "--port", str(port)],
                        deployed,
                        logs,
                    )
                    processes.append(web)
                    # The first collects the static files; the second finds them.
                    wait_for_port(port, timeout=180, process=web.popen)
                workers = {
                    **deployed,
                    # Quick recovery of a killed worker's task (see the last step).
                    "DOORSTEP_WORKER_HEARTBEAT_SECONDS": "0.5",
                    "DOORSTEP_WORKER_STALE_SECONDS": "4",
                    "DOORSTEP_SCHEDULER_TICK_SECONDS": "1",
                    "DOORSTEP_PERIODIC_SCHEDULE": json.dumps(
                        {"recover_lost_tasks": {"every": 1}}
                    ),
                }
                for number in (1, 2):
                    processes.append(
                        Process(
                            f"worker{number}",
                            ["worker", "--interval", "0.2", "--no-startup-delay"],
                            workers,
                            logs,
                        )
                    )
            webs = [f"http://127.0.0.1:{port}" for port in ports]
            with timed("first_requests"):
                for web in webs:
                    ready = _http("GET", f"{web}/readyz")
                    assert ready[0] == 200, ready
                    listing = _http(
                        "GET",
                        f"{web}/api/v1/listings/{seed['listing_id']}",
                        token=seed["tokens"][0],
                    )
                    assert listing[0] == 200, listing
            _replica_caught_up(primary.url("doorstep"), replica.url("doorstep"))

            with timed("booking_race"):
                winners = _booking_race(seed, webs)
            with timed("chat_across_processes"):
                _chat_across_processes(seed, webs, ports)
            with timed("replica_reads_and_own_writes"):
                pinned_order = _replica_reads(seed, webs, primary, replica)
            with timed("pay_and_check_ledger"):
                states = _actors("pay", *winners, pinned_order, env=direct)
                assert set(states.values()) == {"accepted"}, states
                # The workers post the money (the payment's tasks): wait for them.
                deadline = time.monotonic() + 120
                ledger = _actors("check", env=direct)
                while ledger["entries"] < len(states) and time.monotonic() < deadline:
                    time.sleep(1)
                    ledger = _actors("check", env=direct)
                assert ledger["entries"] >= len(states), ledger
                assert ledger["unbalanced"] == [], ledger
            for process in processes:
                assert process.popen.poll() is None, process.name + process.tail()
            with timed("metrics_of_both_web_processes"):
                _metrics_of_the_host(webs)
            with timed("worker_killed_mid_task"):
                _worker_killed_mid_task(
                    [p for p in processes if p.name.startswith("worker")], direct, var
                )
            for process in processes:
                process.stop()
        TIMINGS["total"] = round(time.monotonic() - started, 2)
        (ROOT / "var").mkdir(exist_ok=True)
        (ROOT / "var" / "topology-timings.json").write_text(
            json.dumps(TIMINGS, indent=2)
        )
        sys.stderr.write(f"topology timings (s): {json.dumps(TIMINGS)}\n")
    except BaseException:
        for process in processes:
            sys.stderr.write(f"--- {process.name}\n{process.tail()}\n")
        raise
    finally:
        for process in processes:
            process.stop()
        import shutil

        shutil.rmtree(var, ignore_errors=True)


METRICS_TOKEN = "topology-metrics-token"


def _scrape(web: str, token: str = METRICS_TOKEN) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310
        f"{web}/metrics", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            text = response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, {}
    from prometheus_client.parser import text_string_to_metric_families

    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return 200, samples


def _metrics_of_the_host(webs: list[str]) -> None:
    """Either web process answers /metrics with the counts of all the host's
    processes (multiprocess mode); a wrong token gets nothing."""
    assert _scrape(webs[0], token="wrong")[0] == 401
    scraped = [_scrape(web) for web in webs]
    assert [status for status, _ in scraped] == [200, 200]
    first, second = (samples for _, samples in scraped)

    def total(samples: dict, name: str, **labels: str) -> float:
        return sum(
            value
            for (metric, found), value in samples.items()
            if metric == name and set(labels.items()) <= set(found)
        )

    requests = total(first, "doorstep_http_requests_total")
    # Both processes served requests above; each reports them all, identically.
    assert requests >= 10, first
    assert total(second, "doorstep_http_requests_total") == requests
    assert total(first, "doorstep_events_total", topic="order.created") >= 1
    assert total(first, "doorstep_workers", state="alive") == 2
    assert ("doorstep_task_queue_depth", (("queue", "default"),)) in first


def _worker_killed_mid_task(
    workers: list[Process], env: dict[str, str], var: Path
) -> None:
    """A task is running on one worker; that worker is killed outright; the
    other's recovery sweep re-queues the task and runs it, exactly once more."""
    record, release = var / "blocking-starts.txt", var / "blocking-release"

    def starts() -> list[str]:
        return record.read_text().splitlines() if record.exists() else []

    def wait_for(predicate, what: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            time.sleep(0.2)

    task_id = _run(
        [
            "-c",
            "import django; django.setup();"
            "from tests.blocking_tasks import block_until_released as t;"
            f"print(t.enqueue({str(record)!r}, {str(release)!r}).id)",
        ],
        env,
    ).strip()
    wait_for(lambda: len(starts()) >= 1, "the first start")
    pids = {worker.popen.pid: worker for worker in workers}
    killed = int(starts()[0].split()[1])
    [survivor] = [pid for pid in pids if pid != killed]
    pids[killed].popen.kill()  # SIGKILL: no chance to mark anything
    pids[killed].popen.wait(timeout=30)
    killed_at = time.monotonic()
    wait_for(lambda: len(starts()) >= 2, "the re-run")
    TIMINGS["recovered_after_kill"] = round(time.monotonic() - killed_at, 2)
    release.touch()
    wait_for(lambda: len(starts()) >= 3, "the completion", timeout=60)
    status = _run(
        [
            "-c",
            "import django, json; django.setup();"
            "from django_tasks_db.models import DBTaskResult as R;"
            f"r = R.objects.get(pk={task_id!r});"
            "print(json.dumps([r.status, len(r.worker_ids)]))",
        ],
        env,
    )
    assert json.loads(status.strip().splitlines()[-1]) == ["SUCCESSFUL", 2]
    time.sleep(6)  # past the stale threshold: nothing runs it a third time
    assert starts() == [f"start {killed}", f"start {survivor}", f"done {survivor}"]
    assert pids[survivor].popen.poll() is None, pids[survivor].tail()


def _booking_race(seed: dict, webs: list[str]) -> list[str]:
    """Each slot: two customers book it at once, one through each web process."""
    winners = []
    for slot in seed["slots"][:4]:
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def book(index: int, slot: str = slot, barrier=barrier, results=results):
            body = {
                "listing_id": seed["listing_id"],
                "starts_at": slot,
                "address": "88 Huaihai Road",
                "latitude": seed["latitude"],
                "longitude": seed["longitude"],
            }
            barrier.wait()
            results[index] = _http(
                "POST",
                f"{webs[index]}/api/v1/orders",
                token=seed["tokens"][index],
                body=body,
            )

        threads = [threading.Thread(target=book, args=(i,)) for i in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        statuses = sorted(result[0] for result in results)
        assert statuses == [201, 409], results
        winner = next(result for result in results if result[0] == 201)
        loser = next(result for result in results if result[0] == 409)
        assert loser[1]["code"] == "slot_taken", loser
        winners.append(winner[1]["id"])
    return winners


def _chat_across_processes(seed: dict, webs: list[str], ports: list[int]) -> None:
    """The provider listens on web 2; the customer sends through web 1."""
    import websockets

    url = f"ws://127.0.0.1:{ports[1]}/ws/conversations/{seed['conversation_id']}/"

    async def scenario() -> dict:
        async with websockets.connect(
            url,
            additional_headers={
                "Cookie": f"sessionid={seed['provider_session']}",
                "X-Forwarded-Proto": "https",
            },
            origin=f"http://127.0.0.1:{ports[1]}",
        ) as socket:
            await asyncio.sleep(0.5)  # joined the conversation's group
            status, body, _ = await asyncio.to_thread(
                _http,
                "POST",
                f"{webs[0]}/api/v1/conversations/{seed['conversation_id']}/messages",
                token=seed["tokens"][0],
                body={"body": "Is Tuesday morning fine?"},
            )
            assert status == 201, body
            while True:
                event = json.loads(await asyncio.wait_for(socket.recv(), 15))
                if event.get("type") == "message":
                    return event

    event = asyncio.run(scenario())
    assert event["body"] == "Is Tuesday morning fine?"


def _replica_reads(seed, webs, primary, replica) -> str:
    """Replay paused on the replica: a new order is invisible there, so a read
    without the pin cookie (replica) misses it, the writer's next read with the
    cookie (primary) sees it; after replay resumes, both do."""
    _replica_caught_up(primary.url("doorstep"), replica.url("doorstep"))
    with psycopg.connect(replica.url("doorstep"), autocommit=True) as standby:
        standby.execute("SELECT pg_wal_replay_pause()")
        try:
            status, order, cookies = _http(
                "POST",
                f"{webs[0]}/api/v1/orders",
                token=seed["tokens"][0],
                body={
                    "listing_id": seed["listing_id"],
                    "starts_at": seed["slots"][4],
                    "address": "88 Huaihai Road",
                    "latitude": seed["latitude"],
                    "longitude": seed["longitude"],
                },
            )
            assert status == 201, order
            assert "doorstep_primary" in cookies, cookies
            url = f"{webs[1]}/api/v1/orders/{order['id']}"
            token = seed["tokens"][0]
            # Without the cookie: the replica, which has not replayed the write.
            assert _http("GET", url, token=token)[0] == 404
            # With it (the same client reading its own write): the primary.
            pinned = _http("GET", url, token=token, cookies=cookies)
            assert pinned[0] == 200, pinned
            assert pinned[1]["id"] == order["id"]
        finally:
            standby.execute("SELECT pg_wal_replay_resume()")
    _replica_caught_up(primary.url("doorstep"), replica.url("doorstep"))
    assert _http("GET", url, token=token)[0] == 200
    return order["id"]
