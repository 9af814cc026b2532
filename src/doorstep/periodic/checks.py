"""Start-up checks: a mistyped ``DOORSTEP_PERIODIC_SCHEDULE`` fails ``check``
(and so every ``doorstep`` command) instead of a worker's tick at night."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def check_periodic_schedule(app_configs, **kwargs) -> list[checks.CheckMessage]:
    from doorstep.periodic.jobs import JOBS, JOBS_BY_NAME

    errors: list[checks.CheckMessage] = []
    for name in getattr(settings, "DOORSTEP_PERIODIC_SCHEDULE", {}):
        if name not in JOBS_BY_NAME:
            errors.append(
                checks.Error(
                    f"DOORSTEP_PERIODIC_SCHEDULE names an unknown job {name!r}",
                    hint="Known jobs: " + ", ".join(sorted(JOBS_BY_NAME)),
                    id="periodic.E001",
                )
            )
    for job in JOBS:
        try:
            job.schedule  # noqa: B018  (validates the override)
        except ImproperlyConfigured as error:
            errors.append(checks.Error(str(error), id="periodic.E002"))
    return errors
