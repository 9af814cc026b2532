"""Money flows that must happen: written down with the change that calls for
them, run after commit, retried until done.

An order's transition (``schedule_money_flow`` in its process file) writes a
``PendingMoneyFlow`` in the transition's transaction and queues its task after
commit. The task runs the flow; if the gateway answers "later" (or the task
never runs: the process died before the enqueue, the queue was flushed), the
``retry_money_flows`` periodic job runs it again with backoff until it is done.
Each run claims the row first (a conditional UPDATE), so a task and the sweep
never run one flow at the same time, and flows are idempotent (their keys), so
the money moves once however often a flow is run.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from doorstep.core.errors import DomainError
from doorstep.orders.models import Order
from doorstep.payments.gateways.base import GatewayError
from doorstep.payments.models import PendingMoneyFlow

logger = logging.getLogger(__name__)

# The sweep leaves a flow this long to its own task before running it itself.
FIRST_TRY_GRACE = timedelta(minutes=2)
# Retries wait 1, 2, 4… minutes, at most an hour.
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=1)
# A claim older than this belongs to a worker that died mid-flow.
CLAIM_LEASE = timedelta(minutes=10)
# Flows still not done after this many attempts are shown to ops.
ATTENTION_AFTER = 5
# Flows that pay money back out of what was taken: while the order's payment is
# only held (authorised, not captured yet: ``DOORSTEP_CAPTURE_AT`` after the
# service, or a capture the gateway delays) they wait, without counting an
# attempt, and run as soon as a capture or a release of the order is done
# (``_wake_waiting``), or at the latest every ``RETRY_CAP``.
WAIT_FOR_CAPTURE = frozenset({"compensate_customer"})
WAITING = "waiting_for_capture"
# Flows after which the order's money is taken, when they are done.
CAPTURING = frozenset({"capture_order", "release_order"})


def _order_flows() -> dict:
    """The flows an order may run: ``payments.flows.ORDER_FLOWS``, the one
    registry (imported late: flows imports this module's callers)."""
    from doorstep.payments.flows import ORDER_FLOWS

    return ORDER_FLOWS


PENDING, DONE, FAILED = (
    PendingMoneyFlow.Status.PENDING,
    PendingMoneyFlow.Status.DONE,
    PendingMoneyFlow.Status.FAILED,
)


def schedule_money_flow(
    *, order: Order, flow: str, arguments: dict | None = None
) -> PendingMoneyFlow:
    """Write the flow down in the caller's transaction; run it after commit.

    Must be called inside ``transaction.atomic`` (an order transition): the
    flow exists exactly when the change that calls for it does.
    """
    if flow not in _order_flows():
        raise ValueError(f"unknown money flow {flow!r}")
    pending = PendingMoneyFlow.objects.create(
        order=order,
        flow=flow,
        arguments=arguments or {},
        next_attempt_at=timezone.now() + FIRST_TRY_GRACE,
    )

    def enqueue() -> None:
        from doorstep.payments.tasks import run_pending_money_flow

        run_pending_money_flow.enqueue(pending.pk)

    transaction.on_commit(enqueue, robust=True)
    return pending


def run_flow(*, flow: str, order: Order, arguments: dict) -> str:
    """Run one flow of ``payments.flows`` for ``order``. Raises what it raises."""
    from doorstep.payments import flows

    if flow not in _order_flows():
        raise ValueError(f"unknown money flow {flow!r}")
    if flow == "capture_order" and flows.order_payment(order) is None:
        # An order placed through the API and not paid for yet: nothing to take.
        return "nothing_to_capture"
    flows.ORDER_FLOWS[flow](order=order, **arguments)
    return "done"


def _waits_for_capture(pending: PendingMoneyFlow) -> bool:
    from doorstep.payments.flows import order_payment
    from doorstep.payments.models import PaymentStatus

    if pending.flow not in WAIT_FOR_CAPTURE:
        return False
    payment = order_payment(pending.order)
    return payment is not None and payment.status == PaymentStatus.AUTHORISED


def _wake_waiting(*, order_id: int) -> None:
    """The order's money was taken: run its flows waiting for that now."""
    from doorstep.payments.tasks import run_pending_money_flow

    waiting = list(
        PendingMoneyFlow.objects.filter(
            order_id=order_id, status=PENDING, flow__in=WAIT_FOR_CAPTURE
        ).values_list("pk", flat=True)
    )
    PendingMoneyFlow.objects.filter(pk__in=waiting).update(
        next_attempt_at=timezone.now()
    )
    for pending_id in waiting:
        transaction.on_commit(
            lambda pending_id=pending_id: run_pending_money_flow.enqueue(pending_id),
            robust=True,
        )


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


def run_pending_flow(*, pending_id: int, now: datetime | None = None) -> str:
    """Run one pending flow if it is not done and nobody else is running it.

    Returns its status after this call (or ``"busy"`` when another worker holds
    it). A retryable gateway answer or an unexpected error leaves it pending for
    a retry after ``retry_delay``; a refusal (a declined card, an order in the
    wrong state) marks it failed, for ops.
    """
    from doorstep.payments.flows import PaymentError

    now = now or timezone.now()
    claimed = (
        PendingMoneyFlow.objects.filter(pk=pending_id, status=PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM_LEASE, attempts=F("attempts") + 1)
    )
    if not claimed:
        row = PendingMoneyFlow.objects.filter(pk=pending_id).first()
        return (
            "busy"
            if row is not None and row.status == PENDING
            else str(row.status if row else "gone")
        )
    pending = PendingMoneyFlow.objects.select_related("order").get(pk=pending_id)
    if _waits_for_capture(pending):
        PendingMoneyFlow.objects.filter(pk=pending_id).update(
            claimed_until=None,
            attempts=F("attempts") - 1,
            outcome=WAITING,
            next_attempt_at=now + RETRY_CAP,
        )
        return WAITING
    status, outcome, error_text = PENDING, "", ""
    try:
        # The gateway is called here, outside any transaction (see flows).
        outcome = run_flow(
            flow=pending.flow, order=pending.order, arguments=pending.arguments
        )
        status = DONE
    except (GatewayError, PaymentError) as error:
        error_text = f"{error.code}: {error}"
        status = PENDING if error.retryable else FAILED
        outcome = "retry_later" if error.retryable else error.code
    except DomainError as error:
        error_text, status, outcome = f"{error.code}: {error}", FAILED, error.code
    except Exception as error:  # a bug or an outage: try again later
        logger.exception("money flow %s failed", pending_id)
        error_text, status, outcome = f"{type(error).__name__}: {error}", PENDING, ""
    finished = timezone.now()
    PendingMoneyFlow.objects.filter(pk=pending_id).update(
        status=status,
        outcome=outcome[:40],
        last_error=error_text[:500],
        claimed_until=None,
        finished_at=finished if status != PENDING else None,
        next_attempt_at=finished + retry_delay(pending.attempts)
        if status == PENDING
        else pending.next_attempt_at,
    )
    if status == DONE and pending.flow in CAPTURING:
        _wake_waiting(order_id=pending.order_id)
    if status == PENDING:
        logger.warning(
            "money flow %s (%s %s) will be retried: %s",
            pending_id,
            pending.flow,
            pending.order.public_id,
            error_text,
        )
    return status


def retry_due_money_flows(
    *, now: datetime | None = None, limit: int = 200
) -> dict[str, object]:
    """The sweep: run every pending flow whose retry (or first try) is due."""
    now = now or timezone.now()
    due = list(
        PendingMoneyFlow.objects.filter(status=PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {DONE: 0, PENDING: 0, FAILED: 0}
    for pending_id in due:
        status = run_pending_flow(pending_id=pending_id, now=now)
        if status in counts:
            counts[status] += 1
    result: dict[str, object] = {
        "done": counts[DONE],
        "retrying": counts[PENDING],
        "failed": counts[FAILED],
    }
    stuck = PendingMoneyFlow.objects.filter(
        Q(status=FAILED) | Q(status=PENDING, attempts__gte=ATTENTION_AFTER)
    ).select_related("order")
    if stuck.exists():
        listed = ", ".join(
            f"{row.flow} {row.order.public_id} ({row.status}: {row.last_error})"
            for row in stuck[:10]
        )
        result["attention"] = f"{stuck.count()} money flow(s) need ops: {listed}"
    return result
