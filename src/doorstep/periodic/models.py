"""The scheduler's state: one row per declared job (``jobs.JOBS``), the history
of its runs, and the scheduler's own heartbeat.

The jobs themselves are declared in code; these rows only say when each ran,
how it went and when it is due next, so every worker and every ops page sees
the same schedule.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    OK = "ok", _("OK")
    # The job ran and found something ops must look at (a reconcile mismatch).
    ATTENTION = "attention", _("Needs attention")
    FAILED = "failed", _("Failed")


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    MANUAL = "manual", _("Run now")


class PeriodicJob(models.Model):
    """When one job is due, whether it is running, and how its last run went."""

    name = models.CharField(max_length=80, unique=True)
    # The schedule the row was computed from ("every 60s", "daily 03:00"); when
    # the code or the settings change it, the next run is computed afresh.
    schedule = models.CharField(max_length=40, blank=True)
    next_run_at = models.DateTimeField()
    # Set while a worker runs the job: the claim. A claim older than the job's
    # timeout is taken to belong to a worker that died.
    running_since = models.DateTimeField(null=True, blank=True)
    # Ops asked for a run ("run now"); cleared by the run it caused.
    run_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_duration = models.DurationField(null=True, blank=True)
    last_status = models.CharField(max_length=10, choices=RunStatus.choices, blank=True)
    last_result = models.JSONField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    run_count = models.PositiveIntegerField(default=0)
    failure_count = models.PositiveIntegerField(default=0)
    # When ops were last told this job needs them (alerts are not repeated on
    # every run of a job that keeps failing).
    alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    """One run of one job: the history ops read on the schedule page."""

    job = models.ForeignKey(PeriodicJob, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    duration = models.DurationField()
    status = models.CharField(max_length=10, choices=RunStatus.choices)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["started_at"], name="jobrun_started")]

    def __str__(self) -> str:
        return f"{self.job.name} {self.started_at:%Y-%m-%d %H:%M:%S} {self.status}"


class SchedulerHeartbeat(models.Model):
    """One row: the tick chain that owns the schedule and when it ticks next.

    Every ``doorstep worker`` seeds a tick when it starts; only one chain of
    ticks keeps going (the one named in ``chain``), so restarts and several
    workers never multiply the ticks."""

    chain = models.CharField(max_length=32, blank=True)
    last_tick_at = models.DateTimeField(null=True, blank=True)
    next_tick_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"scheduler {self.chain} next {self.next_tick_at}"


class WorkerHeartbeat(models.Model):
    """One row per running ``doorstep worker`` process, touched every few
    seconds by a thread of that process (``periodic.workers``).

    A task left RUNNING by a worker whose row went quiet belongs to a worker
    that died (killed, out of memory, machine lost): the recovery sweep puts it
    back in the queue."""

    # The id the worker writes into the task rows it claims
    # (``DBTaskResult.worker_ids``).
    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} on {self.hostname} ({self.beat_at})"
