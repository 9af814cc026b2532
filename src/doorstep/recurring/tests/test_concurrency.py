"""The horizon job run by several workers at once, while other customers
race for the same mornings, each on its own database connection (threads;
SQLite or PostgreSQL, whichever the suite runs on): one visit and at most one
order per occurrence, and never two claims on the provider's same time."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from doorstep.core.errors import DomainError
from doorstep.orders.models import Order
from doorstep.orders.services import place_order
from doorstep.orders.tests.test_concurrency import overlapping_claims
from doorstep.recurring import services
from doorstep.recurring.models import Visit, VisitStatus
from doorstep.recurring.tests.conftest import local, today, weekly
from tests.factories import make_user

WORKERS = 6
RIVALS = 4


@pytest.fixture
def deferred_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }


@pytest.mark.django_db(transaction=True)
def test_concurrent_horizon_runs_and_rivals_never_double_book(
    listing, customer, settings, deferred_tasks
):
    # given a series whose visits are not booked yet (no horizon at first)
    settings.DOORSTEP_RECURRING_HORIZON_DAYS = 0
    series = weekly(listing, customer, visit_count=4)
    assert not series.visits.exists()
    settings.DOORSTEP_RECURRING_HORIZON_DAYS = 28
    rivals = [make_user() for _ in range(RIVALS)]
    barrier = threading.Barrier(WORKERS + RIVALS)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(action) -> None:
        try:
            barrier.wait()
            action()
        except DomainError:
            pass
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    def rival(user, week):
        day = today() + timedelta(days=2 + 7 * week)
        return lambda: place_order(
            customer=user,
            listing_id=listing.public_id,
            starts_at=local(day, "10:00"),
            address="9 Rival Road",
            latitude=listing.latitude,
            longitude=listing.longitude,
        )

    threads = [
        threading.Thread(target=run, args=(services.plan_visits,))
        for _ in range(WORKERS)
    ] + [
        threading.Thread(target=run, args=(rival(user, week),))
        for week, user in enumerate(rivals)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every occurrence has exactly one visit, booked or offered elsewhere
    assert errors == []
    visits = list(Visit.objects.filter(series=series))
    assert len(visits) == 4
    assert len({visit.occurrence for visit in visits}) == 4
    for visit in visits:
        orders = Order.objects.filter(idempotency_key=services.visit_key(visit))
        assert orders.count() == (1 if visit.status == VisitStatus.BOOKED else 0)
    assert overlapping_claims(listing.provider) == []
    # and running it again changes nothing
    before = set(Order.objects.values_list("pk", flat=True))
    services.plan_visits()
    assert set(Order.objects.values_list("pk", flat=True)) == before
