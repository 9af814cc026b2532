"""The demo's past: built through the real services, so the books reconcile, the
stars are the reviews behind them, and every state of an order can be seen.

The history commits as production does (money flows and notifications run after
commit), so these tests use real transactions. A scaled-down build runs the same
code path as ``make demo``; one test builds the full demo with the command."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Avg, Count, Min
from django.utils import timezone

from doorstep.accounts.models import User
from doorstep.catalog.models import Listing, ListingPhoto
from doorstep.demo.builders import DEMO_LOGINS, DEMO_PASSWORD, build_demo
from doorstep.messaging.models import Conversation
from doorstep.notifications.models import Notification
from doorstep.orders.models import Order, OrderEvent
from doorstep.orders.processes.book_provider import BOOK_PROVIDER
from doorstep.orders.states import OrderState
from doorstep.payments.models import JournalEntry, PayoutRequest
from doorstep.payments.reconciliation import reconcile
from doorstep.reviews.models import Review, ReviewPhoto
from doorstep.reviews.reputation import counted_reviews

pytestmark = pytest.mark.django_db(transaction=True)

EVERY_STATE = {state.name for state in BOOK_PROVIDER.states}


def _working_hours_now() -> datetime:
    """The last 03:00 UTC (11:00 in Shanghai, Taipei and Hong Kong): a moment
    when jobs are going on, so "on the way" and "in service" can be told
    whenever the test runs."""
    real = timezone.now()
    moment = real.replace(hour=3, minute=0, second=0, microsecond=0)
    return moment if moment <= real else moment - timedelta(days=1)


def _rating_caches_match_reviews() -> None:
    counted = {
        row["listing"]: (row["n"], row["mean"])
        for row in counted_reviews()
        .values("listing")
        .annotate(n=Count("pk"), mean=Avg("stars"))
    }
    for listing in Listing.objects.all():
        count, mean = counted.get(listing.pk, (0, 0.0))
        assert listing.rating_count == count, listing
        assert listing.rating_mean == pytest.approx(float(mean or 0.0)), listing


def test_a_scaled_down_history_has_every_state_and_reconciles():
    # Given the demo's people and listings, when a short history is told
    now = _working_hours_now()
    report = build_demo(providers=30, customers=30, orders=24, now=now)

    # then orders stand in every state of the process, with past dates
    history = report.history
    assert history is not None
    assert history.orders >= 16
    states = set(Order.objects.values_list("state", flat=True))
    # A checkout still being paid lapses minutes after ``now``; told at a past
    # ``now``, its timer may already have let it go (to ``payment_expired``).
    expected = EVERY_STATE - {OrderState.AWAITING_PAYMENT}
    assert states >= expected, expected - states
    cancelled = Order.objects.filter(state="cancelled")
    assert cancelled.filter(cancellation_fee_amount__gt=0).exists()
    assert cancelled.filter(cancellation_fee_amount=0).exists()
    first = Order.objects.aggregate(first=Min("created_at"))["first"]
    assert first < now - timedelta(days=20)
    assert not OrderEvent.objects.filter(created_at__gt=now).exists()
    assert JournalEntry.objects.filter(created_at__lt=now - timedelta(days=7)).exists()
    # and the ledger matches the gateway
    assert reconcile() == []
    # and every star shown is a review behind it
    assert Review.objects.exists()
    _rating_caches_match_reviews()
    # and every listing a customer can see has a picture
    shown = Listing.objects.exclude(status=Listing.Status.DRAFT)
    assert not shown.filter(photos__isnull=True).exists()
    assert ListingPhoto.objects.filter(image__endswith=".webp").count() >= shown.count()
    # and the demo logins still sign in, the people have been told things
    for login in DEMO_LOGINS:
        assert authenticate(email=login.email, password=DEMO_PASSWORD) is not None
    customer = User.objects.get(email=DEMO_LOGINS[0].email)
    assert Notification.objects.exclude(recipient=customer).exists()


def test_the_full_demo_tells_ninety_days_in_three_languages():
    # Given an empty database, when `doorstep demo` runs
    out = StringIO()
    call_command("demo", stdout=out)

    # then the marketplace has lived: every state, for the demo logins too
    assert "History of the last 90 days" in out.getvalue()
    assert set(Order.objects.values_list("state", flat=True)) >= EVERY_STATE - {
        "on_the_way",
        "in_service",  # only when someone is at work as the demo is built
    }
    customer = User.objects.get(email=DEMO_LOGINS[0].email)
    provider = User.objects.get(email=DEMO_LOGINS[1].email)
    for who in ({"customer": customer}, {"provider__user": provider}):
        mine = set(Order.objects.filter(**who).values_list("state", flat=True))
        assert {"requested", "accepted", "completed", "cancelled", "disputed"} <= mine
    # reconcile exits 0 (it exits 1 on any difference)
    call_command("reconcile", stdout=StringIO())
    # reviews in three languages, some with photos, some answered
    written = Review.objects.exclude(text="").values_list("author__language", flat=True)
    assert {"en", "zh-hans", "zh-hant"} <= set(written)
    assert ReviewPhoto.objects.exists()
    assert Review.objects.exclude(reply="").exists()
    _rating_caches_match_reviews()
    # conversations before booking and about orders
    assert Conversation.objects.filter(order__isnull=True).exists()
    assert Conversation.objects.filter(order__isnull=False).exists()
    # payouts paid and still on their way
    statuses = set(PayoutRequest.objects.values_list("status", flat=True))
    assert {PayoutRequest.Status.PAID, PayoutRequest.Status.IN_TRANSIT} <= statuses
    # notifications for the demo logins, some read, some not
    notes = Notification.objects.filter(recipient__in=[customer, provider])
    assert notes.filter(read_at__isnull=True).exists()
    assert notes.filter(read_at__isnull=False).exists()
    assert Order.objects.filter(created_at__lt=datetime.now(UTC) - timedelta(days=60))
