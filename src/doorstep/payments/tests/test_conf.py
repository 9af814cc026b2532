"""Payment settings come from the environment, checked at start-up: a process
started with them is the process that moves money with them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
PRODUCTION = {
    "DEBUG": "false",
    "DOORSTEP_TESTING": "false",
    "SECRET_KEY": "x" * 24 + "-production-secret-" + "y" * 30,
    "ALLOWED_HOSTS": "market.example.com",
    "DJANGO_SETTINGS_MODULE": "doorstep.settings",
    "DOORSTEP_TLOG_SIGNING_KEY": "cHJvZHVjdGlvbi10bG9nLWtleS1mb3ItdGhlLXRlc3Q=",
    "DOORSTEP_TLOG_SALT": "production-tlog-salt-for-the-test",
}
STRIPE = {
    "DOORSTEP_PAYMENT_GATEWAY": "stripe_connect",
    "STRIPE_SECRET_KEY": "sk_test_from_the_environment",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_from_the_environment",
    "STRIPE_WEBHOOK_SECRET": "whsec_from_the_environment",
}
PROBE = (
    "import django; django.setup();"
    "from doorstep.payments.conf import setting;"
    "from doorstep.payments.gateways import get_gateway;"
    "print(get_gateway().name);"
    "print(setting('STRIPE_SECRET_KEY'));"
    "print(setting('DOORSTEP_CAPTURE_AT'), setting('DOORSTEP_CLEARING_DAYS'),"
    " setting('DOORSTEP_SERVICE_FEE_BPS'), setting('DOORSTEP_MIN_PAYOUT'))"
)


def _run(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DOORSTEP_", "STRIPE_", "DJANGO_"))
        and key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "LOG_LEVEL"}
    }
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        env={
            **base,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "DOORSTEP_VAR_DIR": str(tmp_path),
            **env,
        },
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_environment_chooses_the_gateway_and_its_settings(tmp_path):
    # Given a production environment that names Stripe Connect and its keys
    env = {
        **PRODUCTION,
        **STRIPE,
        "DOORSTEP_CAPTURE_AT": "booking",
        "DOORSTEP_CLEARING_DAYS": "3",
        "DOORSTEP_SERVICE_FEE_BPS": "250",
        "DOORSTEP_MIN_PAYOUT": "2000",
    }

    # When the process starts and asks for the gateway
    result = _run(env, tmp_path)

    # Then it is Stripe, with the environment's key and money rules
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == [
        "stripe_connect",
        "sk_test_from_the_environment",
        "booking 3 250 2000",
    ]


def test_production_refuses_the_sandbox_unless_allowed(tmp_path):
    refused = _run(PRODUCTION, tmp_path)
    allowed = _run({**PRODUCTION, "DOORSTEP_ALLOW_SANDBOX": "true"}, tmp_path)

    assert refused.returncode != 0
    assert "DOORSTEP_ALLOW_SANDBOX" in refused.stderr
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stdout.startswith("sandbox\n")


def test_development_runs_the_sandbox_by_default(tmp_path):
    result = _run({**PRODUCTION, "DEBUG": "true"}, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("sandbox\n")


@pytest.mark.parametrize("missing", sorted(k for k in STRIPE if k.startswith("STRIPE")))
def test_stripe_without_its_keys_does_not_start(tmp_path, missing):
    env = {**PRODUCTION, **STRIPE}
    del env[missing]

    result = _run(env, tmp_path)

    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DOORSTEP_PAYMENT_GATEWAY", "paypal"),
        ("DOORSTEP_CAPTURE_AT", "later"),
        ("DOORSTEP_CLEARING_DAYS", "seven"),
        ("DOORSTEP_CLEARING_DAYS", "-1"),
        ("DOORSTEP_SERVICE_FEE_BPS", "10001"),
        ("DOORSTEP_MIN_PAYOUT", "0"),
        ("DOORSTEP_SANDBOX_CHAOS", "maybe"),
        ("LOG_LEVEL", "loud"),
    ],
)
def test_a_bad_value_is_a_start_up_error_naming_the_variable(tmp_path, name, value):
    result = _run({**PRODUCTION, "DEBUG": "true", name: value}, tmp_path)

    assert result.returncode != 0
    assert name in result.stderr.strip().splitlines()[-1]


def test_a_lower_case_log_level_starts(tmp_path):
    result = _run({**PRODUCTION, "DEBUG": "true", "LOG_LEVEL": "warning"}, tmp_path)

    assert result.returncode == 0, result.stderr


def test_every_payment_setting_has_a_parser():
    from doorstep.payments.conf import DEFAULTS, PARSERS

    assert set(PARSERS) == set(DEFAULTS)
