"""One acceptance wins: quotes of one request hired at once, each on its own
database connection (threads; SQLite or PostgreSQL, whichever the suite runs
on), make exactly one order; everyone else hears ``request_closed``."""

import threading
from datetime import datetime

import pytest
from django.db import connection

from doorstep.core.errors import Conflict
from doorstep.orders.models import BuyingMode, Order
from doorstep.quotes import services
from doorstep.quotes.models import JobRequest, Quote
from doorstep.quotes.tests.helpers import post, quote, quoting_listing
from doorstep.scheduling.models import TimeClaim
from tests.factories import make_category, make_user


@pytest.fixture
def deferred_tasks(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }


def race(attempts: list) -> tuple[list[str], list[BaseException]]:
    barrier = threading.Barrier(len(attempts))
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(attempt) -> None:
        try:
            barrier.wait()
            attempt()
            result = "hired"
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

    threads = [threading.Thread(target=run, args=(a,)) for a in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes, errors


def _hire(customer, sent: Quote):
    return lambda: services.hire(
        user=customer,
        quote_id=sent.public_id,
        starts_at=datetime.fromisoformat(sent.start_times[0]),
    )


@pytest.mark.django_db(transaction=True)
def test_every_quote_of_a_request_hired_at_once_makes_one_order(deferred_tasks):
    category = make_category("window-cleaning")
    for k in range(5):
        quoting_listing(category, at=(31.2304 + k * 0.002, 121.4737))
    customer = make_user()
    request = post(customer, category)
    quotes = [quote(invitation) for invitation in request.invitations.all()]

    outcomes, errors = race([_hire(customer, sent) for sent in quotes])

    assert errors == []
    assert outcomes.count("hired") == 1
    assert outcomes.count("request_closed") == len(quotes) - 1
    assert Order.objects.filter(mode=BuyingMode.QUOTE).count() == 1
    assert Quote.objects.filter(status=Quote.Status.HIRED).count() == 1
    assert JobRequest.objects.get(pk=request.pk).status == JobRequest.Status.HIRED
    assert TimeClaim.objects.filter(released_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_quote_hired_eight_times_at_once_makes_one_order(deferred_tasks):
    category = make_category("gutter-cleaning")
    quoting_listing(category)
    customer = make_user()
    sent = quote(post(customer, category).invitations.get())

    outcomes, errors = race([_hire(customer, sent) for _ in range(8)])

    assert errors == []
    assert outcomes.count("hired") == 1
    assert set(outcomes) - {"hired"} == {"request_closed"}
    assert Order.objects.filter(mode=BuyingMode.QUOTE).count() == 1
