"""The promises of platform dispatch: the most specific policy applies; the
clocks record offer, acceptance, departure and arrival; the periodic job finds
a broken promise as time passes, tells the customer and ops, hands the job to
someone else, and pays the configured compensation once, through the ledger."""

from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.demo.clock import moved_clock
from doorstep.dispatch import cascade
from doorstep.dispatch.models import SlaPolicy
from doorstep.dispatch.sla import check_promises, late_jobs, policy_for
from doorstep.dispatch.tests.helpers import (
    HOME,
    after_commit,
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from doorstep.events.models import Event
from doorstep.marketplace.models import City
from doorstep.orders.engine import apply_transition
from doorstep.orders.states import OrderState
from doorstep.payments.models import (
    AccountKind,
    JournalEntry,
    LedgerAccount,
    Payment,
    PendingMoneyFlow,
)
from doorstep.payments.reconciliation import reconcile
from doorstep.periodic.services import run_due_jobs
from doorstep.scheduling.models import TimeClaim
from tests.factories import make_category, make_ops

pytestmark = pytest.mark.django_db

NEAR = (HOME[0] + 0.01, HOME[1])


def run_scheduler_at(moment):
    """What the worker does at ``moment``: every periodic job that is due,
    and what they leave to run after their commits."""
    with moved_clock(moment), after_commit():
        return run_due_jobs(now=moment)


def promise(**fields) -> SlaPolicy:
    fields.setdefault("respond_minutes", 30)
    fields.setdefault("arrive_minutes", 120)
    return SlaPolicy.objects.create(**fields)


# --- Which promise applies ------------------------------------------------------------


def test_the_most_specific_policy_wins():
    shanghai = City.objects.get(slug="shanghai")
    cleaning, repairs = make_category(), make_category()
    default = promise(respond_minutes=40)
    by_city = promise(city=shanghai, respond_minutes=20)
    by_category = promise(category=cleaning, respond_minutes=25)
    exact = promise(city=shanghai, category=cleaning, respond_minutes=10)

    assert policy_for(city_id=shanghai.pk, category_id=cleaning.pk) == exact
    assert policy_for(city_id=shanghai.pk, category_id=repairs.pk) == by_city
    assert policy_for(city_id=None, category_id=cleaning.pk) == by_category
    assert policy_for(city_id=None, category_id=repairs.pk) == default


def test_without_any_policy_the_built_in_promise_applies():
    policy = policy_for(city_id=None, category_id=None)

    assert policy.pk is None
    assert (policy.respond_minutes, policy.arrive_minutes) == (30, 120)


def test_a_job_keeps_the_promise_it_was_sold_with():
    offer = service_in_shanghai()
    promise(city=offer.city, respond_minutes=15, arrive_minutes=60)
    order = paid_dispatch_order(offer)
    job = order.dispatch_job
    job.refresh_from_db()

    SlaPolicy.objects.update(respond_minutes=90)

    job.refresh_from_db()
    assert job.respond_by - job.opened_at == timedelta(minutes=15)
    assert job.arrive_by - job.opened_at == timedelta(minutes=60)


# --- The clocks -----------------------------------------------------------------------


def test_the_job_records_offer_acceptance_departure_and_arrival():
    offer = service_in_shanghai()
    worker = make_worker(offer.service.category, at=NEAR)
    order = paid_dispatch_order(offer)
    job_offer = order.dispatch_job.offers.get()
    with after_commit():
        cascade.accept_offer(offer_id=job_offer.public_id, user=worker.provider.user)

    apply_transition(order_id=order.pk, name="depart", user=worker.provider.user)
    order.refresh_from_db()
    with moved_clock(order.starts_at):
        apply_transition(
            order_id=order.pk,
            name="start",
            user=worker.provider.user,
            data={"start_code": order.start_code},
        )

    job = order.dispatch_job
    job.refresh_from_db()
    assert job.first_offered_at <= job.accepted_at <= job.departed_at
    assert job.arrived_at == order.starts_at
    assert job.worker == worker


# --- Broken promises ------------------------------------------------------------------


def test_nobody_taking_the_job_in_time_is_a_response_breach_found_once():
    offer = service_in_shanghai()
    promise(respond_minutes=30)
    dispatcher = make_ops("Dispatch")
    order = paid_dispatch_order(offer)  # no worker anywhere: nobody takes it
    job = order.dispatch_job
    job.refresh_from_db()

    run_scheduler_at(job.respond_by - timedelta(minutes=1))
    job.refresh_from_db()
    assert job.response_breached_at is None

    run_scheduler_at(job.respond_by + timedelta(seconds=1))
    run_scheduler_at(job.respond_by + timedelta(minutes=5))

    job.refresh_from_db()
    assert job.response_breached_at is not None
    late = Event.objects.filter(topic="order.response_late", subject=order.public_id)
    assert late.count() == 1
    assert order.customer.notifications.filter(title__contains="still looking").exists()
    assert list(late_jobs("response")) == [job]
    # Ops hear of it in their queue digest, the queue opens the board.
    assert dispatcher.notifications.filter(kind="ops_alert").exists()


def _accepted_order(offer, **policy):
    promise(arrive_minutes=60, **policy)
    worker = make_worker(offer.service.category, at=NEAR)
    order = paid_dispatch_order(offer)
    job_offer = order.dispatch_job.offers.get()
    with after_commit():
        cascade.accept_offer(offer_id=job_offer.public_id, user=worker.provider.user)
    order.refresh_from_db()
    job = order.dispatch_job
    job.refresh_from_db()
    return order, job, worker


def _platform_balance(kind: AccountKind) -> int:
    account = LedgerAccount.objects.filter(kind=kind, currency="CNY").first()
    return account.balance if account else 0


def test_a_worker_not_on_the_way_in_time_loses_the_job_and_the_customer_is_paid():
    offer = service_in_shanghai(price=20_000)
    order, job, _worker = _accepted_order(offer, compensation_bps=1_000)
    assert order.state == OrderState.ACCEPTED
    gateway_before = _platform_balance(AccountKind.GATEWAY_FUNDS)

    run_scheduler_at(job.arrive_by + timedelta(seconds=30))

    order.refresh_from_db()
    job.refresh_from_db()
    assert order.state == OrderState.DISPATCHING
    assert job.arrival_breached_at is not None
    assert job.worker is None
    assert not TimeClaim.objects.filter(order=order, released_at__isnull=True).exists()
    assert job.give_up_at > job.arrival_breached_at  # a fresh window to find someone
    # 10% of the price, from the platform's funds back to the card, once.
    assert job.compensated_amount == 2_000
    entry = JournalEntry.objects.get(order=order, kind="sla_compensation")
    assert sorted(p.amount for p in entry.postings.all()) == [-2_000, 2_000]
    assert _platform_balance(AccountKind.SLA_COMPENSATION_EXPENSE) == 2_000
    assert _platform_balance(AccountKind.GATEWAY_FUNDS) == gateway_before - 2_000
    escrow = LedgerAccount.objects.get(kind=AccountKind.ORDER_ESCROW, order=order)
    assert escrow.balance == order.total_amount  # the worker is paid in full
    assert Payment.objects.get(order=order).refunded_amount == 2_000
    assert order.events.filter(transition="unassign", actor="system").exists()
    assert order.customer.notifications.filter(title__contains="2").exists()

    run_scheduler_at(job.arrive_by + timedelta(minutes=5))

    assert (
        JournalEntry.objects.filter(order=order, kind="sla_compensation").count() == 1
    )
    assert Event.objects.filter(topic="order.arrival_late").count() == 1
    assert reconcile() == []


def test_a_worker_on_the_way_keeps_the_job_and_ops_are_told():
    offer = service_in_shanghai()
    order, job, worker = _accepted_order(offer)
    apply_transition(order_id=order.pk, name="depart", user=worker.provider.user)

    run_scheduler_at(job.arrive_by + timedelta(seconds=30))

    order.refresh_from_db()
    job.refresh_from_db()
    assert order.state == OrderState.ON_THE_WAY
    assert job.arrival_breached_at is not None
    assert job.worker == worker
    assert job.compensated_amount == 0
    assert not JournalEntry.objects.filter(order=order, kind="sla_compensation")
    assert list(late_jobs("arrival")) == [job]


def test_without_redispatch_the_worker_keeps_the_job():
    offer = service_in_shanghai()
    order, job, worker = _accepted_order(offer, redispatch_on_breach=False)

    run_scheduler_at(job.arrive_by + timedelta(seconds=30))

    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED
    assert order.provider == worker.provider


def test_an_arrival_on_time_breaks_no_promise():
    offer = service_in_shanghai()
    order, job, worker = _accepted_order(offer, compensation_bps=500)
    with moved_clock(order.starts_at):
        apply_transition(
            order_id=order.pk,
            name="start",
            user=worker.provider.user,
            data={"start_code": order.start_code},
        )

    run_scheduler_at(job.arrive_by + timedelta(minutes=1))

    job.refresh_from_db()
    assert job.arrival_breached_at is None
    assert job.compensated_amount == 0


def test_two_checkers_at_once_act_once():
    offer = service_in_shanghai()
    order, job, _worker = _accepted_order(offer, compensation_bps=1_000)
    moment = job.arrive_by + timedelta(seconds=1)

    with moved_clock(moment), after_commit():
        first = check_promises(now=moment)
        second = check_promises(now=moment)

    assert (first["arrival"], second["arrival"]) == (1, 0)
    assert (
        JournalEntry.objects.filter(order=order, kind="sla_compensation").count() == 1
    )


def test_the_promise_clock_runs_from_payment_for_orders_as_soon_as_possible():
    offer = service_in_shanghai()
    promise(arrive_minutes=45)
    before = timezone.now()
    order = paid_dispatch_order(offer)
    job = order.dispatch_job
    job.refresh_from_db()
    assert before < job.arrive_by - timedelta(minutes=45) <= timezone.now()


def test_a_job_handed_back_gets_a_fresh_window_to_find_someone():
    offer = service_in_shanghai()
    order, job, worker = _accepted_order(offer, respond_minutes=30)
    opened = job.opened_at
    # Late in the original promise (response window long gone, arrival
    # almost due), the worker hands the job back.
    handed_back = opened + timedelta(minutes=55)
    with moved_clock(handed_back), after_commit():
        apply_transition(order_id=order.pk, name="unassign", user=worker.provider.user)
    job.refresh_from_db()
    assert job.assignment_due_at == handed_back + timedelta(minutes=30)
    assert job.give_up_at == handed_back + timedelta(minutes=60)

    # Past the original windows: no response breach, no expiry yet.
    run_scheduler_at(opened + timedelta(minutes=70))

    order.refresh_from_db()
    job.refresh_from_db()
    assert order.state == OrderState.DISPATCHING
    assert job.response_breached_at is None
    # The fresh deadline is the one checked.
    run_scheduler_at(job.assignment_due_at + timedelta(seconds=1))
    job.refresh_from_db()
    assert job.response_breached_at is not None
    run_scheduler_at(job.give_up_at + timedelta(seconds=1))
    order.refresh_from_db()
    assert order.state == OrderState.EXPIRED


def test_ops_are_alerted_once_per_escalated_job():
    offer = service_in_shanghai()
    dispatcher = make_ops("Dispatch")
    order, job, worker = _accepted_order(offer)
    worker.is_on_duty = False
    worker.save()
    alerts = dispatcher.notifications.filter(kind="ops_alert")

    # The worker hands the job back; nobody else: escalated, ops alerted.
    with after_commit():
        apply_transition(order_id=order.pk, name="unassign", user=worker.provider.user)
    job.refresh_from_db()
    assert job.escalated_at is not None
    assert job.ops_alerted_at is not None
    first = alerts.count()
    assert first >= 1
    # Periodic runs find nobody again and again: no new alert.
    for minutes in (1, 2, 3, 4):
        run_scheduler_at(timezone.now() + timedelta(minutes=minutes))
    # A worker takes it, hands it back, and again nobody is found: the job
    # is escalated anew (the board shows it) but ops are not alerted twice.
    worker.is_on_duty = True
    worker.save()
    run_scheduler_at(timezone.now() + timedelta(minutes=5))
    job.refresh_from_db()
    live = job.offers.filter(status="pending").first()
    assert live is None  # they had this job before: never offered it again
    other = make_worker(offer.service.category, at=NEAR)
    run_scheduler_at(timezone.now() + timedelta(minutes=6))
    live = job.offers.get(status="pending")
    assert live.worker == other
    with after_commit():
        cascade.accept_offer(offer_id=live.public_id, user=other.provider.user)
    other.is_on_duty = False
    other.save()
    with after_commit():
        apply_transition(order_id=order.pk, name="unassign", user=other.provider.user)
    job.refresh_from_db()
    assert job.escalated_at is not None
    for minutes in (7, 8):
        run_scheduler_at(timezone.now() + timedelta(minutes=minutes))
    assert (
        Event.objects.filter(
            topic="dispatch.no_worker", subject=order.public_id
        ).count()
        == 1
    )
    assert alerts.count() == first


def test_compensation_for_a_payment_only_held_waits_for_the_capture(settings):
    # The money is taken after the service: at the breach it is only held.
    settings.DOORSTEP_CAPTURE_AT = "after_service"
    settings.DOORSTEP_START_WINDOW_MINUTES = 7 * 24 * 60
    offer = service_in_shanghai(price=20_000)
    order, job, worker = _accepted_order(
        offer, compensation_bps=1_000, redispatch_on_breach=False
    )
    payment = Payment.objects.get(order=order)
    assert payment.status == "authorised"

    run_scheduler_at(job.arrive_by + timedelta(seconds=30))

    flow = PendingMoneyFlow.objects.get(order=order, flow="compensate_customer")
    assert flow.status == PendingMoneyFlow.Status.PENDING  # waiting, not failed
    assert flow.outcome == "waiting_for_capture"
    assert flow.attempts == 0  # not shown to ops as stuck
    assert not JournalEntry.objects.filter(order=order, kind="sla_compensation")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("authorised", 0)

    # The worker comes after all and the job is done: the release captures,
    # then the compensation is paid, once, out of the money taken.
    user = worker.provider.user
    with after_commit():
        order.refresh_from_db()
        for name, data in [
            ("depart", {}),
            ("start", {"start_code": order.start_code}),
            ("deliver", {}),
        ]:
            apply_transition(order_id=order.pk, name=name, user=user, data=data)
        apply_transition(order_id=order.pk, name="confirm", user=order.customer)

    flow.refresh_from_db()
    assert flow.status == PendingMoneyFlow.Status.DONE
    job.refresh_from_db()
    assert job.compensated_amount == 2_000
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == ("captured", 2_000)
    assert (
        JournalEntry.objects.filter(order=order, kind="sla_compensation").count() == 1
    )
    assert reconcile() == []
