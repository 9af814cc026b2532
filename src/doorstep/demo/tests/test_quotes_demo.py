"""Requests for quotes in the demo: the category questions, open requests
with none, one and several quotes (a counter-offer and a revision among
them), hires whose orders were paid and went on through the common
lifecycle (on-quote listings among them), a cancelled and an expired request
— all made through the services, consistent with each other, with the books
balanced, whatever the hour the demo is built at."""

from datetime import timedelta

import pytest
from django.db.models import Q, Sum
from django.utils import timezone

from doorstep.demo.builders import build_demo
from doorstep.orders.models import BuyingMode
from doorstep.orders.states import OrderState
from doorstep.payments.models import Posting
from doorstep.payments.reconciliation import reconcile
from doorstep.quotes.models import CategoryQuestion, Invitation, JobRequest, Quote

pytestmark = pytest.mark.django_db(transaction=True)

Status = JobRequest.Status


def _build(now=None):
    return build_demo(providers=12, customers=12, orders=12, now=now)


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
