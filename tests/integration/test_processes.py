"""The real processes a deployment runs: the worker, the deploy check, the CLI."""

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Set for the browser tests of this session; a deployment must never have it.
_PARENT_ONLY = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def _environ(**overrides: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in _PARENT_ONLY}
    return {**base, **overrides}


def _doorstep(
    *args: str, env: dict[str, str], timeout: int = 300
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "doorstep", *args],
        env=_environ(**env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def sqlite_env(tmp_path) -> dict[str, str]:
    return {
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DOORSTEP_VAR_DIR": str(tmp_path),
        "LOG_FORMAT": "json",
        "DJANGO_SETTINGS_MODULE": "doorstep.settings",
    }


def test_worker_delivers_mail_enqueued_by_another_process(sqlite_env):
    """A request process enqueues; a separate worker process picks it up and runs it."""
    assert _doorstep("migrate", "--no-input", env=sqlite_env).returncode == 0
    enqueue = (
        "import django; django.setup();"
        "from django.core.mail import send_mail;"
        "send_mail('Queued hello', 'body', 'a@example.com', ['b@example.com'])"
    )
    subprocess.run(
        [sys.executable, "-c", enqueue], env=_environ(**sqlite_env), check=True
    )

    worker = _doorstep("worker", "--batch", "--no-startup-delay", env=sqlite_env)

    assert worker.returncode == 0, worker.stderr
    assert "Queued hello" in worker.stdout + worker.stderr  # console e-mail backend
    status = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup();"
            "from django_tasks_db.models import DBTaskResult as R;"
            "mail = R.objects.filter(task_path__endswith='deliver_email');"
            "print(list(mail.values_list('status', flat=True)))",
        ],
        env=_environ(**sqlite_env),
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout.strip() == "['SUCCESSFUL']"


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        "DEBUG": "false",
        "DOORSTEP_TESTING": "false",
        "SECRET_KEY": "x" * 24 + "-production-secret-" + "y" * 30,
        "ALLOWED_HOSTS": "market.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DOORSTEP_PAYMENT_GATEWAY": "stripe_connect",
        "STRIPE_SECRET_KEY": "sk_live_deploy_check",
        "STRIPE_PUBLISHABLE_KEY": "pk_live_deploy_check",
        "STRIPE_WEBHOOK_SECRET": "whsec_deploy_check",
        "DOORSTEP_TLOG_SIGNING_KEY": "cHJvZHVjdGlvbi10bG9nLWtleS1mb3ItdGhlLXRlc3Q=",
        "DOORSTEP_TLOG_SALT": "production-tlog-salt-for-the-test",
        "DJANGO_SETTINGS_MODULE": "doorstep.settings",
    }

    result = _doorstep("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _environ(DEBUG="false", DOORSTEP_TESTING="false")
    env.pop("SECRET_KEY", None)

    result = subprocess.run(
        [sys.executable, "-m", "doorstep", "check"],
        env={**env, "DJANGO_SETTINGS_MODULE": "doorstep.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def _production_log_key(secret_key: str) -> str:
    env = _environ(DEBUG="false", DOORSTEP_TESTING="false")
    env["SECRET_KEY"] = secret_key
    env["DOORSTEP_ALLOW_SANDBOX"] = "true"
    env.pop("DOORSTEP_TLOG_SIGNING_KEY", None)
    env.pop("DOORSTEP_TLOG_SALT", None)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DOORSTEP_TLOG_SIGNING_KEY, settings.DOORSTEP_TLOG_SALT)",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "doorstep.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_without_a_log_key_derives_its_own_from_the_secret_key():
    """Production starts with only SECRET_KEY: the log's key and salt are
    derived from it, are not the development ones, and differ per installation."""
    one = _production_log_key("x" * 24 + "-production-secret-" + "y" * 30)
    again = _production_log_key("x" * 24 + "-production-secret-" + "y" * 30)
    other = _production_log_key("z" * 24 + "-another-installation-" + "w" * 30)

    key, salt = one.split()
    assert one == again
    assert one != other
    assert key != "ZGV2LW9ubHktdGxvZy1rZXktbmV2ZXItcHJvZHVjdGk="
    assert salt != "dev-only-tlog-salt"
    assert len(base64.b64decode(key)) == 32


def test_logs_are_structured_json(sqlite_env):
    code = (
        "import django, logging; django.setup();"
        "logging.getLogger('doorstep.test').warning('hello %s', 'world')"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=_environ(**sqlite_env),
        capture_output=True,
        text=True,
        check=True,
    )
    record = json.loads(result.stderr.strip().splitlines()[-1])
    assert record["message"] == "hello world"
    assert record["level"] == "WARNING"
    assert record["logger"] == "doorstep.test"
