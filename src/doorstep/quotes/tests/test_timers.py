"""The durable timers of requests for quotes (the ``expire_quote_requests``
periodic job) and the quote process's own: unanswered invitations lapse,
requests and quotes expire, an unpaid hire gives the request back, and the
median response time follows the answers."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from doorstep.core.errors import Conflict
from doorstep.orders.engine import fire_due_timers
from doorstep.orders.models import Order, OrderTimer
from doorstep.orders.states import OrderState
from doorstep.periodic.jobs import JOBS_BY_NAME
from doorstep.quotes import services
from doorstep.quotes.models import Invitation, JobRequest, Quote
from doorstep.quotes.tests.helpers import pay, post, quote, quoting_listing
from tests.factories import make_category, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def tutoring():
    return make_category("maths-tutoring")


def test_the_periodic_job_is_scheduled():
    job = JOBS_BY_NAME["expire_quote_requests"]
    assert job.run == "doorstep.quotes.tasks.expire_quote_requests"


def test_unanswered_invitations_lapse_and_count_as_slow_answers(tutoring):
    listing = quoting_listing(tutoring)
    request = post(make_user(), tutoring)
    invitation = request.invitations.get()

    services.expire_due(now=invitation.respond_by + timedelta(seconds=1))

    invitation.refresh_from_db()
    listing.provider.refresh_from_db()
    assert invitation.status == Invitation.Status.LAPSED
    window = int((invitation.respond_by - invitation.sent_at).total_seconds() // 60)
    assert listing.provider.median_response_minutes == window
    with pytest.raises(Conflict) as late:
        quote(invitation)
    assert late.value.code == "invitation_answered"


def test_a_quick_quote_makes_a_quick_median(tutoring):
    listing = quoting_listing(tutoring)
    request = post(make_user(), tutoring)

    quote(request.invitations.get())

    listing.provider.refresh_from_db()
    assert listing.provider.median_response_minutes == 0


def test_a_request_past_its_end_expires_with_its_open_quotes(tutoring):
    quoting_listing(tutoring)
    request = post(make_user(), tutoring)
    sent = quote(request.invitations.get())

    counts = services.expire_due(now=request.expires_at + timedelta(minutes=1))

    request.refresh_from_db()
    sent.refresh_from_db()
    assert counts["requests_expired"] == 1
    assert request.status == JobRequest.Status.EXPIRED
    assert sent.status == Quote.Status.EXPIRED


def test_an_unpaid_hire_lapses_and_the_request_takes_quotes_again(tutoring):
    quoting_listing(tutoring)
    customer = make_user()
    request = post(customer, tutoring)
    sent = quote(request.invitations.get())
    order = services.hire(
        user=customer,
        quote_id=sent.public_id,
        starts_at=datetime.fromisoformat(sent.start_times[0]),
    )
    OrderTimer.objects.filter(order=order).update(
        due_at=timezone.now() - timedelta(seconds=1)
    )
    fire_due_timers()

    order = Order.objects.get(pk=order.pk)
    request.refresh_from_db()
    sent.refresh_from_db()
    assert order.state == OrderState.PAYMENT_EXPIRED
    assert request.status == JobRequest.Status.OPEN
    assert sent.status == Quote.Status.SENT
    assert sent.order is None


def test_paying_closes_the_request_and_tells_the_others(tutoring):
    quoting_listing(tutoring)
    quoting_listing(tutoring, at=(31.2320, 121.4750))
    customer = make_user()
    request = post(customer, tutoring)
    chosen, other = (quote(i) for i in request.invitations.order_by("rank"))
    order = services.hire(
        user=customer,
        quote_id=chosen.public_id,
        starts_at=datetime.fromisoformat(chosen.start_times[0]),
    )
    other.refresh_from_db()
    assert other.status == Quote.Status.SENT  # not told before the payment

    pay(order)

    other.refresh_from_db()
    assert other.status == Quote.Status.NOT_CHOSEN


def test_booking_requests_answered_count_in_the_daily_refresh(tutoring):
    from doorstep.orders.engine import apply_transition
    from doorstep.orders.models import OrderEvent
    from tests.factories import make_order

    listing = quoting_listing(tutoring)
    order = make_order(listing=listing, state="requested")
    asked = timezone.now() - timedelta(minutes=90)
    OrderEvent.objects.create(
        order=order,
        transition="pay",
        from_state="awaiting_payment",
        to_state="requested",
        actor="system",
        created_at=asked,
    )
    apply_transition(order_id=order.pk, name="accept", user=listing.provider.user)

    services.refresh_response_times()

    listing.provider.refresh_from_db()
    assert listing.provider.median_response_minutes == 90
