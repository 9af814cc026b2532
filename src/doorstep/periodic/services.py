"""Every write of the scheduler: keeping the job rows in step with ``jobs.JOBS``,
claiming and running due jobs, recording each run, "run now", the tick chain.

Claims are conditional UPDATEs (``WHERE next_run_at <= now AND not running``):
the database lets exactly one worker win each, on SQLite and PostgreSQL alike,
so any number of workers may tick at once and each due run happens once.
Jobs run outside any transaction (they call gateways and manage their own).
"""

import logging
import secrets
import time as clock
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.audit import services as audit
from doorstep.core.errors import NotFound
from doorstep.events.services import record_event
from doorstep.periodic import jobs
from doorstep.periodic.audit_actions import RUN_JOB
from doorstep.periodic.jobs import Job
from doorstep.periodic.models import (
    JobRun,
    PeriodicJob,
    RunStatus,
    SchedulerHeartbeat,
    Trigger,
)

logger = logging.getLogger(__name__)

# How often the scheduler wakes up (``DOORSTEP_SCHEDULER_TICK_SECONDS``).
DEFAULT_TICK = timedelta(seconds=15)
# A chain of ticks that has not ticked for this long past its due time is dead;
# the next worker to start takes the schedule over.
CHAIN_GRACE = timedelta(seconds=60)
# Alerts about a job that keeps failing are repeated at most this often.
REALERT_AFTER = timedelta(hours=12)
# How long the run history is kept.
HISTORY = timedelta(days=14)
ERROR_LENGTH = 4000


def tick_interval() -> timedelta:
    from django.conf import settings

    seconds = getattr(settings, "DOORSTEP_SCHEDULER_TICK_SECONDS", None)
    return timedelta(seconds=seconds) if seconds else DEFAULT_TICK


# --- The job rows ---------------------------------------------------------------------


def sync_jobs(*, now: datetime) -> dict[str, PeriodicJob]:
    """One row per declared job. A new job is due at once if it runs at an
    interval, at its next time if daily; a job whose schedule changed gets its
    next run from the new schedule."""
    rows = {row.name: row for row in PeriodicJob.objects.all()}
    for job in jobs.JOBS:
        schedule = job.schedule
        row = rows.get(job.name)
        if row is None:
            first = now if schedule.every is not None else schedule.next_after(now)
            row, _created = PeriodicJob.objects.get_or_create(
                name=job.name,
                defaults={"schedule": str(schedule), "next_run_at": first},
            )
            rows[job.name] = row
        elif row.schedule != str(schedule):
            start = row.last_started_at or now
            next_run = min(schedule.next_after(start), schedule.next_after(now))
            PeriodicJob.objects.filter(pk=row.pk, schedule=row.schedule).update(
                schedule=str(schedule), next_run_at=next_run
            )
            row.refresh_from_db()
    return rows


def _claim(job: Job, row: PeriodicJob, *, now: datetime) -> bool:
    """Take the due run of ``job`` for this worker: exactly one worker wins."""
    return bool(
        PeriodicJob.objects.filter(
            pk=row.pk,
            next_run_at__lte=now,
            run_requested_by=row.run_requested_by_id,
        )
        .filter(Q(running_since__isnull=True) | Q(running_since__lt=now - job.timeout))
        .update(
            running_since=now,
            run_requested_by=None,
            next_run_at=job.schedule.next_after(now),
        )
    )


def run_due_jobs(*, now: datetime | None = None) -> list[JobRun]:
    """Run every job that is due and not running elsewhere, one after another."""
    now = now or timezone.now()
    runs = []
    for name, row in sync_jobs(now=now).items():
        job = jobs.JOBS_BY_NAME.get(name)
        if job is None or row.next_run_at > now:
            continue  # a job no longer declared, or not due
        requested_by = row.run_requested_by
        if not _claim(job, row, now=now):
            continue
        runs.append(
            _run(
                job,
                trigger=Trigger.MANUAL if requested_by else Trigger.SCHEDULE,
                requested_by=requested_by,
            )
        )
    return runs


def _run(job: Job, *, trigger: Trigger, requested_by: User | None) -> JobRun:
    started_at = timezone.now()
    started = clock.monotonic()
    result: object = None
    error = ""
    try:
        result = job.function()
    except Exception as exception:  # a job's failure must not stop the others
        logger.exception("periodic job %s failed", job.name)
        status = RunStatus.FAILED
        error = f"{type(exception).__name__}: {exception}"
    else:
        attention = result.get("attention") if isinstance(result, dict) else None
        status = RunStatus.ATTENTION if attention else RunStatus.OK
        error = str(attention or "")
    duration = timedelta(seconds=clock.monotonic() - started)
    return _record_run(
        job,
        trigger=trigger,
        requested_by=requested_by,
        started_at=started_at,
        duration=duration,
        status=status,
        result=_jsonable(result),
        error=error[:ERROR_LENGTH],
    )


def _jsonable(result: object) -> object:
    if result is None or isinstance(result, bool | int | float | str):
        return result
    if isinstance(result, dict):
        return {str(key): _jsonable(value) for key, value in result.items()}
    if isinstance(result, list | tuple):
        return [_jsonable(value) for value in result]
    return str(result)


@transaction.atomic
def _record_run(
    job: Job,
    *,
    trigger: Trigger,
    requested_by: User | None,
    started_at: datetime,
    duration: timedelta,
    status: RunStatus,
    result: object,
    error: str,
) -> JobRun:
    row = PeriodicJob.objects.select_for_update().get(name=job.name)
    finished_at = started_at + duration
    run = JobRun.objects.create(
        job=row,
        trigger=trigger,
        requested_by=requested_by,
        started_at=started_at,
        finished_at=finished_at,
        duration=duration,
        status=status,
        result=result,
        error=error,
    )
    alert = status != RunStatus.OK and (
        row.last_status in ("", RunStatus.OK)
        or row.alerted_at is None
        or row.alerted_at < finished_at - REALERT_AFTER
    )
    row.running_since = None
    row.last_started_at = started_at
    row.last_finished_at = finished_at
    row.last_duration = duration
    row.last_status = status
    row.last_result = result
    row.last_error = error
    row.run_count += 1
    row.failure_count += status == RunStatus.FAILED
    fields = [
        "running_since",
        "last_started_at",
        "last_finished_at",
        "last_duration",
        "last_status",
        "last_result",
        "last_error",
        "run_count",
        "failure_count",
    ]
    if alert:
        row.alerted_at = finished_at
        fields.append("alerted_at")
        # Ops are told through the outbox: the notifications app makes an
        # in-app notice and an e-mail for each of them (see its consumers).
        record_event(
            topic="ops.job_attention",
            subject=job.name,
            payload={"job": job.name, "status": status, "message": error[:1000]},
        )
    row.save(update_fields=fields)
    return run


# --- Run now --------------------------------------------------------------------------


@transaction.atomic
def request_job_run(*, name: str, user: User) -> PeriodicJob:
    """Ops' "run now": the job becomes due at once and a tick is queued to run
    it. Recorded as an event (who asked, when) and in the audit trail; the run
    it causes names them."""
    job = jobs.JOBS_BY_NAME.get(name)
    if job is None:
        raise NotFound("job_not_found", _("There is no such job."))
    now = timezone.now()
    sync_jobs(now=now)
    row = PeriodicJob.objects.select_for_update().get(name=name)
    before = {"next_run_at": row.next_run_at.isoformat()}
    row.next_run_at = now
    row.run_requested_by = user
    row.save(update_fields=["next_run_at", "run_requested_by"])
    audit.record(
        actor=user,
        action=RUN_JOB,
        target=row,
        before=before,
        after={"next_run_at": now.isoformat()},
    )
    record_event(
        topic="ops.job_run_requested",
        subject=name,
        payload={"job": name, "by": user.public_id},
    )

    def enqueue() -> None:
        from doorstep.periodic.tasks import run_scheduler

        run_scheduler.enqueue(chain="", reschedule=False)

    transaction.on_commit(enqueue)
    return row


# --- The tick chain -------------------------------------------------------------------


def new_chain() -> str:
    return secrets.token_hex(8)


def book_next_tick(*, chain: str, now: datetime) -> datetime | None:
    """Book the next tick for ``chain`` if it owns the schedule, or take the
    schedule over when its owner stopped ticking. Returns when the next tick
    is due, or ``None`` when another chain owns the schedule (this one ends)."""
    SchedulerHeartbeat.objects.get_or_create(
        pk=1, defaults={"next_tick_at": now - CHAIN_GRACE - timedelta(seconds=1)}
    )
    next_tick = now + tick_interval()
    booked = (
        SchedulerHeartbeat.objects.filter(pk=1)
        .filter(Q(chain=chain) | Q(next_tick_at__lt=now - CHAIN_GRACE))
        .update(chain=chain, last_tick_at=now, next_tick_at=next_tick)
    )
    return next_tick if booked else None


# --- Housekeeping ---------------------------------------------------------------------


def prune_run_history(*, now: datetime | None = None) -> dict[str, int]:
    """Forget runs older than ``HISTORY`` (each job keeps its last run's state),
    and, with the database task backend, finished tasks as old: every tick is a
    task row, and the queue table must not grow without end."""
    from django.conf import settings
    from django.core.management import call_command

    now = now or timezone.now()
    runs, _by_model = JobRun.objects.filter(started_at__lt=now - HISTORY).delete()
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        call_command(
            "prune_db_task_results",
            queue_name="*",
            min_age_days=HISTORY.days,
            verbosity=0,
        )
    return {"runs": runs}
