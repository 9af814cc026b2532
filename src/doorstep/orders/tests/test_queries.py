"""Reads: what each side is offered, the customer's list and the provider's day."""

from datetime import timedelta

import pytest

from doorstep.orders import queries
from doorstep.orders.services import transition_order
from doorstep.orders.tests.conftest import at, book_and_pay, booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(listing, customer):
    order = book_and_pay(**booking(listing, customer))
    return transition_order(order=order, name="accept", user=order.provider.user)


def _names(order, user, **kwargs) -> list[str]:
    return [t.name for t in queries.party_transitions(order, user, **kwargs)]


def test_a_no_show_is_offered_only_after_the_start_and_the_grace(order, settings):
    provider = order.provider.user
    assert "report_customer_no_show" not in _names(order, provider)

    late = order.starts_at + timedelta(
        minutes=settings.DOORSTEP_NO_SHOW_GRACE_MINUTES + 1
    )

    assert "report_customer_no_show" in _names(order, provider, now=late)
    assert "report_provider_no_show" in _names(order, order.customer, now=late)


def test_staff_are_offered_only_what_their_side_may_do(order):
    order.customer.is_staff = True
    order.customer.save()

    assert _names(order, order.customer) == ["cancel"]
    assert "start" in [t.name for t in queries.ops_transitions(order, order.customer)]


def test_the_customers_list_splits_upcoming_from_past(order, listing, customer):
    gone = book_and_pay(**booking(listing, customer, starts_at=at("14:00")))
    transition_order(order=gone, name="cancel", user=customer)

    mine = queries.customer_orders(customer)

    assert [o.pk for o in mine.upcoming] == [order.pk]
    assert [o.pk for o in mine.past] == [gone.pk]


def test_the_inbox_separates_requests_today_and_later(listing, customer):
    provider = listing.provider.user
    waiting = book_and_pay(**booking(listing, customer))
    today = book_and_pay(**booking(listing, customer, starts_at=at("14:00")))
    transition_order(order=today, name="accept", user=provider)
    later = book_and_pay(**booking(listing, customer, starts_at=at("10:00", days=3)))
    transition_order(order=later, name="accept", user=provider)

    inbox = queries.provider_inbox(listing.provider, now=at("08:00"))

    assert [o.pk for o in inbox.requests] == [waiting.pk]
    assert [o.pk for o in inbox.today] == [today.pk]
    assert [o.pk for o in inbox.upcoming] == [later.pk]
    assert inbox.time_zone == "Asia/Shanghai"
