"""Two real ``doorstep worker`` processes: the one running a task is killed
(SIGKILL, as the OOM killer does); the other's recovery sweep puts the task back
in the queue and runs it, exactly once more.

On SQLite by default; on PostgreSQL when the test run's ``DATABASE_URL`` is a
PostgreSQL one (in a database of its own, ``<name>_recovery``, dropped after).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
_PARENT_ONLY = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def _environ(**overrides: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in _PARENT_ONLY}
    return {**base, **overrides}


def _wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def database_url(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_recovery"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_task_of_a_killed_worker_is_run_once_more_by_the_other(
    tmp_path, database_url
):
    env = _environ(
        DEBUG="true",
        DATABASE_URL=database_url,
        DOORSTEP_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="doorstep.settings",
        DOORSTEP_TASK_BACKEND="django_tasks_db.DatabaseBackend",
        DOORSTEP_SCHEDULER_TICK_SECONDS="1",
        DOORSTEP_PERIODIC_SCHEDULE=json.dumps({"recover_lost_tasks": {"every": 1}}),
        DOORSTEP_WORKER_HEARTBEAT_SECONDS="0.5",
        DOORSTEP_WORKER_STALE_SECONDS="4",
        LOG_FORMAT="plain",
    )

    def python(code: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup();" + code],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    migrate = subprocess.run(
        [sys.executable, "-m", "doorstep", "migrate", "--no-input"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stderr
    record, release = tmp_path / "starts.txt", tmp_path / "release"

    workers: dict[int, subprocess.Popen] = {}
    names: dict[int, str] = {}
    logs = []
    try:
        for name in ("worker-a", "worker-b"):
            log = (tmp_path / f"{name}.log").open("w")
            logs.append(log)
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "doorstep",
                    "worker",
                    "--no-reload",
                    "--interval",
                    "0.2",
                    "--no-startup-delay",
                    "--worker-id",
                    name,
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            workers[process.pid] = process
            names[process.pid] = name

        # given a task one of the two workers is running
        task_id = python(
            "from tests.blocking_tasks import block_until_released as t;"
            f"print(t.enqueue({str(record)!r}, {str(release)!r}).id)"
        )

        def starts() -> list[str]:
            return record.read_text().splitlines() if record.exists() else []

        first = _wait_for(starts, timeout=180, what="the first start")
        killed = int(first[0].split()[1])
        assert killed in workers
        [survivor] = [pid for pid in workers if pid != killed]

        # when that worker is killed outright
        workers[killed].send_signal(signal.SIGKILL)
        workers[killed].wait(timeout=30)
        killed_at = time.monotonic()

        # then the other worker runs the task again, once
        second = _wait_for(
            lambda: len(starts()) >= 2 and starts(), timeout=180, what="the re-run"
        )
        recovered_after = time.monotonic() - killed_at
        assert second == [f"start {killed}", f"start {survivor}"]
        release.touch()
        _wait_for(lambda: len(starts()) >= 3, timeout=60, what="the completion")
        status = python(
            "from django_tasks_db.models import DBTaskResult as R;"
            f"r = R.objects.get(pk={task_id!r});"
            "import json; print(json.dumps([r.status, r.worker_ids]))"
        )
        assert json.loads(status) == ["SUCCESSFUL", [names[killed], names[survivor]]]
        # and nothing runs it a third time (well past the stale threshold)
        time.sleep(6)
        assert starts() == [f"start {killed}", f"start {survivor}", f"done {survivor}"]
        sys.stderr.write(f"recovered {recovered_after:.1f}s after the kill\n")
    finally:
        for process in workers.values():
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for log in logs:
            log.close()
