"""Money moves on its own: the scheduler clears providers' earnings after the
holding period and reconciles the ledger with the gateway every night, telling
ops when they disagree."""

import pytest
from django.utils import timezone

from doorstep.notifications.models import Kind, Notification
from doorstep.payments import flows
from doorstep.payments.models import AccountKind as K
from doorstep.payments.models import Payment
from doorstep.payments.tests.conftest import CARD_OK, balance, set_state
from doorstep.periodic.models import PeriodicJob, RunStatus
from doorstep.periodic.services import request_job_run, run_due_jobs
from doorstep.periodic.tasks import run_scheduler
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _released(order) -> int:
    flows.authorise_order(order=order, payment_method=CARD_OK)
    flows.capture_order(order=order)
    set_state(order, "completed")
    flows.release_order(order=order)
    return balance(K.PROVIDER_PENDING, provider=order.provider)


def test_the_scheduler_clears_earnings_after_the_holding_period(order, settings):
    # given a provider's earnings from a completed order
    earned = _released(order)
    assert earned > 0

    # when the scheduler ticks inside the holding period, they stay pending
    run_scheduler.call(reschedule=False)
    assert balance(K.PROVIDER_AVAILABLE, provider=order.provider) == 0
    clearing = PeriodicJob.objects.get(name="clear_pending_earnings")
    assert clearing.last_status == RunStatus.OK
    assert clearing.last_result == 0

    # when the holding period is over by its next run
    settings.DOORSTEP_CLEARING_DAYS = 0
    run_due_jobs(now=clearing.next_run_at)

    # then the money is available for a payout, without anyone asking
    assert balance(K.PROVIDER_PENDING, provider=order.provider) == 0
    assert balance(K.PROVIDER_AVAILABLE, provider=order.provider) == earned
    assert PeriodicJob.objects.get(name="clear_pending_earnings").run_count == 2


def test_the_nightly_reconcile_alerts_ops_on_a_mismatch(
    order, django_capture_on_commit_callbacks
):
    # given ops, and a payment the gateway knows nothing of
    ops = make_user(is_staff=True)
    _released(order)
    Payment.objects.filter(order=order).update(gateway_charge_id="ch_sbx_gone")

    # when reconcile runs (ops pressed "run now" rather than wait for 03:00)
    with django_capture_on_commit_callbacks(execute=True):
        request_job_run(name="reconcile_payments", user=ops)

    # then the run needs attention, says why, and ops were told
    state = PeriodicJob.objects.get(name="reconcile_payments")
    assert state.last_status == RunStatus.ATTENTION
    assert "missing_gateway_charge" in state.last_error
    alert = Notification.objects.get(recipient=ops, kind=Kind.OPS_ALERT)
    assert "missing_gateway_charge" in alert.body
    assert alert.url == "/ops/schedule/"


def test_a_clean_reconcile_is_ok_and_tells_nobody(
    order, django_capture_on_commit_callbacks
):
    ops = make_user(is_staff=True)
    _released(order)

    with django_capture_on_commit_callbacks(execute=True):
        request_job_run(name="reconcile_payments", user=ops)

    state = PeriodicJob.objects.get(name="reconcile_payments")
    assert state.last_status == RunStatus.OK
    assert state.last_result == {"fixed": [], "differences": []}
    assert state.next_run_at > timezone.now()
    assert not Notification.objects.filter(kind=Kind.OPS_ALERT).exists()
