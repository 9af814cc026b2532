"""Background work of the payments app: thin wrappers around the flows."""

from django_tasks import task

from doorstep.payments.gateways.base import GatewayError


@task()
def deliver_sandbox_webhook(event_id: str) -> int:
    from doorstep.payments.gateways.sandbox import deliver_webhook

    return deliver_webhook(event_id)


@task()
def run_money_flow(flow: str, order_id: int, **kwargs) -> str:
    """Run one flow of ``doorstep.payments.flows`` for an order after the order's
    transition committed (the orders process enqueues this with on_commit).
    A retryable gateway error leaves the flow to ``doorstep reconcile --fix`` or
    the next attempt; every flow is idempotent, so running it again is safe."""
    from doorstep.orders.models import Order
    from doorstep.payments import flows

    run = flows.ORDER_FLOWS[flow]
    order = Order.objects.get(pk=order_id)
    if flow == "capture_order" and flows.order_payment(order) is None:
        # An order placed through the API and not paid for yet: nothing to take.
        return "nothing_to_capture"
    try:
        run(order=order, **kwargs)
    except (GatewayError, flows.PaymentError) as error:
        if not error.retryable:
            raise
        return "retry_later"
    return "done"


@task()
def clear_pending_earnings() -> int:
    from django.utils import timezone

    from doorstep.payments.flows import clear_pending

    return clear_pending(now=timezone.now())
