"""The scheduler: jobs run when due, once however many workers tick, their runs
are recorded, failures reach ops, and the tick chain stays single."""

import threading
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from doorstep.notifications.models import Kind, Notification
from doorstep.periodic import jobs
from doorstep.periodic.models import JobRun, PeriodicJob, RunStatus, Trigger
from doorstep.periodic.services import (
    CHAIN_GRACE,
    book_next_tick,
    run_due_jobs,
    sync_jobs,
)
from doorstep.periodic.tests.conftest import CALLS
from tests.factories import make_user

pytestmark = pytest.mark.django_db

MINUTE = timedelta(minutes=1)
COUNT = "doorstep.periodic.tests.conftest.count_call"
EXPLODE = "doorstep.periodic.tests.conftest.explode"


def _state(name: str) -> PeriodicJob:
    return PeriodicJob.objects.get(name=name)


def test_every_declared_job_gets_its_schedule_and_the_daily_ones_wait(settings):
    # given the real jobs and a site in Shanghai
    settings.TIME_ZONE = "Asia/Shanghai"
    now = datetime(2026, 5, 1, 12, 0, tzinfo=ZoneInfo("UTC"))  # 20:00 in Shanghai

    # when the scheduler first sees them
    rows = sync_jobs(now=now)

    # then the interval jobs are due at once and reconcile waits for 03:00 local
    assert set(rows) == {job.name for job in jobs.JOBS}
    assert rows["clear_pending_earnings"].next_run_at == now
    assert rows["fire_order_timers"].next_run_at == now
    reconcile = rows["reconcile_payments"].next_run_at
    assert reconcile.astimezone(ZoneInfo("Asia/Shanghai")) == datetime(
        2026, 5, 2, 3, 0, tzinfo=ZoneInfo("Asia/Shanghai")
    )


def test_a_due_job_runs_once_and_again_after_its_interval(only_jobs):
    # given a job every minute and one every five
    only_jobs(
        jobs.Job("often", "Often", COUNT, every=MINUTE),
        jobs.Job("seldom", "Seldom", COUNT, every=5 * MINUTE),
    )
    now = timezone.now()

    # when the scheduler ticks: both run; ticking again at once runs nothing
    first = run_due_jobs(now=now)
    again = run_due_jobs(now=now)

    assert sorted(run.job.name for run in first) == ["often", "seldom"]
    assert again == []
    assert len(CALLS) == 2
    often = _state("often")
    assert often.last_status == RunStatus.OK
    assert often.run_count == 1
    assert often.last_result in (1, 2)  # its count, whichever ran first
    assert often.next_run_at == now + MINUTE
    assert often.running_since is None
    assert often.last_duration is not None

    # when a minute has passed, only the frequent one runs
    later = run_due_jobs(now=now + MINUTE)
    assert [run.job.name for run in later] == ["often"]
    assert JobRun.objects.filter(job__name="often").count() == 2


def test_a_job_running_elsewhere_is_left_alone_until_its_claim_expires(only_jobs):
    only_jobs(jobs.Job("slow", "Slow", COUNT, every=MINUTE, timeout=10 * MINUTE))
    now = timezone.now()
    sync_jobs(now=now)
    # given another worker started it two minutes ago and is still on it
    PeriodicJob.objects.filter(name="slow").update(running_since=now - 2 * MINUTE)

    assert run_due_jobs(now=now) == []

    # when that worker has been silent longer than the job's timeout, it died
    PeriodicJob.objects.filter(name="slow").update(running_since=now - 11 * MINUTE)
    assert [run.job.name for run in run_due_jobs(now=now)] == ["slow"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_ticking_together_run_a_due_job_once(only_jobs):
    only_jobs(jobs.Job("once", "Once", COUNT, every=MINUTE))
    now = timezone.now()
    sync_jobs(now=now)
    ran: list[int] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            ran.append(len(run_due_jobs(now=now)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(ran) == [0, 1]
    assert CALLS == ["count"]
    assert _state("once").run_count == 1


def test_a_failing_job_is_recorded_and_ops_are_told_once(
    only_jobs, django_capture_on_commit_callbacks
):
    # given ops staff, a customer, and a job that raises
    ops = make_user(is_staff=True, name="Olu Ops")
    customer = make_user()
    only_jobs(jobs.Job("fragile", "Fragile", EXPLODE, every=MINUTE))
    now = timezone.now()

    # when it fails, twice in a row
    with django_capture_on_commit_callbacks(execute=True):
        first = run_due_jobs(now=now)
    with django_capture_on_commit_callbacks(execute=True):
        run_due_jobs(now=now + MINUTE)

    # then the runs say why, and the schedule goes on
    assert first[0].status == RunStatus.FAILED
    state = _state("fragile")
    assert state.last_error == "RuntimeError: the gateway is on fire"
    assert (state.run_count, state.failure_count) == (2, 2)
    assert state.next_run_at == now + 2 * MINUTE
    # and ops were told once (not on every failure), the customer never
    alerts = Notification.objects.filter(kind=Kind.OPS_ALERT)
    assert [alert.recipient for alert in alerts] == [ops]
    assert "fragile" in alerts[0].title
    assert "the gateway is on fire" in alerts[0].body
    assert not Notification.objects.filter(recipient=customer).exists()


def test_the_next_daily_run_is_tomorrow_once_today_s_has_passed(settings):
    settings.TIME_ZONE = "UTC"
    schedule = jobs.Schedule(at=time(3, 0))
    at_two = datetime(2026, 5, 1, 2, 0, tzinfo=ZoneInfo("UTC"))
    at_three = datetime(2026, 5, 1, 3, 0, tzinfo=ZoneInfo("UTC"))

    assert schedule.next_after(at_two) == at_three
    assert schedule.next_after(at_three) == at_three + timedelta(days=1)


def test_an_operator_can_move_a_job_and_the_next_run_follows(settings):
    now = timezone.now()
    sync_jobs(now=now)
    assert _state("clear_pending_earnings").schedule == "every 900s"

    settings.DOORSTEP_PERIODIC_SCHEDULE = {"clear_pending_earnings": {"every": 60}}
    sync_jobs(now=now)

    state = _state("clear_pending_earnings")
    assert state.schedule == "every 60s"
    assert state.next_run_at == now + MINUTE


def test_a_mistyped_schedule_fails_the_start_up_check(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.DOORSTEP_PERIODIC_SCHEDULE = {
        "reconcile_payments": {"at": "3 o'clock"},
        "no_such_job": {"every": 5},
    }

    with pytest.raises(SystemCheckError) as failed:
        call_command("check")

    assert "periodic.E001" in str(failed.value)
    assert "periodic.E002" in str(failed.value)


def test_one_chain_of_ticks_owns_the_schedule_until_it_stops():
    now = timezone.now()

    # the first worker's chain takes the schedule
    assert book_next_tick(chain="first", now=now) is not None
    # a second worker's chain, started while the first ticks, ends after one tick
    assert book_next_tick(chain="second", now=now + timedelta(seconds=5)) is None
    # the first keeps ticking
    assert book_next_tick(chain="first", now=now + timedelta(seconds=15)) is not None
    # when the first stops ticking (its worker died), a new chain takes over
    dead = now + timedelta(seconds=30) + CHAIN_GRACE + timedelta(seconds=1)
    assert book_next_tick(chain="second", now=dead) is not None
    assert book_next_tick(chain="first", now=dead + timedelta(seconds=1)) is None


def test_a_manual_run_names_who_asked(only_jobs, django_capture_on_commit_callbacks):
    from doorstep.events.models import Event
    from doorstep.periodic.services import request_job_run

    only_jobs(jobs.Job("daily", "Daily", COUNT, at=time(3, 0)))
    ops = make_user(is_staff=True)

    with django_capture_on_commit_callbacks(execute=True):
        request_job_run(name="daily", user=ops)

    run = JobRun.objects.get(job__name="daily")
    assert (run.trigger, run.requested_by) == (Trigger.MANUAL, ops)
    assert CALLS == ["count"]
    event = Event.objects.get(topic="ops.job_run_requested")
    assert event.payload == {"job": "daily", "by": ops.public_id}
    # the manual run did not move the daily schedule to "now" for good
    assert _state("daily").next_run_at > timezone.now()


def test_old_runs_and_finished_tasks_are_forgotten(settings, only_jobs):
    from django_tasks_db.models import DBTaskResult

    from doorstep.periodic.services import HISTORY, prune_run_history
    from doorstep.periodic.tasks import run_scheduler

    # given runs and finished tasks older than the history, and recent ones
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    only_jobs(jobs.Job("often", "Often", COUNT, every=MINUTE))
    now = timezone.now()
    first = run_due_jobs(now=now)[0]
    run_due_jobs(now=now + MINUTE)
    JobRun.objects.filter(pk=first.pk).update(started_at=now - HISTORY - MINUTE)
    old, recent = run_scheduler.enqueue(), run_scheduler.enqueue()
    DBTaskResult.objects.filter(pk__in=[old.id, recent.id]).update(
        status="SUCCESSFUL", finished_at=now
    )
    DBTaskResult.objects.filter(pk=old.id).update(finished_at=now - HISTORY - MINUTE)

    # when the housekeeping job runs
    assert prune_run_history(now=now) == {"runs": 1}

    # then only the recent run and task are left
    assert JobRun.objects.count() == 1
    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [
        recent.id
    ]
