"""Worker liveness and the recovery sweep: a task whose worker stopped goes back
to the queue once per death, never twice for one, and is failed when it keeps
killing its workers."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from doorstep.periodic import workers
from doorstep.periodic.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db

TASK = "doorstep.notifications.tasks.deliver_email"
SECONDS = timedelta(seconds=1)


@pytest.fixture(autouse=True)
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DOORSTEP_WORKER_STALE_SECONDS = 60
    settings.DOORSTEP_TASK_MAX_RECOVERIES = 2


def _running(
    *, worker_ids: list[str], started_at, task_path: str = TASK
) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {}},
        task_path=task_path,
        backend_name="default",
        run_after=get_date_max(),
        started_at=started_at,
        worker_ids=worker_ids,
    )


def _status(task: DBTaskResult) -> str:
    task.refresh_from_db()
    return task.status


def test_a_task_of_a_worker_gone_quiet_is_requeued_and_one_still_beating_is_not():
    # given two tasks started two minutes ago, one on a worker quiet for 90 s
    # and one on a worker that beat a second ago
    now = timezone.now()
    workers.beat("dead", now=now - 90 * SECONDS)
    workers.beat("alive", now=now - SECONDS)
    lost = _running(worker_ids=["dead"], started_at=now - 120 * SECONDS)
    busy = _running(worker_ids=["alive"], started_at=now - 120 * SECONDS)

    # when the sweep runs
    result = workers.recover_lost_tasks(now=now)

    # then only the dead worker's task is ready again
    assert result == {"requeued": 1, "failed": 0}
    assert _status(lost) == "READY"
    assert _status(busy) == "RUNNING"
    # and a worker may claim it as usual
    assert DBTaskResult.objects.ready().get() == lost


def test_a_task_whose_worker_left_no_heartbeat_is_requeued_once_past_the_threshold():
    now = timezone.now()
    old = _running(worker_ids=["never-beat"], started_at=now - 61 * SECONDS)
    fresh = _running(worker_ids=["starting"], started_at=now - 5 * SECONDS)

    workers.recover_lost_tasks(now=now)

    assert _status(old) == "READY"
    assert _status(fresh) == "RUNNING"  # its worker may not have beaten yet


def test_two_sweeps_racing_requeue_the_task_once():
    # given two sweeps that both found the same lost task
    now = timezone.now()
    task = _running(worker_ids=["dead"], started_at=now - 120 * SECONDS)
    found_by_first = workers.find_lost_tasks(now=now)
    found_by_second = workers.find_lost_tasks(now=now)
    assert [t.pk for t in found_by_first] == [t.pk for t in found_by_second]

    # when both act on what they found
    outcomes = [
        workers.recover(found_by_first[0], now=now),
        workers.recover(found_by_second[0], now=now),
    ]

    # then one re-queued it and the other changed nothing
    assert outcomes == ["requeued", None]
    assert _status(task) == "READY"


def test_a_stale_sweep_does_not_requeue_a_task_claimed_again_since():
    # given a sweep that found a lost task, then another sweep re-queued it and
    # a live worker claimed it again
    now = timezone.now()
    task = _running(worker_ids=["dead"], started_at=now - 120 * SECONDS)
    [found] = workers.find_lost_tasks(now=now)
    assert workers.recover(found, now=now) == "requeued"
    task.refresh_from_db()
    task.claim("alive")

    # when the first sweep acts on what it found
    outcome = workers.recover(found, now=now)

    # then the new claim stands
    assert outcome is None
    assert _status(task) == "RUNNING"
    assert task.worker_ids == ["dead", "alive"]


def test_a_task_that_keeps_killing_its_workers_is_failed_after_the_limit(settings):
    # given a limit of two recoveries
    now = timezone.now()
    task = _running(worker_ids=["w1"], started_at=now - 120 * SECONDS)

    # when its worker dies three times (each recovery followed by a new claim)
    outcomes = []
    for worker in ("w2", "w3", None):
        outcomes.append(workers.recover_lost_tasks(now=now))
        if worker:
            task.refresh_from_db()
            task.claim(worker)
            DBTaskResult.objects.filter(pk=task.pk).update(
                started_at=now - 120 * SECONDS
            )

    # then it was re-queued twice, then failed with a clear error and ops told
    assert [o["requeued"] for o in outcomes] == [1, 1, 0]
    assert outcomes[2]["failed"] == 1
    assert "attention" in outcomes[2]
    task.refresh_from_db()
    assert task.status == "FAILED"
    assert task.exception_class_path == workers.LOST_ERROR
    assert "stopped (3 time(s), last w3)" in task.traceback
    assert task.finished_at == now
    # and it is not touched again
    assert workers.recover_lost_tasks(now=now) == {"requeued": 0, "failed": 0}


def test_a_lost_scheduler_tick_is_failed_not_run_again():
    # a second run of a tick would double the scheduler's chain of ticks
    now = timezone.now()
    tick = _running(
        worker_ids=["dead"],
        started_at=now - 120 * SECONDS,
        task_path="doorstep.periodic.tasks.run_scheduler",
    )

    result = workers.recover_lost_tasks(now=now)

    assert result == {"requeued": 0, "failed": 1}  # not a poison task: no alert
    assert _status(tick) == "FAILED"


def test_the_sweep_does_nothing_with_another_task_backend(settings):
    dummy = "django_tasks.backends.dummy.DummyBackend"
    settings.TASKS = {"default": {"BACKEND": dummy}}
    now = timezone.now()
    task = _running(worker_ids=["dead"], started_at=now - 120 * SECONDS)

    assert workers.recover_lost_tasks(now=now) == {"requeued": 0, "failed": 0}
    assert _status(task) == "RUNNING"


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_keeps_the_row_fresh_and_a_clean_stop_removes_it():
    heartbeat = workers.Heartbeat("w-thread", interval=0.05)
    heartbeat.start()
    first = WorkerHeartbeat.objects.get(worker_id="w-thread").beat_at
    try:
        deadline = timezone.now() + 5 * SECONDS
        while timezone.now() < deadline:
            if WorkerHeartbeat.objects.get(worker_id="w-thread").beat_at > first:
                break
            threading.Event().wait(0.05)
        assert WorkerHeartbeat.objects.get(worker_id="w-thread").beat_at > first
    finally:
        heartbeat.stop()
    assert not WorkerHeartbeat.objects.filter(worker_id="w-thread").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent sweeps need a server"
)
def test_concurrent_sweeps_on_postgresql_requeue_each_task_once():
    now = timezone.now()
    tasks = [
        _running(worker_ids=[f"dead{i}"], started_at=now - 120 * SECONDS)
        for i in range(20)
    ]
    results = []
    barrier = threading.Barrier(4)

    def sweep() -> None:
        try:
            barrier.wait()
            results.append(workers.recover_lost_tasks(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(result["requeued"] for result in results) == len(tasks)
    assert DBTaskResult.objects.filter(status="READY").count() == len(tasks)
