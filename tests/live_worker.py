"""A real ``doorstep worker`` (database task backend, scheduler ticking every
second) in its own process, against the database a live-server test uses: what
production does by itself, the test lets the worker do."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]
# Only meaningful in the test process (Playwright's event loop beside the ORM).
_PARENT_ONLY = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}

# Starting up, the worker must not slow the live server's first pages on a busy
# machine.
_NICE = shutil.which("nice")
NICE = (_NICE, "-n", "10") if _NICE else ()
WORKER = ("worker", "--no-reload", "--interval", "0.2", "--no-startup-delay")


def database_url() -> str:
    """The URL of the database this test process is using (the test database)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        user = quote(db.get("USER") or "")
        password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
        host = db.get("HOST") or "127.0.0.1"
        port = f":{db['PORT']}" if db.get("PORT") else ""
        return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"
    raise RuntimeError(f"no worker for database engine {db['ENGINE']}")


@contextlib.contextmanager
def running_worker(
    *, log: Path, schedule: dict[str, dict] | None = None
) -> Iterator[subprocess.Popen]:
    """Start ``doorstep worker`` on the test database; stop it on exit.
    ``schedule`` overrides jobs' intervals (``DOORSTEP_PERIODIC_SCHEDULE``)."""
    env = {key: value for key, value in os.environ.items() if key not in _PARENT_ONLY}
    env.update(
        {
            "DEBUG": "true",
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "DOORSTEP_VAR_DIR": str(log.parent),
            "DOORSTEP_SCHEDULER_TICK_SECONDS": "1",
            "DOORSTEP_PERIODIC_SCHEDULE": json.dumps(schedule or {}),
            "LOG_FORMAT": "plain",
        }
    )
    with log.open("w") as output:
        worker = subprocess.Popen(
            [*NICE, sys.executable, "-m", "doorstep", *WORKER],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield worker
        finally:
            worker.terminate()
            try:
                # A graceful stop finishes the task in hand (the scheduler's
                # tick may be running every job due): on a busy machine that
                # takes a while, and a kill would fail the test that owns it.
                worker.wait(timeout=60)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
