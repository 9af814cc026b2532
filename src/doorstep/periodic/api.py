"""The periodic schedule's one ops action through the API: run a job now, as the
schedule page's button does (``services.request_job_run``)."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from doorstep.backoffice.access import require_back_office
from doorstep.periodic import services

router = Router(tags=["schedule (ops)"])


class JobRunRequestedOut(Schema):
    name: str
    next_run_at: datetime


@router.post(
    "/ops/schedule/{name}/run",
    response={202: JobRunRequestedOut},
    summary="Run a scheduled job now (ops)",
    description="The job becomes due at once and runs within seconds; audited. "
    "404 `job_not_found` for a name the schedule does not have. Ops only, with a "
    "token minted after the TOTP code (403 `ops_mfa_required` without).",
)
def run_job_now(request: HttpRequest, name: str) -> Status[JobRunRequestedOut]:
    job = services.request_job_run(name=name, user=require_back_office(request))
    return Status(202, JobRunRequestedOut(name=job.name, next_run_at=job.next_run_at))
