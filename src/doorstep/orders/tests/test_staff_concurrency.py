"""Invariant 3 for an agency's staff: customers racing for one staff member's
slot, or for "any" of them, each on its own database connection. The database
keeps each staff member's calendar free of overlaps."""

import threading

import pytest
from django.db import connection

from doorstep.core.errors import Conflict
from doorstep.orders.models import Order
from doorstep.orders.services import place_order
from doorstep.orders.tests.conftest import booking
from doorstep.orders.tests.test_concurrency import overlapping_claims
from doorstep.scheduling.tests.helpers import agency_listing
from tests.factories import make_user


def _race(listing, customers, **overrides) -> list[str]:
    barrier = threading.Barrier(len(customers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(customer) -> None:
        try:
            barrier.wait()
            place_order(**booking(listing, customer, **overrides))
            result = "booked"
        except Conflict as conflict:
            result = conflict.code
        except BaseException as error:
            result = repr(error)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_customers_booking_one_staff_members_slot_one_wins(deferred_tasks):
    # given a staff member free at 10:00 (and a colleague who is too)
    listing, (first, _second) = agency_listing(staff=2, duration=120)

    # when two customers book that member at 10:00 at the same moment
    outcomes = _race(listing, [make_user(), make_user()], staff_id=first.public_id)

    # then one books, the other hears the time is taken; no overlap on anyone
    assert sorted(outcomes) == ["booked", "slot_taken"]
    assert list(Order.objects.values_list("staff_id", flat=True)) == [first.pk]
    assert overlapping_claims(listing.provider) == []


@pytest.mark.django_db(transaction=True)
def test_customers_racing_for_any_get_one_staff_member_each(deferred_tasks):
    # given two staff members free at 10:00
    listing, members = agency_listing(staff=2, duration=120)

    # when eight customers book 10:00 without choosing, at once
    outcomes = _race(listing, [make_user() for _ in range(8)])

    # then two orders, one per staff member; everyone else hears "taken"
    assert outcomes.count("booked") == 2
    assert outcomes.count("slot_taken") == 6
    assert sorted(Order.objects.values_list("staff_id", flat=True)) == [
        member.pk for member in members
    ]
    assert overlapping_claims(listing.provider) == []
