"""A batch round offers every open "as soon as possible" job to the worker the
assignment chooses, only to workers who may take it, in a fixed number of
queries; two rounds at once never offer a job or a worker twice."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.dispatch import batch
from doorstep.dispatch.candidates import (
    qualified_worker_ids,
    qualified_worker_ids_by_category,
)
from doorstep.dispatch.models import Offer, Worker
from doorstep.dispatch.tests.helpers import (
    HOME,
    make_agency,
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from doorstep.orders.states import OrderState
from doorstep.scheduling.services import claim_time
from doorstep.trust.models import DocumentStatus, DocumentType, ProviderDocument
from doorstep.trust.tests.conftest import id_requirement

NEAR = (HOME[0] + 0.01, HOME[1])  # about 1 km north
FURTHER = (HOME[0] + 0.05, HOME[1])  # about 5.5 km north
FAR = (HOME[0] + 0.3, HOME[1])  # about 33 km north: beyond a 15 km range


def open_jobs(offer_for_sale, count: int = 1):
    """Paid orders waiting for a worker, none offered yet (nobody was on duty
    when they opened)."""
    orders = [paid_dispatch_order(offer_for_sale) for _ in range(count)]
    for order in orders:
        assert order.state == OrderState.DISPATCHING
    assert not Offer.objects.exists()
    return orders


def pending_worker(order):
    return order.dispatch_job.offers.get(status=Offer.Status.PENDING).worker


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("strategy", "first_to", "second_to"),
    [
        # The nearest worker is the only one who can do the second job: the
        # batch sends the other worker to the first job and serves both.
        ("batch", "further", "nearest"),
        # The baseline takes the nearest for the first job; the second waits.
        ("greedy", "nearest", None),
    ],
)
def test_a_round_offers_the_jobs_as_the_strategy_assigns_them(
    strategy, first_to, second_to
):
    cleaning = service_in_shanghai()
    plumbing = service_in_shanghai()
    first = paid_dispatch_order(cleaning)
    second = paid_dispatch_order(plumbing)
    workers = {
        "nearest": make_worker(cleaning.service.category, at=NEAR),
        "further": make_worker(cleaning.service.category, at=FURTHER),
    }
    workers["nearest"].categories.add(plumbing.service.category)

    result = batch.run_round(strategy=strategy)

    assert (result.jobs, result.workers) == (2, 2)
    assert pending_worker(first) == workers[first_to]
    if second_to is None:
        assert not second.dispatch_job.offers.exists()
    else:
        assert pending_worker(second) == workers[second_to]
    offers = Offer.objects.all()
    assert len(result.offers) == len(offers)
    for offer in offers:
        assert offer.batch == result.round_id
        assert offer.travel_minutes > 0
        assert offer.cost >= offer.travel_minutes


@pytest.mark.django_db
def test_only_workers_who_may_take_the_job_are_offered_it():
    offer_for_sale = service_in_shanghai()
    category = offer_for_sale.service.category
    (order,) = open_jobs(offer_for_sale)
    job = order.dispatch_job
    now = timezone.now()
    eligible = make_worker(category, at=FURTHER)
    make_worker(category, at=NEAR, on_duty=False)
    make_worker(service_in_shanghai().service.category, at=NEAR)  # not qualified
    make_worker(category, at=FAR)  # out of range
    declined = make_worker(category, at=NEAR)
    Offer.objects.create(
        job=job,
        worker=declined,
        status=Offer.Status.DECLINED,
        offered_at=now - timedelta(minutes=5),
        expires_at=now - timedelta(minutes=4),
    )
    busy = make_worker(category, at=NEAR)  # on a job right now
    claim_time(
        provider=busy.provider,
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=1),
    )
    booked_soon = make_worker(category, at=NEAR)  # cannot finish before
    claim_time(
        provider=booked_soon.provider,
        starts_at=now + timedelta(minutes=45),
        ends_at=now + timedelta(hours=2),
    )

    result = batch.run_round(now=now)

    assert pending_worker(order) == eligible
    assert result.offers == [Offer.objects.get(worker=eligible).public_id]


@pytest.mark.django_db
def test_a_worker_with_a_live_offer_is_not_offered_another_job():
    offer_for_sale = service_in_shanghai()
    open_jobs(offer_for_sale, 2)
    make_worker(offer_for_sale.service.category, at=NEAR)

    batch.run_round()
    again = batch.run_round()

    assert Offer.objects.count() == 1
    assert (again.jobs, again.workers, again.offers) == (1, 0, [])


@pytest.mark.django_db
def test_a_job_nobody_can_take_is_escalated_once():
    offer_for_sale = service_in_shanghai()
    (order,) = open_jobs(offer_for_sale)  # escalated when it opened
    make_worker(offer_for_sale.service.category, at=FAR)

    result = batch.run_round()

    order.dispatch_job.refresh_from_db()
    assert order.dispatch_job.escalated_at is not None
    assert (result.offers, result.escalated) == ([], 0)  # already escalated


def loading_queries(size: int, cleaning, plumbing) -> int:
    """Queries a round makes before its first offer, with ``size`` more jobs
    and ``size`` workers on duty, of two categories."""
    services = [(cleaning, plumbing)[index % 2] for index in range(size)]
    for service in services:
        paid_dispatch_order(service)
    for service in services:
        make_worker(service.service.category, at=NEAR)
    with CaptureQueriesContext(connection) as queries:
        result = batch.run_round()
    assert len(result.offers) == size
    first_offer = next(
        index
        for index, query in enumerate(queries.captured_queries)
        if "INSERT" in query["sql"] and "dispatch_offer" in query["sql"]
    )
    Offer.objects.all().delete()
    Worker.objects.update(is_on_duty=False)
    return first_offer


@pytest.mark.django_db
def test_a_round_loads_its_inputs_in_a_fixed_number_of_queries():
    # (the job's lock for the first offer is part of the count, once)
    services = service_in_shanghai(), service_in_shanghai()
    assert loading_queries(2, *services) == loading_queries(8, *services)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("strategies", [("batch", "batch"), ("batch", "greedy")])
def test_two_rounds_at_once_never_offer_a_job_or_a_worker_twice(strategies):
    offer_for_sale = service_in_shanghai()
    category = offer_for_sale.service.category
    orders = [paid_dispatch_order(offer_for_sale) for _ in range(6)]
    workers = [
        make_worker(category, at=(HOME[0] + 0.005 * k, HOME[1])) for k in range(4)
    ]
    barrier = threading.Barrier(len(strategies))
    results, errors = [], []

    def dispatcher(strategy: str) -> None:
        try:
            barrier.wait()
            results.append(batch.run_round(strategy=strategy))
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher, args=(s,)) for s in strategies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    made = [offer for result in results for offer in result.offers]
    assert len(made) == len(set(made))
    pending = Offer.objects.filter(status=Offer.Status.PENDING)
    assert sorted(made) == sorted(pending.values_list("public_id", flat=True))
    assert 1 <= len(made) <= len(workers)
    assert max(Counter(pending.values_list("job", flat=True)).values()) == 1
    assert max(Counter(pending.values_list("worker", flat=True)).values()) == 1
    # Whatever the first two left, a later round completes without doubling.
    batch.run_round()
    assert pending.count() == len(workers)
    assert len(set(pending.values_list("job", flat=True))) == len(workers)
    for order in orders:
        order.refresh_from_db()
        assert order.state == OrderState.DISPATCHING


def _approved_id(worker) -> None:
    """The worker's ID card, approved by ops (as the trust flow leaves it)."""
    ProviderDocument.objects.create(
        provider=worker.provider,
        staff=worker.staff,
        document_type=DocumentType.objects.get(code="id_card"),
        status=DocumentStatus.APPROVED,
        number="N-12345678",
        file="documents/id.pdf",
        content_type="application/pdf",
        size=100,
        uploaded_at=timezone.now(),
    )


def _round_of(categories: int, *, settings) -> tuple[list, list]:
    """Open jobs in ``categories`` categories, each with an independent and a
    staff member near, half of them holding the ID card ops require."""
    settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = True
    id_requirement()
    agency = make_agency()
    held, missing = [], []
    services = [service_in_shanghai() for _ in range(categories)]
    for offer_for_sale in services:  # nobody on duty yet: all stay open
        paid_dispatch_order(offer_for_sale)
    for index, offer_for_sale in enumerate(services):
        category = offer_for_sale.service.category
        for worker in (
            make_worker(category, at=NEAR),
            make_worker(category, at=NEAR, staff_of=agency),
        ):
            if index % 2:
                missing.append(worker)
            else:
                _approved_id(worker)
                held.append(worker)
    return held, missing


@pytest.mark.django_db
@pytest.mark.parametrize("categories", [2, 6])
def test_a_round_is_planned_in_a_fixed_number_of_queries_whatever_the_categories(
    categories, settings, django_assert_max_num_queries
):
    held, missing = _round_of(categories, settings=settings)

    with django_assert_max_num_queries(8):
        plan = batch.plan_round(now=timezone.now())

    offered = {plan.workers[j].pk for _i, j in plan.pairs}
    assert len(plan.jobs) == categories
    assert offered <= {worker.pk for worker in held}
    assert not offered & {worker.pk for worker in missing}
    assert len(offered) == (categories + 1) // 2
    assert not Offer.objects.exists()


@pytest.mark.django_db
def test_qualification_in_bulk_agrees_with_one_category_at_a_time(settings):
    held, missing = _round_of(4, settings=settings)
    suspended = held[0].provider
    suspended.status = ProviderProfile.Status.SUSPENDED
    suspended.save(update_fields=["status"])
    held[1].staff.is_active = False
    held[1].staff.save(update_fields=["is_active"])
    workers = [worker.pk for worker in [*held, *missing]]
    categories = {
        category
        for worker in held + missing
        for category in worker.categories.values_list("pk", flat=True)
    }

    bulk = qualified_worker_ids_by_category(categories, among=workers)

    assert bulk == {
        category: qualified_worker_ids(category, among=workers)
        for category in categories
    }
    assert {pk for ids in bulk.values() for pk in ids} == {
        worker.pk for worker in held[2:]
    }
