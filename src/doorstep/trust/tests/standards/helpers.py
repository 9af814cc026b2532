"""Shared set-up for the standards tests: a marketplace on the sandbox gateway,
orders paid and accepted the way customers and providers do it, and the ledger
read back."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.test import TestCase
from django.utils import timezone

from doorstep.orders.engine import apply_transition
from doorstep.orders.models import Order
from doorstep.payments.gateways import sandbox
from doorstep.payments.gateways.sandbox import pay_with_sandbox_card
from doorstep.payments.models import AccountKind, LedgerAccount, Posting
from doorstep.payments.tests.conftest import CARD_OK, set_state
from tests.factories import make_category, make_listing, make_order, make_user


@pytest.fixture(autouse=True)
def _sandbox(settings):
    settings.DOORSTEP_PAYMENT_GATEWAY = "sandbox"
    settings.DOORSTEP_SANDBOX_AUTO_DELIVER = False
    settings.DOORSTEP_SANDBOX_CHAOS = False
    settings.DOORSTEP_SERVICE_FEE_BPS = 500
    settings.DOORSTEP_CANCELLATION_FREE_HOURS = 24
    settings.DOORSTEP_NO_SHOW_GRACE_MINUTES = 15
    sandbox.clear_injected_failures()
    yield
    sandbox.clear_injected_failures()


@pytest.fixture
def category():
    category = make_category("deep-cleaning")
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
def fire(django_capture_on_commit_callbacks):
    """Fire a transition the way the app does, and run what it scheduled after
    commit (money flows, event delivery to every consumer)."""

    def fire(order: Order, name: str, *, user=None, data=None) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            return apply_transition(
                order_id=order.pk,
                name=name,
                user=user,
                system=user is None,
                data=data,
            )

    return fire


def paid_order(listing, customer, *, starts_in=timedelta(days=3)) -> Order:
    """An order the customer booked and paid on the sandbox's page: requested."""
    order = make_order(listing=listing, customer=customer, starts_in=starts_in)
    set_state(order, "awaiting_payment")
    with TestCase.captureOnCommitCallbacks(execute=True):
        pay_with_sandbox_card(order, CARD_OK)
    order.refresh_from_db()
    return order


def accepted_order(listing, customer, fire, *, starts_in=timedelta(days=3)) -> Order:
    order = paid_order(listing, customer, starts_in=starts_in)
    return fire(order, "accept", user=order.provider.user)


def started_late(order: Order) -> Order:
    """Move the job's start into the past, past the no-show grace."""
    starts_at = timezone.now() - timedelta(minutes=30)
    Order.objects.filter(pk=order.pk).update(
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=2)
    )
    order.refresh_from_db()
    return order


def earned(listing, customer, fire) -> Order:
    """A job done and confirmed: the provider's pending balance holds it."""
    order = accepted_order(listing, customer, fire, starts_in=timedelta(days=5))
    set_state(order, "delivered")
    return fire(order, "confirm", user=customer)


def balance(kind: AccountKind, **party) -> int:
    account = LedgerAccount.objects.filter(kind=kind, **party).first()
    return account.balance if account else 0


def assert_ledger_balanced() -> None:
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
    for account in LedgerAccount.objects.all():
        total = account.postings.aggregate(s=Sum("amount"))["s"] or 0
        assert account.balance == (total if account.debit_normal else -total)
    assert not LedgerAccount.objects.filter(
        may_go_negative=False, balance__lt=0
    ).exists()
