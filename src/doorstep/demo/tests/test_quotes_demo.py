"""Requests for quotes in the demo: the category questions, open requests
with none, one and several quotes (a counter-offer and a revision among
them), hires whose orders were paid and went on through the common
lifecycle (on-quote listings among them), a cancelled and an expired request
— all made through the services, consistent with each other, with the books
balanced, whatever the hour the demo is built at."""

from datetime import timedelta

import pytest
from django.db.models import Count, Q, Sum
from django.utils import timezone

from doorstep.catalog.models import Listing, PricingModel
from doorstep.demo.builders import DEMO_LOGINS, build_demo
from doorstep.demo.data import CITIES
from doorstep.orders.models import BuyingMode
from doorstep.orders.states import OrderState
from doorstep.payments.models import Posting
from doorstep.payments.reconciliation import reconcile
from doorstep.quotes.models import CategoryQuestion, Invitation, JobRequest, Quote
from doorstep.reviews.models import Review

pytestmark = pytest.mark.django_db(transaction=True)

Status = JobRequest.Status
PAID_STATES = {
    OrderState.ACCEPTED,
    OrderState.ON_THE_WAY,
    OrderState.IN_SERVICE,
    OrderState.DELIVERED,
    OrderState.COMPLETED,
}


def _build(now=None):
    return build_demo(providers=30, customers=30, orders=24, now=now)


def _assert_consistent() -> None:
    """Each request's state agrees with its quotes and invitations."""
    for request in JobRequest.objects.prefetch_related("quotes", "invitations"):
        quotes = list(request.quotes.all())
        hired = [quote for quote in quotes if quote.status == Quote.Status.HIRED]
        if request.status == Status.HIRED:
            assert len(hired) == 1, request
            assert hired[0].order is not None
            assert hired[0].order.mode == BuyingMode.QUOTE
            assert hired[0].order.customer_id == request.customer_id
            assert hired[0].order.provider_id == hired[0].provider_id
            assert request.closed_at is not None
        else:
            assert not hired, request
        if request.status != Status.OPEN:
            assert not request.invitations.filter(
                status=Invitation.Status.WAITING
            ).exists(), request
            assert not request.quotes.filter(status=Quote.Status.SENT).exists()
        for quote in quotes:
            assert quote.invitation.status == Invitation.Status.QUOTED
            assert quote.invitation.request_id == request.pk
            assert quote.currency == request.currency
        if request.listing_id is not None:
            assert request.invitations.count() == 1
            assert request.invitations.get().listing_id == request.listing_id
        # Every answer belongs to a question of the category or its parent.
        asked = set(
            CategoryQuestion.objects.filter(
                Q(category=request.category) | Q(category=request.category.parent)
            ).values_list("public_id", flat=True)
        )
        assert set(request.answers) <= asked


def _assert_books_balanced() -> None:
    unbalanced = (
        Posting.objects.values("entry", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
    )
    assert not unbalanced.exists()
    assert reconcile() == []


def test_the_demo_has_requests_for_quotes_in_every_state():
    # Given the demo built through the services, with its past
    now = timezone.now()
    report = _build(now)

    # then every request state is there
    statuses = set(JobRequest.objects.values_list("status", flat=True))
    assert statuses == set(Status.values), report.quotes
    assert report.quotes["quote_requests_open"] >= 3
    # and the questions are asked in three languages
    questions = CategoryQuestion.objects.all()
    assert questions.filter(kind="choice").exists()
    assert questions.filter(kind="number").exists()
    assert questions.filter(kind="text").exists()
    for question in questions:
        assert all((question.label_en, question.label_zh_hans, question.label_zh_hant))
        assert question.label_zh_hans != question.label_en
        for choice in question.choices:
            assert all(choice[key] for key in ("en", "zh_hans", "zh_hant"))
    # and open requests have no, one and several quotes
    open_counts = set(
        JobRequest.objects.filter(status=Status.OPEN)
        .annotate(n=Count("quotes"))
        .values_list("n", flat=True)
    )
    assert 0 in open_counts
    assert 1 in open_counts
    assert max(open_counts) >= 2
    # and one quote was countered by the customer and revised by its provider
    revised = Quote.objects.filter(
        countered_at__isnull=False, revised_at__isnull=False
    ).first()
    assert revised is not None
    assert revised.request.status == Status.OPEN
    assert revised.counter_amount < revised.previous_job_amount
    assert revised.counter_amount <= revised.job_amount < revised.previous_job_amount
    assert revised.countered_at < revised.revised_at <= now
    # and a request was asked of one listing directly
    assert JobRequest.objects.filter(listing__isnull=False).exists()
    # and hired requests' orders were paid and went on
    hired = Quote.objects.filter(status=Quote.Status.HIRED).select_related("order")
    assert hired.exists()
    states = {quote.order.state for quote in hired}
    assert states <= PAID_STATES, states
    assert OrderState.COMPLETED in states
    assert OrderState.ACCEPTED in states
    upcoming = hired.filter(order__state=OrderState.ACCEPTED).first()
    assert upcoming.order.starts_at > now
    done = hired.filter(order__state=OrderState.COMPLETED).first()
    assert Review.objects.filter(order=done.order, revealed_at__isnull=False).exists()
    # an on-quote listing among them
    assert hired.filter(listing__pricing_model=PricingModel.QUOTE).exists()
    # and every state is consistent, nothing is dated after now
    _assert_consistent()
    assert not JobRequest.objects.filter(created_at__gt=now).exists()
    assert not Quote.objects.filter(sent_at__gt=now).exists()
    # and the money balances and the gateway agrees
    _assert_books_balanced()


def test_the_demo_logins_see_requests_for_quotes():
    _build()
    customer_email, provider_email = DEMO_LOGINS[0].email, DEMO_LOGINS[1].email

    mine = JobRequest.objects.filter(customer__email=customer_email)
    assert {Status.OPEN, Status.HIRED, Status.CANCELLED} <= set(
        mine.values_list("status", flat=True)
    )
    assert mine.filter(status=Status.OPEN, quotes__isnull=False).exists()
    # The demo provider has requests waiting for a quote.
    assert Invitation.objects.filter(
        provider__user__email=provider_email,
        status=Invitation.Status.WAITING,
        respond_by__gt=timezone.now(),
    ).exists()
    # Every city has listings on quote.
    zones = {city.time_zone for city in CITIES}
    quoted = set(
        Listing.objects.filter(
            pricing_model=PricingModel.QUOTE, status="published"
        ).values_list("provider__time_zone", flat=True)
    )
    assert zones <= quoted


@pytest.mark.parametrize("hour", [2, 10, 18])
def test_the_stories_are_told_whatever_the_hour(hour):
    """Built at any hour of the day (UTC), the same states are there and
    consistent: days are local dates, moments local hours."""
    real = timezone.now()
    now = real.replace(hour=hour, minute=17, second=0, microsecond=0)
    if now > real:
        now -= timedelta(days=1)

    report = _build(now)

    statuses = set(JobRequest.objects.values_list("status", flat=True))
    assert statuses == set(Status.values), report.quotes
    assert Quote.objects.filter(
        countered_at__isnull=False, revised_at__isnull=False
    ).exists()
    assert Quote.objects.filter(
        status=Quote.Status.HIRED, order__state=OrderState.COMPLETED
    ).exists()
    assert report.quotes["quote_stories_stopped"] == 0
    _assert_consistent()
    _assert_books_balanced()
