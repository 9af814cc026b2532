"""Who may be offered a job (each rule refuses on its own) and who is asked
first (the ranking's terms, one at a time)."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from doorstep.accounts.models import ProviderProfile
from doorstep.dispatch import candidates, cascade
from doorstep.dispatch.cascade import make_offer
from doorstep.dispatch.models import Offer
from doorstep.dispatch.tests.helpers import (
    FURTHER,
    HOME,
    NEAR,
    after_commit,
    in_three_days_at_ten,
    make_agency,
    make_worker,
    paid_dispatch_order,
    service_in_shanghai,
)
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.scheduling.services import claim_time
from doorstep.trust import services as trust_services
from doorstep.trust.tests.conftest import id_requirement, pdf_upload
from tests.factories import make_listing, make_ops, make_order

pytestmark = pytest.mark.django_db

FAR = (HOME[0] + 0.5, HOME[1])  # about 55 km: beyond a 15 km radius


@pytest.fixture
def asap_job(offer_for_sale):
    """A paid job "as soon as possible" nobody was there to be offered."""
    order = paid_dispatch_order(offer_for_sale)
    job = order.dispatch_job
    job.refresh_from_db()
    return job


@pytest.fixture
def booked_job(offer_for_sale):
    order = paid_dispatch_order(offer_for_sale, starts_at=in_three_days_at_ten())
    job = order.dispatch_job
    job.refresh_from_db()
    return job


def _refused(job, worker) -> str | None:
    now = timezone.now()
    reason = candidates.refusal(job, worker, now)
    eligible = worker in candidates.eligible_workers(job, now=now)
    assert eligible == (reason is None), reason
    return reason


def test_a_skilled_free_worker_in_range_is_eligible(asap_job, offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)

    assert _refused(asap_job, worker) is None
    assert worker.pk in candidates.qualified_worker_ids(asap_job.category_id)


def test_someone_who_takes_no_platform_jobs_is_not_asked(asap_job, offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    worker.accepts_dispatch = False
    worker.save()

    assert _refused(asap_job, worker) == "not_taking_jobs"


@pytest.mark.parametrize(
    "status", [ProviderProfile.Status.RESTRICTED, ProviderProfile.Status.SUSPENDED]
)
def test_a_restricted_or_suspended_provider_is_not_asked(
    asap_job, offer_for_sale, status
):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    ProviderProfile.objects.filter(pk=worker.provider_id).update(status=status)
    worker.refresh_from_db()

    assert _refused(asap_job, worker) == "provider_not_active"


def test_a_suspended_agency_sends_none_of_its_staff(asap_job, offer_for_sale):
    agency = make_agency()
    worker = make_worker(offer_for_sale.service.category, at=NEAR, staff_of=agency)
    ProviderProfile.objects.filter(pk=worker.provider_id).update(
        status=ProviderProfile.Status.SUSPENDED
    )
    worker.refresh_from_db()

    assert _refused(asap_job, worker) == "provider_not_active"


def test_a_worker_not_skilled_in_the_category_is_not_asked(asap_job):
    worker = make_worker(service_in_shanghai().service.category, at=NEAR)

    assert _refused(asap_job, worker) == "not_skilled"


def test_an_independent_provider_needs_their_mandatory_documents_approved(
    asap_job, offer_for_sale, settings
):
    settings.DOORSTEP_REQUIRE_VERIFIED_DOCUMENTS = True
    requirement = id_requirement()
    worker = make_worker(offer_for_sale.service.category, at=NEAR)

    assert _refused(asap_job, worker) == "not_qualified"

    user = worker.provider.user
    trust_services.upload_document(
        actor=user,
        requirement_id=requirement.pk,
        upload=pdf_upload(),
        number="N-12345678",
        expires_on=timezone.localdate() + timedelta(days=365),
    )
    application = trust_services.submit_application(actor=user)
    trust_services.approve_application(
        actor=make_ops("Trust & safety"), application_id=application.public_id
    )
    assert _refused(asap_job, worker) is None


def test_an_inactive_staff_member_is_not_asked(asap_job, offer_for_sale):
    agency = make_agency()
    worker = make_worker(offer_for_sale.service.category, at=NEAR, staff_of=agency)
    assert _refused(asap_job, worker) is None

    worker.staff.is_active = False
    worker.staff.save()

    assert _refused(asap_job, worker) == "not_qualified"


def test_a_worker_who_had_the_job_is_never_asked_again(asap_job, offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    offer = make_offer(job=asap_job, worker=worker, now=timezone.now())
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.DECLINED)

    assert _refused(asap_job, worker) == "offered_before"


def test_a_worker_with_a_live_offer_is_not_asked_for_another(asap_job, offer_for_sale):
    other_job = paid_dispatch_order(offer_for_sale).dispatch_job
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    make_offer(job=other_job, worker=worker, now=timezone.now())

    assert _refused(asap_job, worker) == "has_live_offer"


def test_a_job_beyond_the_workers_radius_is_not_offered(asap_job, offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=FAR)

    assert _refused(asap_job, worker) == "out_of_range"


def test_as_soon_as_possible_asks_only_workers_on_duty(asap_job, offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR, on_duty=False)

    assert _refused(asap_job, worker) == "off_duty"


def test_a_worker_whose_time_is_taken_is_not_asked(asap_job, offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    now = timezone.now()
    claim_time(
        provider=worker.provider,
        staff_key=worker.staff_key,
        starts_at=now + timedelta(minutes=30),
        ends_at=now + timedelta(hours=1),
    )

    assert _refused(asap_job, worker) == "busy"


def test_an_expired_hold_does_not_make_a_worker_busy(asap_job, offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    now = timezone.now()
    hold = claim_time(
        provider=worker.provider,
        staff_key=worker.staff_key,
        starts_at=now + timedelta(minutes=30),
        ends_at=now + timedelta(hours=1),
        hold_minutes=5,
        held_by=worker.provider.user,
    )
    type(hold).objects.filter(pk=hold.pk).update(
        hold_expires_at=now - timedelta(minutes=1)
    )

    assert _refused(asap_job, worker) is None


def test_a_booked_time_must_fall_in_the_workers_hours(booked_job, offer_for_sale):
    category = offer_for_sale.service.category
    mornings = make_worker(
        category, at=NEAR, on_duty=False, hours=(time(8, 0), time(12, 0))
    )
    afternoons = make_worker(
        category, at=NEAR, on_duty=False, hours=(time(13, 0), time(18, 0))
    )
    no_hours = make_worker(category, at=NEAR, on_duty=False, hours=None)

    # The job runs 10:00 to 12:00 local time; nobody needs to be on duty.
    assert _refused(booked_job, mornings) is None
    assert _refused(booked_job, afternoons) == "busy"
    assert _refused(booked_job, no_hours) == "busy"


def test_a_staff_member_without_hours_of_their_own_works_the_agencys(
    booked_job, offer_for_sale
):
    agency = make_agency()
    worker = make_worker(
        offer_for_sale.service.category, at=NEAR, staff_of=agency, hours=None
    )
    assert _refused(booked_job, worker) == "busy"

    from doorstep.scheduling.models import AvailabilityRule

    AvailabilityRule.objects.bulk_create(
        AvailabilityRule(
            provider=agency.owner.provider_profile,
            weekday=weekday,
            start_time=time(8, 0),
            end_time=time(18, 0),
        )
        for weekday in range(7)
    )
    assert _refused(booked_job, worker) is None


def test_a_booked_time_clashing_with_another_job_is_refused(booked_job, offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR, on_duty=False)
    order = booked_job.order
    claim_time(
        provider=worker.provider,
        starts_at=order.starts_at - timedelta(minutes=30),
        ends_at=order.starts_at - timedelta(minutes=5),
    )

    # The travel to the job overlaps the other job's end.
    assert _refused(booked_job, worker) == "busy"


def _job_at_further(offer_for_sale, starts_at):
    """Another booked order, at a door 5.5 km from the job's (29 minutes'
    travel, 40 planned: ``candidates.way_minutes``)."""
    other = paid_dispatch_order(offer_for_sale, starts_at=starts_at)
    Order.objects.filter(pk=other.pk).update(latitude=FURTHER[0], longitude=FURTHER[1])
    return other


@pytest.mark.parametrize(
    ("gap_minutes", "refused"), [(20, "busy"), (45, None)], ids=["tight", "enough"]
)
def test_a_booked_time_must_be_reachable_from_the_job_before(
    booked_job, offer_for_sale, gap_minutes, refused
):
    order = booked_job.order
    before = _job_at_further(offer_for_sale, order.starts_at - timedelta(hours=3))
    worker = make_worker(offer_for_sale.service.category, at=NEAR, on_duty=False)
    # The job before ends ``gap_minutes`` before this one's time, 5.5 km away:
    # no overlap with the travel from where the worker is now (1 km), but the
    # way from that door takes 40 minutes.
    claim_time(
        provider=worker.provider,
        starts_at=order.starts_at - timedelta(hours=2),
        ends_at=order.starts_at - timedelta(minutes=gap_minutes),
        order=before,
    )

    assert _refused(booked_job, worker) == refused


@pytest.mark.parametrize(
    ("gap_minutes", "refused"), [(20, "busy"), (45, None)], ids=["tight", "enough"]
)
def test_the_job_after_a_booked_time_must_stay_reachable(
    booked_job, offer_for_sale, gap_minutes, refused
):
    order = booked_job.order
    after = _job_at_further(
        offer_for_sale, order.ends_at + timedelta(minutes=gap_minutes)
    )
    worker = make_worker(offer_for_sale.service.category, at=NEAR, on_duty=False)
    claim_time(
        provider=worker.provider,
        starts_at=after.starts_at,
        ends_at=after.ends_at,
        order=after,
    )

    assert _refused(booked_job, worker) == refused


# --- Ranking --------------------------------------------------------------------------


def _order_of(job, *workers):
    return [r.worker for r in candidates.rank(job, list(workers), now=timezone.now())]


def test_the_weights_sum_to_one():
    assert sum(candidates.WEIGHTS.values()) == pytest.approx(1.0)


def test_all_else_equal_the_nearest_comes_first(booked_job, offer_for_sale):
    category = offer_for_sale.service.category
    further = make_worker(category, at=FURTHER)
    nearest = make_worker(category, at=NEAR)

    assert _order_of(booked_job, further, nearest) == [nearest, further]


def test_a_worker_at_a_job_now_is_asked_after_those_who_can_answer(
    booked_job, offer_for_sale
):
    category = offer_for_sale.service.category
    further = make_worker(category, at=FURTHER)
    nearest = make_worker(category, at=NEAR)
    # the nearest is at another customer's door right now
    elsewhere = _job_at_further(offer_for_sale, booked_job.order.starts_at)
    now = timezone.now()
    claim_time(
        provider=nearest.provider,
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(minutes=50),
        order=elsewhere,
    )

    assert _order_of(booked_job, further, nearest) == [further, nearest]


def _reviewed(worker, stars: int, count: int) -> None:
    """``count`` revealed reviews of ``stars`` for jobs ``worker`` did."""
    from doorstep.reviews.models import Direction, Review

    listing = make_listing(provider=worker.provider)
    for n in range(count):
        order = make_order(listing=listing, starts_in=timedelta(days=10, hours=3 * n))
        Review.objects.create(
            order=order,
            direction=Direction.CUSTOMER_REVIEWS_PROVIDER,
            author=order.customer,
            customer=order.customer,
            provider=worker.provider,
            stars=stars,
            created_at=timezone.now(),
            revealed_at=timezone.now(),
        )


def test_a_well_rated_worker_beats_a_slightly_nearer_poorly_rated_one(
    booked_job, offer_for_sale
):
    category = offer_for_sale.service.category
    poor = make_worker(category, at=NEAR)
    good = make_worker(category, at=(HOME[0] + 0.02, HOME[1]))
    _reviewed(poor, 2, 20)
    _reviewed(good, 5, 20)

    assert _order_of(booked_job, poor, good) == [good, poor]


def test_one_review_does_not_beat_a_long_record(booked_job, offer_for_sale):
    category = offer_for_sale.service.category
    newcomer = make_worker(category, at=NEAR)
    veteran = make_worker(category, at=NEAR)
    _reviewed(newcomer, 5, 1)
    _reviewed(veteran, 5, 40)

    ranked = candidates.rank(booked_job, [newcomer, veteran], now=timezone.now())
    assert [r.worker for r in ranked] == [veteran, newcomer]
    assert ranked[0].rating > ranked[1].rating


def test_offers_are_spread_fairly(booked_job, offer_for_sale):
    category = offer_for_sale.service.category
    # Off duty: the jobs "as soon as possible" below are not offered to them.
    busy = make_worker(category, at=NEAR, on_duty=False)
    idle = make_worker(category, at=NEAR, on_duty=False)
    for _n in range(3):  # three offers today, all accepted elsewhere
        other = paid_dispatch_order(offer_for_sale).dispatch_job
        offer = make_offer(job=other, worker=busy, now=timezone.now())
        Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.ACCEPTED)

    ranked = candidates.rank(booked_job, [busy, idle], now=timezone.now())
    assert [r.worker for r in ranked] == [idle, busy]
    assert ranked[1].fairness == pytest.approx(1 / 4)


def test_a_worker_with_jobs_that_day_ranks_below_a_free_one(booked_job, offer_for_sale):
    category = offer_for_sale.service.category
    loaded = make_worker(category, at=NEAR)
    free = make_worker(category, at=NEAR)
    later_that_day = booked_job.order.starts_at + timedelta(hours=4)
    make_order(
        listing=make_listing(provider=loaded.provider),
        starts_in=later_that_day - timezone.now(),
    )

    ranked = candidates.rank(booked_job, [loaded, free], now=timezone.now())
    assert [r.worker for r in ranked] == [free, loaded]
    assert ranked[1].workload == pytest.approx(1 / 2)


def test_declines_and_lapses_lower_a_worker(booked_job, offer_for_sale):
    category = offer_for_sale.service.category
    refuser = make_worker(category, at=NEAR, on_duty=False)
    reliable = make_worker(category, at=NEAR, on_duty=False)
    now = timezone.now()
    for status, worker in [
        (Offer.Status.DECLINED, refuser),
        (Offer.Status.LAPSED, refuser),
        (Offer.Status.ACCEPTED, reliable),
        (Offer.Status.ACCEPTED, reliable),
    ]:
        other = paid_dispatch_order(offer_for_sale).dispatch_job
        offer = make_offer(job=other, worker=worker, now=now - timedelta(days=2))
        Offer.objects.filter(pk=offer.pk).update(status=status)

    ranked = candidates.rank(booked_job, [refuser, reliable], now=now)
    assert [r.worker for r in ranked] == [reliable, refuser]
    assert ranked[1].reliability == pytest.approx((5 * 0.8 + 0) / (5 + 2))


def test_the_cascade_asks_the_best_ranked_first(offer_for_sale):
    category = offer_for_sale.service.category
    poor = make_worker(category, at=NEAR)
    good = make_worker(category, at=(HOME[0] + 0.02, HOME[1]))
    _reviewed(poor, 1, 30)
    _reviewed(good, 5, 30)

    order = paid_dispatch_order(offer_for_sale, starts_at=in_three_days_at_ten())

    # Both are asked at once (a tier), the best ranked in the first slot.
    offer = order.dispatch_job.offers.get(slot=0)
    assert offer.worker == good
    assert order.dispatch_job.offers.get(slot=1).worker == poor
    assert offer.travel_minutes is not None
    assert 0 <= offer.cost <= 1


# --- Leaving for a booked door --------------------------------------------------------


def _taken_by(worker, order):
    """``worker`` accepts ``order``'s offer, as on their phone."""
    offer = order.dispatch_job.offers.get(worker=worker, status=Offer.Status.PENDING)
    with after_commit():
        cascade.accept_offer(offer_id=offer.public_id, user=worker.provider.user)
    order.refresh_from_db()
    return order


def test_leave_by_is_planned_from_where_the_worker_is_without_a_job_before(
    offer_for_sale,
):
    # Given a worker based 1 km away who took a job booked for a time
    worker = make_worker(offer_for_sale.service.category, at=NEAR, on_duty=False)
    order = _taken_by(
        worker, paid_dispatch_order(offer_for_sale, starts_at=in_three_days_at_ten())
    )

    # Then they leave the way planned (the way rule's) before its time, from base
    departure = candidates.departures([order])[order.pk]
    assert departure.after is None
    assert departure.origin == NEAR
    assert departure.leave_by == order.starts_at - timedelta(
        minutes=candidates.way_minutes(NEAR, HOME)
    )
    assert candidates.leave_by(order) == departure.leave_by

    # When they go on duty and share a place 5.5 km away, it is read from there
    worker.is_on_duty, worker.latitude, worker.longitude = True, *FURTHER
    worker.save()
    assert candidates.leave_by(order) == order.starts_at - timedelta(
        minutes=candidates.way_minutes(FURTHER, HOME)
    )


def test_leave_by_is_planned_from_the_door_of_the_job_held_before(offer_for_sale):
    # Given a worker at 1 km who holds a job three hours earlier, 5.5 km away
    worker = make_worker(offer_for_sale.service.category, at=NEAR, on_duty=False)
    starts_at = in_three_days_at_ten()
    before = _taken_by(
        worker,
        paid_dispatch_order(offer_for_sale, starts_at=starts_at - timedelta(hours=3)),
    )
    Order.objects.filter(pk=before.pk).update(latitude=FURTHER[0], longitude=FURTHER[1])
    order = _taken_by(worker, paid_dispatch_order(offer_for_sale, starts_at=starts_at))

    # Then the booked job's leave-by is planned from that door, not from base
    departure = candidates.departures([order, before])[order.pk]
    assert departure.after.pk == before.pk
    assert departure.origin == FURTHER
    assert departure.leave_by == starts_at - timedelta(
        minutes=candidates.way_minutes(FURTHER, HOME)
    )

    # When the job before is done (delivered), from where they are again
    Order.objects.filter(pk=before.pk).update(state=OrderState.DELIVERED)
    assert candidates.departures([order])[order.pk].origin == NEAR


def test_no_leave_by_as_soon_as_possible_or_once_on_the_way(offer_for_sale):
    worker = make_worker(offer_for_sale.service.category, at=NEAR)
    asap = _taken_by(worker, paid_dispatch_order(offer_for_sale))
    assert candidates.leave_by(asap) is None

    booked = paid_dispatch_order(offer_for_sale, starts_at=in_three_days_at_ten())
    booked.state = OrderState.ON_THE_WAY
    assert candidates.leave_by(booked) is None
