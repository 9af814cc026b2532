from django_tasks import task

from doorstep.webhooks.services import retry_due_deliveries, send_delivery


@task()
def send_webhook(delivery_id: int, manual: bool = False) -> str | None:
    """One attempt at one delivery (a timer: enqueued with ``run_after``)."""
    return send_delivery(delivery_id=delivery_id, manual=manual)


def sweep_webhook_deliveries() -> dict[str, int]:
    """Periodic job ``retry_webhook_deliveries`` (see ``doorstep.periodic.jobs``)."""
    return retry_due_deliveries()
