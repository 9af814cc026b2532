"""Fixtures for the scheduler's tests: ops with a second factor, and a way to
swap the declared jobs for test jobs."""

import pytest
from allauth.mfa.models import Authenticator

from doorstep.accounts.models import User
from doorstep.periodic import jobs
from tests.factories import make_user

CALLS: list[str] = []


def count_call() -> int:
    CALLS.append("count")
    return len(CALLS)


def explode() -> None:
    CALLS.append("explode")
    raise RuntimeError("the gateway is on fire")


@pytest.fixture
def only_jobs(monkeypatch):
    """Declare exactly these jobs (a tuple of ``jobs.Job``) for the test."""
    CALLS.clear()

    def declare(*declared: jobs.Job) -> None:
        by_name = {job.name: job for job in declared}
        monkeypatch.setattr(jobs, "JOBS", declared)
        monkeypatch.setattr(jobs, "JOBS_BY_NAME", by_name)

    yield declare
    CALLS.clear()


@pytest.fixture
def ops(client) -> User:
    """Staff signed in with password and TOTP, as the back office demands."""
    user = make_user(email="olu@example.com", is_staff=True, name="Olu Ops")
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [
        {"method": "password", "at": 0},
        {"method": "mfa", "at": 0},
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return user
