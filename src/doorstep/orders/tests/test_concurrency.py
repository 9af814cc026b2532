"""Invariant 3 through the booking service: 64 customers at once for one slot,
each on its own database connection (threads; SQLite or PostgreSQL, whichever
the suite runs on). Exactly one order; everyone else hears "slot taken"."""

import threading

import pytest
from django.db import connection

from doorstep.core.errors import Conflict
from doorstep.orders.models import Order
from doorstep.orders.services import place_order
from doorstep.orders.tests.conftest import booking
from doorstep.scheduling.models import TimeClaim
from tests.factories import make_user

ATTEMPTS = 64


def overlapping_claims(provider) -> list:
    """The audit: pairs of unreleased claims of one resource that overlap."""
    active = list(
        TimeClaim.objects.filter(provider=provider, released_at__isnull=True)
        .order_by("staff_key", "starts_at")
        .values_list("staff_key", "starts_at", "ends_at")
    )
    return [
        (a, b)
        for i, a in enumerate(active)
        for b in active[i + 1 :]
        if a[0] == b[0] and a[1] < b[2] and b[1] < a[2]
    ]


@pytest.mark.django_db(transaction=True)
def test_64_customers_racing_for_one_slot_make_exactly_one_order(
    listing, deferred_tasks
):
    customers = [make_user() for _ in range(ATTEMPTS)]
    barrier = threading.Barrier(ATTEMPTS)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def attempt(customer) -> None:
        try:
            barrier.wait()
            place_order(**booking(listing, customer))
            result = "booked"
        except Conflict as conflict:
            result = conflict.code
        except BaseException as error:
            result = "error"
            with lock:
                errors.append(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert outcomes.count("booked") == 1
    assert outcomes.count("slot_taken") == ATTEMPTS - 1
    assert Order.objects.count() == 1
    assert TimeClaim.objects.filter(released_at__isnull=True).count() == 1
    assert overlapping_claims(listing.provider) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_repeats_of_one_key_make_one_order(
    listing, customer, deferred_tasks
):
    barrier = threading.Barrier(8)
    orders: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait()
            order = place_order(**booking(listing, customer, idempotency_key="same"))
            with lock:
                orders.append(order.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(orders) == 8
    assert len(set(orders)) == 1
    assert Order.objects.count() == 1
