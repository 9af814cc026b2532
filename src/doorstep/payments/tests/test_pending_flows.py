"""Money flows that must happen do happen: a flow the gateway answers "later"
(or whose task was lost) stays written down and the ``retry_money_flows`` job
runs it again, with backoff, until it is done — and the money moves once."""

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from doorstep.orders.engine import apply_transition
from doorstep.payments import flows
from doorstep.payments.gateways import sandbox
from doorstep.payments.models import (
    JournalEntry,
    PaymentStatus,
    PendingMoneyFlow,
    SandboxCharge,
)
from doorstep.payments.pending_flows import retry_delay, retry_due_money_flows
from doorstep.payments.tests.conftest import CARD_OK, set_state
from tests.factories import make_ops

pytestmark = pytest.mark.django_db


@pytest.fixture
def fire(django_capture_on_commit_callbacks):
    def fire(order, name, *, user=None, execute=True):
        with django_capture_on_commit_callbacks(execute=execute):
            return apply_transition(
                order_id=order.pk, name=name, user=user, system=user is None
            )

    return fire


def _flow(order, flow: str) -> PendingMoneyFlow:
    return PendingMoneyFlow.objects.get(order=order, flow=flow)


def _charge(order) -> SandboxCharge:
    return SandboxCharge.objects.get(
        charge_id=flows.order_payment(order).gateway_charge_id
    )


def _no_entry_twice() -> bool:
    return not (
        JournalEntry.objects.values("idempotency_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_void_the_gateway_put_off_is_retried_until_done(order, fire, when):
    # given a paid request, and a gateway that answers the void with "later"
    # (before acting, or after acting but before we heard back)
    flows.authorise_order(order=order, payment_method=CARD_OK)
    sandbox.inject_failure("void", when=when)

    # when the provider declines it
    fire(order, "decline", user=order.provider.user)

    # then the hold is not released yet, but the flow is written down
    pending = _flow(order, "void_order")
    assert pending.status == PendingMoneyFlow.Status.PENDING
    assert pending.outcome == "retry_later"
    assert pending.attempts == 1
    assert flows.order_payment(order).status == PaymentStatus.AUTHORISED

    # when the sweep runs before the retry is due, nothing is tried
    now = timezone.now()
    assert retry_due_money_flows(now=now)["done"] == 0
    pending.refresh_from_db()
    assert pending.attempts == 1

    # when it runs after the backoff, the hold is released
    later = now + retry_delay(1) + timedelta(seconds=1)
    assert retry_due_money_flows(now=later)["done"] == 1
    pending.refresh_from_db()
    assert pending.status == PendingMoneyFlow.Status.DONE
    assert pending.attempts == 2
    assert flows.order_payment(order).status == PaymentStatus.VOIDED
    assert _charge(order).status == "voided"

    # and a later sweep does nothing more
    assert retry_due_money_flows(now=later + timedelta(hours=2)) == {
        "done": 0,
        "retrying": 0,
        "failed": 0,
    }


def test_a_refund_answered_later_after_the_gateway_acted_refunds_once(order, fire):
    # given an accepted, delivered, disputed order
    flows.authorise_order(order=order, payment_method=CARD_OK)
    fire(order, "accept", user=order.provider.user)
    set_state(order, "delivered")
    set_state(order, "disputed")  # reported before disputes had evidence
    # and a gateway that refunds but whose answer is lost
    sandbox.inject_failure("refund", when="after")

    # when ops resolve the dispute for the customer
    fire(order, "resolve_refund", user=make_ops())

    # then the refund is not recorded yet
    pending = _flow(order, "refund_in_full")
    assert pending.status == PendingMoneyFlow.Status.PENDING
    assert flows.order_payment(order).status == PaymentStatus.CAPTURED

    # when the sweep retries it
    later = timezone.now() + timedelta(hours=1)
    assert retry_due_money_flows(now=later)["done"] == 1
    assert retry_due_money_flows(now=later + timedelta(hours=1))["done"] == 0

    # then the customer got the money back once, and the ledger says so once
    charge = _charge(order)
    assert len(charge.refunds) == 1
    assert charge.refunded_amount == charge.captured_amount
    assert flows.order_payment(order).status == PaymentStatus.REFUNDED
    assert _no_entry_twice()


def test_a_flow_whose_task_was_lost_is_run_by_the_sweep(order, fire):
    # given a paid request declined, and the process dead before the enqueue
    flows.authorise_order(order=order, payment_method=CARD_OK)
    fire(order, "decline", user=order.provider.user, execute=False)
    pending = _flow(order, "void_order")
    assert pending.attempts == 0
    assert flows.order_payment(order).status == PaymentStatus.AUTHORISED

    # when the sweep runs after the first try's grace period
    result = retry_due_money_flows(now=timezone.now() + timedelta(minutes=3))

    # then the hold is released, once
    assert result["done"] == 1
    assert flows.order_payment(order).status == PaymentStatus.VOIDED
    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == ("done", 1)


def test_a_refused_flow_is_not_retried_and_asks_for_ops(order, fire):
    # given a flow the gateway refuses for good
    flows.authorise_order(order=order, payment_method=CARD_OK)
    sandbox.inject_failure("void", code="capture_failed")

    fire(order, "decline", user=order.provider.user)

    pending = _flow(order, "void_order")
    assert pending.status == PendingMoneyFlow.Status.FAILED
    result = retry_due_money_flows(now=timezone.now() + timedelta(hours=1))
    assert result["done"] == 0
    assert "void_order" in result["attention"]
    assert order.public_id in result["attention"]
