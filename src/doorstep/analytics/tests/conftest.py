"""Fixtures for the analytics tests: the sandbox gateway, as the payments tests
use it, so histories move real money through the ledger."""

import pytest

from doorstep.payments.gateways import sandbox

CARD_OK = "4242 4242 4242 4242"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_SERVICE_FEE_BPS = 500
    settings.DOORSTEP_CLEARING_DAYS = 7
    settings.DOORSTEP_MIN_PAYOUT = 1000
    settings.DOORSTEP_CANCELLATION_PROVIDER_SHARE_BPS = 8000
    sandbox.clear_injected_failures()
    yield
    sandbox.clear_injected_failures()
