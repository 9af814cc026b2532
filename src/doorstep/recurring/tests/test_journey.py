"""A month of a weekly cleaner, as production runs it: the customer starts
the series through the API, and from then on only the scheduler's ticks
(``periodic.services.run_due_jobs``, what the worker runs) book visits as
the horizon moves and charge each a day before; people only do what people
do (skip one, swap a refused card, serve and confirm the job)."""

import json
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from doorstep.api.testing import API, JSON, bearer
from doorstep.demo.clock import moved_clock
from doorstep.notifications.models import Notification
from doorstep.orders.services import transition_order
from doorstep.payments.flows import order_payment
from doorstep.payments.models import AccountKind, LedgerAccount, PaymentStatus
from doorstep.periodic.services import run_due_jobs
from doorstep.recurring.models import Series, VisitStatus
from doorstep.recurring.tests.conftest import (
    REFUSED_CARD,
    after_commit,
    save_card,
    today,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("early_start_allowed")]


@pytest.fixture
def early_start_allowed(settings):
    settings.DOORSTEP_START_WINDOW_MINUTES = 24 * 60


def run_scheduler_at(moment):
    """What the worker does at ``moment``: every periodic job that is due,
    and the work they leave to run after their commits."""
    with moved_clock(moment), after_commit():
        return run_due_jobs(now=moment)


def _serve(order, customer, moment):
    provider = order.provider.user
    with moved_clock(moment), after_commit():
        order = transition_order(
            order=order,
            name="start",
            user=provider,
            data={"start_code": order.start_code},
        )
        order = transition_order(order=order, name="deliver", user=provider)
        return transition_order(order=order, name="confirm", user=customer)


def _provider_accepts_new_visits(series, moment):
    """The provider answers each visit booked as a request, as they would."""
    for visit in series.visits.filter(order__state="requested"):
        with moved_clock(moment), after_commit():
            transition_order(
                order=visit.order, name="accept", user=series.provider.user
            )


def test_a_month_of_weekly_visits_runs_by_itself(client, listing, customer):
    refused = save_card(customer, REFUSED_CARD, default=False)
    start = today() + timedelta(days=3)
    with after_commit():
        response = client.post(
            f"{API}/recurring/series",
            data=json.dumps(
                {
                    "listing": listing.public_id,
                    "cadence": "weekly",
                    "start_date": start.isoformat(),
                    "start_time": "10:00",
                    "visit_count": 6,
                    "address": "88 Huaihai Road",
                    "latitude": listing.latitude,
                    "longitude": listing.longitude,
                }
            ),
            content_type=JSON,
            **bearer(customer),
        )
    assert response.status_code == 201, response.content
    series = Series.objects.get(public_id=response.json()["id"])
    visits = list(series.visits.order_by("occurrence"))
    assert len(visits) == 4
    first, second = visits[0], visits[1]
    # the provider heard of the new regular customer
    assert Notification.objects.filter(
        recipient=listing.provider.user, event__topic="recurring.series_created"
    ).exists()

    # the customer skips the third visit
    with after_commit():
        client.post(
            f"{API}/recurring/visits/{visits[2].public_id}/skip", **bearer(customer)
        )
    good = save_card(customer, "sbx_success_mastercard_4444", default=False)

    # the scheduler ticks every two hours from now to a day after the second
    # visit; once the first visit is charged the customer picks a card that
    # turns out refused, and swaps it when told
    moment = timezone.now()
    picked_refused = swapped = False
    served = set()
    end = second.planned_starts_at + timedelta(days=1)
    while moment < end:
        moment += timedelta(hours=2)
        run_scheduler_at(moment)
        _provider_accepts_new_visits(series, moment)
        first.refresh_from_db()
        if first.charged_at and not picked_refused:
            with moved_clock(moment), after_commit():
                client.post(
                    f"{API}/recurring/series/{series.public_id}/card",
                    data=json.dumps({"payment_method": refused.public_id}),
                    content_type=JSON,
                    **bearer(customer),
                )
            picked_refused = True
        told = Notification.objects.filter(
            recipient=customer, event__topic="recurring.visit_charge_failed"
        ).exists()
        if told and not swapped:
            with moved_clock(moment), after_commit():
                client.post(
                    f"{API}/recurring/series/{series.public_id}/card",
                    data=json.dumps({"payment_method": good.public_id}),
                    content_type=JSON,
                    **bearer(customer),
                )
            swapped = True
        for visit in (first, second):
            visit.refresh_from_db()
            if visit.pk not in served and moment >= visit.planned_starts_at:
                _serve(visit.order, customer, moment)
                served.add(visit.pk)

    # then the first visit was charged (held a day before, taken on
    # completion) with the card the series had; the second was refused
    # once, told, and charged on the new card by a later tick
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.charged_at is not None
    # by the first tick inside the day before (ticks are two hours apart)
    before = first.planned_starts_at - first.charged_at
    assert timedelta(hours=22) <= before <= timedelta(hours=24)
    assert swapped
    assert second.charged_at is not None
    assert second.charge_attempts == 1  # the refusal was forgotten with the swap
    for visit in (first, second):
        visit.order.refresh_from_db()
        assert visit.order.state == "completed"
        assert order_payment(visit.order).status == PaymentStatus.CAPTURED

    # the skipped visit was never charged
    skipped = series.visits.get(pk=visits[2].pk)
    assert skipped.status == VisitStatus.SKIPPED
    assert order_payment(skipped.order) is None

    # the horizon moved on by itself: visits five and six are booked
    assert series.visits.count() == 6
    assert series.visits.filter(status=VisitStatus.BOOKED).count() == 5

    # the escrow of every order is empty and the provider earned both visits
    for visit in (first, second):
        escrow = LedgerAccount.objects.filter(
            kind=AccountKind.ORDER_ESCROW, order=visit.order
        ).aggregate(total=Sum("balance"))["total"]
        assert not escrow
    assert (
        LedgerAccount.objects.filter(
            kind=AccountKind.PROVIDER_PENDING, provider=listing.provider
        ).aggregate(total=Sum("balance"))["total"]
        > 0
    )
