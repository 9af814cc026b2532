"""Fixtures for provider plans: the sandbox gateway, a provider with a saved
card, and two plans priced in CNY."""

import pytest

from doorstep.payments import methods
from doorstep.payments.gateways import sandbox
from doorstep.subscriptions.models import Plan, PlanPrice
from tests.factories import make_provider

CARD_OK = "sbx_success_visa_4242"
CARD_DECLINED = "sbx_decline_visa_0002"


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    sandbox.clear_injected_failures()
    yield
    sandbox.clear_injected_failures()


def make_plan(name: str, *, month: int, year: int | None = None, **perks) -> Plan:
    plan = Plan.objects.create(name_en=name, **perks)
    PlanPrice.objects.create(plan=plan, currency="CNY", interval="month", amount=month)
    if year:
        PlanPrice.objects.create(
            plan=plan, currency="CNY", interval="year", amount=year
        )
    return plan


@pytest.fixture
def basic():
    return make_plan(
        "Basic", month=3_000, year=30_000, extra_quote_leads=5, badge_en="Plus"
    )


@pytest.fixture
def pro():
    return make_plan(
        "Pro",
        month=9_000,
        year=90_000,
        commission_discount_bps=300,
        extra_quote_leads=20,
        badge_en="Pro",
        extra_photos=10,
    )


@pytest.fixture
def provider():
    return make_provider()


def save_card(user, token: str = CARD_OK, *, default: bool = True):
    return methods.save_method(
        user=user,
        gateway="sandbox",
        token=token,
        brand="visa",
        last4=token[-4:],
        make_default=default,
    )


@pytest.fixture
def card(provider):
    return save_card(provider.user)
