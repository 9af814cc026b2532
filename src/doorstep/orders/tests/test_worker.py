"""Time-based transitions fire from the real worker process: the worker starts
the scheduler, whose timer sweep fires what is due."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[4]
_PARENT_ONLY = {"DJANGO_ALLOW_ASYNC_UNSAFE"}

MAKE_DUE_REQUEST = """
import django; django.setup()
from datetime import timedelta
from django.utils import timezone
from doorstep.orders.models import OrderTimer
from tests.factories import make_order
order = make_order()
OrderTimer.objects.filter(order=order, name="expire_request").update(
    due_at=timezone.now() - timedelta(seconds=1)
)
print(order.public_id)
"""

STATE_OF = """
import django, sys; django.setup()
from doorstep.orders.models import Order
from doorstep.periodic.models import PeriodicJob
from django_tasks_db.models import DBTaskResult
order = Order.objects.get(public_id=sys.argv[1])
timers = PeriodicJob.objects.get(name="fire_order_timers")
ticks = DBTaskResult.objects.filter(task_path="doorstep.periodic.tasks.run_scheduler")
print(order.state, timers.run_count, ticks.filter(status="READY").count())
"""


WAITING_TICKS = """
import django; django.setup()
from django_tasks_db.models import DBTaskResult
print(DBTaskResult.objects.filter(
    task_path="doorstep.periodic.tasks.run_scheduler", status="READY"
).count())
"""


def _environ(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in _PARENT_ONLY}
    base.pop("DATABASE_URL", None)
    return {
        **base,
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DOORSTEP_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "doorstep.settings",
    }


def _python(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_worker_expires_an_unanswered_request(tmp_path):
    env = _environ(tmp_path)
    _python("-m", "doorstep", "migrate", "--no-input", env=env)
    order_id = _python("-c", MAKE_DUE_REQUEST, env=env).stdout.strip().splitlines()[-1]

    worker = _python(
        "-m", "doorstep", "worker", "--batch", "--no-startup-delay", env=env
    )

    assert "Queued the scheduler." in worker.stdout
    state, timer_runs, waiting_ticks = _python(
        "-c", STATE_OF, order_id, env=env
    ).stdout.split()
    assert state == "expired"
    assert timer_runs == "1"
    assert waiting_ticks == "1"  # the scheduler queued its next tick


def test_a_second_worker_does_not_start_a_second_scheduler(tmp_path):
    env = _environ(tmp_path)
    _python("-m", "doorstep", "migrate", "--no-input", env=env)
    worker = ("-m", "doorstep", "worker", "--batch", "--no-startup-delay")

    _python(*worker, env=env)
    _python(*worker, env=env)

    ticks = _python("-c", WAITING_TICKS, env=env).stdout.split()[-1]
    assert ticks == "1"
