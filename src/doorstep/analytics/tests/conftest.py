"""Fixtures for the analytics tests: the sandbox gateway, as the payments tests
use it, so histories move real money through the ledger."""

import pytest

from doorstep.payments.gateways import sandbox

CARD_OK = "4242 4242 4242 4242"


SANDBOX = {
    "DOORSTEP_PAYMENT_GATEWAY": "sandbox",
    "DOORSTEP_SANDBOX_AUTO_DELIVER": False,
    "DOORSTEP_SANDBOX_CHAOS": False,
    "DOORSTEP_SERVICE_FEE_BPS": 500,
    "DOORSTEP_CLEARING_DAYS": 7,
    "DOORSTEP_MIN_PAYOUT": 1000,
    "DOORSTEP_CANCELLATION_PROVIDER_SHARE_BPS": 8000,
}


@pytest.fixture(autouse=True)
def _sandbox(settings):
    for name, value in SANDBOX.items():
        setattr(settings, name, value)
    sandbox.clear_injected_failures()
    yield
    sandbox.clear_injected_failures()
