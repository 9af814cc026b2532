"""The simulated day (``bench/dispatch_day.py``) at a tiny scale, so it keeps
running through the real services as they change."""

import pytest

from doorstep.dispatch.models import DispatchJob
from doorstep.dispatch.simulation import (
    PERIODIC_JOBS,
    Scenario,
    gini,
    simulate_day,
)
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.periodic.jobs import JOBS

# The services commit as they go (payments and offers run after commit).
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_tiny_day_serves_its_orders_through_the_real_services(settings):
    # given a quiet day: eight orders, six workers, vetted as the operator's
    # default settings ask of everyone who is offered jobs
    settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = True
    scenario = Scenario(orders=8, workers=6, customers=4, seed=3)

    # when the day is simulated
    report = simulate_day(scenario)

    # then every order was placed, paid and dispatched, and most were served
    figures = report.figures()
    assert figures["orders"] == 8
    assert DispatchJob.objects.filter(opened_at__isnull=False).count() == 8
    assert figures["served"] >= 4
    assert (
        Order.objects.filter(state=OrderState.DELIVERED).count() == (figures["served"])
    )
    assert figures["offers"] >= figures["served"]
    assert 0 <= figures["sla_hit_pct"] <= 100
    assert sum(report.jobs_per_worker) == figures["served"]
    assert figures["travel_km"] > 0
    # and every periodic job of production's schedule that moves dispatched
    # orders ran during the day
    assert set(report.periodic_runs) == set(PERIODIC_JOBS)


@pytest.mark.django_db(transaction=False)
def test_the_day_runs_every_periodic_job_that_moves_dispatched_orders():
    # Production's scheduler runs these; a day that missed one (as it once
    # missed the retry of escalated jobs) would measure another dispatcher.
    moving = {
        job.name
        for job in JOBS
        if job.run.startswith(("doorstep.dispatch.", "doorstep.orders."))
    }
    assert moving <= set(PERIODIC_JOBS)
    assert set(PERIODIC_JOBS) <= {job.name for job in JOBS}


def test_gini_of_jobs_per_worker():
    assert gini([3, 3, 3]) == 0
    assert gini([0, 0, 6]) == pytest.approx(2 / 3)
    assert gini([]) == 0
