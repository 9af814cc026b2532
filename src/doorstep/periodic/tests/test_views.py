"""The ops schedule page: ops with a second factor see every job and can run
one now; everyone else gets a 404 and changes nothing."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from doorstep.events.models import Event
from doorstep.periodic import jobs
from doorstep.periodic.models import JobRun, PeriodicJob
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PAGE = reverse("periodic:ops_schedule")
RUN_CLEARING = reverse("periodic:ops_run_job", args=["clear_pending_earnings"])


def _counts() -> tuple[int, int, int]:
    return JobRun.objects.count(), Event.objects.count(), PeriodicJob.objects.count()


def test_ops_see_every_job_with_its_last_and_next_run(client, ops):
    response = client.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    for job in jobs.JOBS:
        assert f'data-job="{job.name}"' in html
    assert 'data-scheduler-status="stalled"' in html  # no worker in a unit test


def test_ops_run_a_job_now_and_the_run_is_recorded(
    client, ops, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RUN_CLEARING)

    assert response.status_code == 302
    run = JobRun.objects.get(job__name="clear_pending_earnings")
    assert run.requested_by == ops
    assert Event.objects.filter(
        topic="ops.job_run_requested", subject="clear_pending_earnings"
    ).exists()
    page = client.get(PAGE).content.decode()
    assert 'data-job-status="ok"' in page


def _staff_without_second_factor(client):
    user = make_user(is_staff=True)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    client.force_login(user)  # password only: no MFA in this session


@pytest.mark.parametrize("who", ["anonymous", "customer", "staff_without_mfa"])
def test_anyone_but_ops_gets_a_404_and_runs_nothing(client, who):
    if who == "customer":
        client.force_login(make_user())
    elif who == "staff_without_mfa":
        _staff_without_second_factor(client)
    before = _counts()

    assert client.get(PAGE).status_code == 404
    assert client.post(RUN_CLEARING).status_code == 404

    assert _counts() == before


def test_an_unknown_job_is_a_404(client, ops):
    before = _counts()

    response = client.post(reverse("periodic:ops_run_job", args=["no_such_job"]))

    assert response.status_code == 404
    assert _counts() == before
