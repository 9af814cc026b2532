"""Fixtures for the payments tests: the sandbox gateway with webhooks delivered by
hand (so a test decides when, how often and in which order), and people and
orders in each role."""

import pytest

from doorstep.payments.gateways import sandbox
from doorstep.payments.models import AccountKind, LedgerAccount
from tests.factories import make_category, make_listing, make_order, make_user

CARD_OK = "4242 4242 4242 4242"
CARD_DECLINED = "4000 0000 0000 0002"
CARD_RETRY = "4000 0000 0000 0119"
CARD_CAPTURE_FAILS = "4000 0000 0000 0341"


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


@pytest.fixture
def category():
    category = make_category("plumbing")
    category.commission_bps = 1500
    category.save(update_fields=["commission_bps"])
    return category


@pytest.fixture
def listing(category):
    return make_listing(category=category, price=10_000, currency="CNY")


@pytest.fixture
def provider(listing):
    return listing.provider


@pytest.fixture
def customer():
    return make_user()


@pytest.fixture
def order(listing, customer):
    return make_order(listing=listing, customer=customer)


def set_state(order, state: str) -> None:
    """Stand-in for the orders process (tested in its own app)."""
    type(order).objects.filter(pk=order.pk).update(state=state)
    order.state = state


def onboard(provider, *, account_id: str = ""):
    """The provider finished the sandbox's payouts onboarding (``account_id``:
    pretend the gateway named it so, e.g. the sandbox's failing account)."""
    from doorstep.payments.models import PayoutAccount
    from doorstep.payments.payout_accounts import onboard_provider_in_sandbox

    account = PayoutAccount.objects.filter(
        provider=provider
    ).first() or onboard_provider_in_sandbox(provider=provider)
    if account_id:
        PayoutAccount.objects.filter(pk=account.pk).update(account_id=account_id)
    return account


def balance(kind: AccountKind, **party) -> int:
    account = LedgerAccount.objects.filter(kind=kind, **party).first()
    return account.balance if account else 0
