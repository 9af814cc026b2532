"""Worker liveness and the recovery of tasks whose worker died.

The database task backend (``django_tasks_db``) claims a task by marking it
RUNNING and appending the worker's id to ``DBTaskResult.worker_ids``; nothing
in it notices a worker that dies mid-task (SIGKILL, out of memory, machine
lost), so such a task would stay RUNNING forever.

- Every ``doorstep worker`` process keeps a ``WorkerHeartbeat`` row fresh from a
  thread of its own (``Heartbeat``), every ``DOORSTEP_WORKER_HEARTBEAT_SECONDS``
  — a thread, not the worker loop, so a long task does not look like a death.
- The periodic job ``recover_lost_tasks`` (``recover_lost_tasks`` below) finds
  tasks RUNNING for longer than ``DOORSTEP_WORKER_STALE_SECONDS`` whose claiming
  worker's heartbeat is older than that (or gone), and puts each back to READY
  with one compare-and-set UPDATE (``status = RUNNING AND started_at = <the
  claim's>``): however many sweeps race, one re-queues it, once per death.
- A task whose workers died ``DOORSTEP_TASK_MAX_RECOVERIES`` times is not
  re-queued again: it is marked FAILED with ``WorkerLost`` (a poison task that
  kills its worker must not take the pool down one worker at a time), and the
  sweep's run asks ops for attention.

Recovery means a task may run more than once: tasks must be idempotent (the
project's are: they act through services that claim or check state).
"""

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections
from django.utils import timezone

from doorstep.periodic.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

DEFAULT_HEARTBEAT = 5.0
DEFAULT_STALE = 60.0
DEFAULT_MAX_RECOVERIES = 3
# Rows of workers gone this long are forgotten.
FORGET_AFTER = timedelta(days=1)
# Tasks a dead worker's tick leaves behind are not run again: the scheduler
# recovers by itself (its chain of ticks is queued ahead; a job's own claim
# expires after the job's timeout), and a second tick would double the chain.
NOT_RETRIED = frozenset({"doorstep.periodic.tasks.run_scheduler"})
LOST_ERROR = "doorstep.periodic.workers.WorkerLost"


class WorkerLost(Exception):
    """The worker running a task stopped (as recorded on a failed task)."""


def heartbeat_interval() -> float:
    seconds = getattr(settings, "DOORSTEP_WORKER_HEARTBEAT_SECONDS", None)
    return float(seconds or DEFAULT_HEARTBEAT)


def stale_after() -> timedelta:
    seconds = getattr(settings, "DOORSTEP_WORKER_STALE_SECONDS", None) or DEFAULT_STALE
    return timedelta(seconds=float(seconds))


def max_recoveries() -> int:
    value = getattr(settings, "DOORSTEP_TASK_MAX_RECOVERIES", None)
    return DEFAULT_MAX_RECOVERIES if value is None else int(value)


# --- Liveness -------------------------------------------------------------------------


def beat(worker_id: str, *, now: datetime | None = None) -> None:
    """Mark ``worker_id`` alive now."""
    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(beat_at=now)
    if not updated:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "beat_at": now,
                "started_at": now,
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
            },
        )


class Heartbeat:
    """A daemon thread beating for one worker process until stopped."""

    def __init__(self, worker_id: str, interval: float | None = None):
        self.worker_id = worker_id
        self.interval = interval or heartbeat_interval()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._loop, name=f"heartbeat-{worker_id}", daemon=True
        )

    def start(self) -> None:
        beat(self.worker_id)  # alive before the first claim
        self._thread.start()

    def stop(self, *, forget: bool = True) -> None:
        """Stop beating; ``forget`` deletes the row (a clean exit claims nothing)."""
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)
        if forget:
            try:
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            except Exception:  # the database may be what stopped us
                logger.warning("could not remove the heartbeat of %s", self.worker_id)

    def _loop(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    beat(self.worker_id)
                except Exception:  # keep beating through a blip
                    logger.exception("worker heartbeat failed")
                    connections.close_all()
        finally:
            connections.close_all()  # this thread's own connections


# --- Recovery -------------------------------------------------------------------------


def recover_lost_tasks(*, now: datetime | None = None) -> dict[str, object]:
    """Re-queue each task whose worker died while running it, once per death;
    fail the ones that died too often. Returns counts for the schedule page."""
    if not settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db."):
        return {"requeued": 0, "failed": 0}
    now = now or timezone.now()
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
    outcomes = [recover(task, now=now) for task in find_lost_tasks(now=now)]
    result: dict[str, object] = {
        "requeued": outcomes.count("requeued"),
        "failed": outcomes.count("failed") + outcomes.count("poison"),
    }
    if "poison" in outcomes:
        result["attention"] = (
            f"{outcomes.count('poison')} task(s) failed after their worker stopped "
            f"{max_recoveries() + 1} times (see the failed tasks, {LOST_ERROR})"
        )
    return result


def find_lost_tasks(*, now: datetime) -> list:
    """Tasks RUNNING since before the stale threshold whose claiming worker
    (the last of ``worker_ids``) has not beaten since then."""
    from django_tasks_db.models import DBTaskResult

    cutoff = now - stale_after()
    alive = set(
        WorkerHeartbeat.objects.filter(beat_at__gte=cutoff).values_list(
            "worker_id", flat=True
        )
    )
    running = DBTaskResult.objects.filter(status="RUNNING", started_at__lt=cutoff)
    return [
        task
        for task in running.only("id", "task_path", "started_at", "worker_ids")
        if (task.worker_ids[-1] if task.worker_ids else None) not in alive
    ]


def recover(task, *, now: datetime) -> str | None:
    """Put one lost task back to READY, or fail it, with a compare-and-set on
    the claim it was found with: ``None`` when another sweep (or the worker)
    changed it first."""
    from django_tasks_db.models import DBTaskResult

    claimed_by = task.worker_ids[-1] if task.worker_ids else None
    deaths = len(task.worker_ids)
    claim = DBTaskResult.objects.filter(
        pk=task.pk, status="RUNNING", started_at=task.started_at
    )
    poison = deaths > max_recoveries()
    if task.task_path in NOT_RETRIED or poison:
        message = (
            f"{LOST_ERROR}: the worker running this task stopped "
            f"({deaths} time(s), last {claimed_by}); not run again."
        )
        if not claim.update(
            status="FAILED",
            finished_at=now,
            return_value=None,
            exception_class_path=LOST_ERROR,
            traceback=message,
        ):
            return None
        log = logger.error if poison else logger.info
        log("task %s %s: %s", task.pk, task.task_path, message)
        return "poison" if poison and task.task_path not in NOT_RETRIED else "failed"
    if not claim.update(status="READY"):
        return None
    logger.warning(
        "task %s %s re-queued: its worker %s stopped (recovery %d of %d)",
        task.pk,
        task.task_path,
        claimed_by,
        deaths,
        max_recoveries(),
    )
    return "requeued"
