"""Time-based transitions fire from the real worker process, and the worker
makes sure the timer sweep is queued when it starts."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

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
from django_tasks_db.models import DBTaskResult
order = Order.objects.get(public_id=sys.argv[1])
sweeps = DBTaskResult.objects.filter(task_path="doorstep.orders.tasks.sweep_timers")
print(order.state, sweeps.filter(status="READY").count(), sweeps.count())
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

    assert "Queued the timer sweep." in worker.stdout
    state, waiting_sweeps, _all = _python(
        "-c", STATE_OF, order_id, env=env
    ).stdout.split()
    assert state == "expired"
    assert waiting_sweeps == "1"  # the sweep queued its next run


@pytest.mark.django_db
def test_schedule_sweeps_queues_one_sweep_however_often_it_runs(settings, capsys):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    call_command("schedule_sweeps")
    call_command("schedule_sweeps")

    assert DBTaskResult.objects.filter(task_path__endswith="sweep_timers").count() == 1
    assert "already queued" in capsys.readouterr().out
