"""Reads for the ops schedule page."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from doorstep.periodic import jobs
from doorstep.periodic.jobs import Job
from doorstep.periodic.models import JobRun, PeriodicJob, SchedulerHeartbeat
from doorstep.periodic.services import tick_interval


@dataclass(frozen=True)
class JobLine:
    job: Job
    state: PeriodicJob | None  # None: never seen by a scheduler yet

    @property
    def schedule(self) -> str:
        return str(self.job.schedule)


def job_lines() -> list[JobLine]:
    """Every declared job in declaration order, with its state if it has one."""
    states = {row.name: row for row in PeriodicJob.objects.all()}
    return [JobLine(job, states.get(job.name)) for job in jobs.JOBS]


def recent_runs(limit: int = 50) -> QuerySet[JobRun]:
    return JobRun.objects.select_related("job", "requested_by")[:limit]


@dataclass(frozen=True)
class SchedulerStatus:
    last_tick_at: datetime | None
    stalled: bool


def scheduler_status(now: datetime | None = None) -> SchedulerStatus:
    """Whether a worker is ticking: no tick for three intervals means none is."""
    now = now or timezone.now()
    heartbeat = SchedulerHeartbeat.objects.filter(pk=1).first()
    last = heartbeat.last_tick_at if heartbeat else None
    patience = max(3 * tick_interval(), timedelta(minutes=1))
    stalled = last is None or last < now - patience
    return SchedulerStatus(last_tick_at=last, stalled=stalled)
