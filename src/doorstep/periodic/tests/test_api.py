"""Ops run a scheduled job now through the API, as the schedule page's button:
audited; nobody else reaches it, and a token without ops cannot."""

import pytest

from doorstep.api.testing import API, assert_problem, bearer, ops_bearer
from doorstep.audit.models import AuditEntry
from doorstep.periodic.models import PeriodicJob
from tests.factories import make_ops, make_user

pytestmark = pytest.mark.django_db
RUN = f"{API}/ops/schedule/clear_pending_earnings/run"


def test_ops_run_a_job_now_and_it_is_audited(client):
    ops = make_ops()

    response = client.post(RUN, **ops_bearer(ops))

    assert response.status_code == 202, response.content
    assert response.json()["name"] == "clear_pending_earnings"
    job = PeriodicJob.objects.get(name="clear_pending_earnings")
    assert job.run_requested_by == ops
    assert AuditEntry.objects.filter(actor=ops).count() == 1
    assert_problem(
        client.post(f"{API}/ops/schedule/no_such_job/run", **ops_bearer(ops)),
        404,
        "job_not_found",
    )


def test_nobody_else_runs_a_job(client):
    ops = make_ops()

    assert_problem(client.post(RUN, **bearer(make_user())), 404, "not_found")
    assert_problem(client.post(RUN, **bearer(ops)), 403, "ops_mfa_required")
    assert_problem(
        client.post(RUN, **bearer(ops, second_factor=True, scopes=["read", "write"])),
        403,
        "insufficient_scope",
    )
    assert not AuditEntry.objects.exists()
