"""Background work of the payments app: thin wrappers around the flows, and the
callables of its periodic jobs (see ``doorstep.periodic.jobs``)."""

from django.utils import timezone
from django_tasks import task

from doorstep.payments.gateways.base import GatewayError


@task()
def deliver_sandbox_webhook(event_id: str) -> int:
    from doorstep.payments.gateways.sandbox import deliver_webhook

    return deliver_webhook(event_id)


@task()
def run_pending_money_flow(pending_id: int) -> str:
    """Run a flow an order's transition wrote down (see ``pending_flows``)."""
    from doorstep.payments.pending_flows import run_pending_flow

    return run_pending_flow(pending_id=pending_id)


@task()
def run_money_flow(flow: str, order_id: int, **kwargs) -> str:
    """Run one flow of ``doorstep.payments.flows`` for an order. A retryable
    gateway answer writes the flow down for the ``retry_money_flows`` job, which
    runs it again until it is done; every flow is idempotent, so that is safe."""
    from django.db import transaction

    from doorstep.orders.models import Order
    from doorstep.payments import flows
    from doorstep.payments.pending_flows import run_flow, schedule_money_flow

    order = Order.objects.get(pk=order_id)
    try:
        return run_flow(flow=flow, order=order, arguments=kwargs)
    except (GatewayError, flows.PaymentError) as error:
        if not error.retryable:
            raise
        with transaction.atomic():
            schedule_money_flow(order=order, flow=flow, arguments=kwargs)
        return "retry_later"


def clear_pending_earnings() -> int:
    """Periodic job ``clear_pending_earnings``: earnings past the holding
    period (the operator's clearing days) become available for payout."""
    from doorstep.payments.flows import clear_pending

    return clear_pending(now=timezone.now())


def sweep_pending_money_flows() -> dict[str, object]:
    """Periodic job ``retry_money_flows``."""
    from doorstep.payments.pending_flows import retry_due_money_flows

    return retry_due_money_flows()


def reconcile_payments() -> dict[str, object]:
    """Periodic job ``reconcile_payments`` (nightly): compare the ledger with the
    gateway and post what is missing, as ``doorstep reconcile --fix`` does; any
    difference left is a mismatch ops are alerted to."""
    from doorstep.payments.reconciliation import reconcile

    fixed = [str(d) for d in reconcile(fix=True) if d.fixable]
    left = [str(d) for d in reconcile(fix=False)]
    result: dict[str, object] = {"fixed": fixed, "differences": left}
    if left:
        shown = "; ".join(left[:20])
        result["attention"] = (
            f"{len(left)} difference(s) between the ledger and the gateway: {shown}"
        )
    return result
