"""The ops schedule page: every periodic job, its last and next run, its last
error, and a "run now" button. Back office only (staff whose session passed
a second factor); anyone else gets a 404, as on the other ops pages."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from doorstep.backoffice.access import can_use_back_office
from doorstep.periodic import jobs, queries, services


def _ops_only(request: HttpRequest) -> None:
    if not can_use_back_office(request):
        raise Http404


@require_GET
def ops_schedule(request: HttpRequest) -> HttpResponse:
    _ops_only(request)
    return render(
        request,
        "periodic/ops_schedule.html",
        {
            "lines": queries.job_lines(),
            "runs": queries.recent_runs(),
            "scheduler": queries.scheduler_status(),
        },
    )


@require_POST
def ops_run_job(request: HttpRequest, name: str) -> HttpResponse:
    _ops_only(request)
    job = jobs.JOBS_BY_NAME.get(name)
    if job is None:
        raise Http404
    services.request_job_run(name=name, user=request.user)
    messages.success(
        request,
        _("“%(job)s” will run within seconds.") % {"job": job.title},
    )
    return redirect("periodic:ops_schedule")
