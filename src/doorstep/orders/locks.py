"""Row locks for orders, defined once so every writer takes them the same way."""

from doorstep.orders.models import Order, OrderTimer


def lock_order(order_id: int) -> Order:
    """Lock and return the order row; waits for any other writer. Call inside
    ``transaction.atomic``. (On SQLite the whole database is the lock: writes are
    IMMEDIATE transactions, so this serialises the same way.)"""
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(pk=order_id)
    )


def lock_timer(timer_id: int) -> OrderTimer | None:
    return OrderTimer.objects.select_for_update().filter(pk=timer_id).first()
