"""A job booked for later is offered to a tier of the best workers at once: the
first to accept takes it and the others' offers are withdrawn (they are told,
and a late accept is refused as ``offer_taken`` and changes nothing); when the
whole tier declines or lets its offers lapse, the next tier is asked; the
answer window shrinks as the response promise nears."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from doorstep.api.testing import API, JSON, assert_problem, bearer, ops_bearer
from doorstep.core.errors import Conflict
from doorstep.dispatch import board, cascade
from doorstep.dispatch.models import DispatchJob, Offer, SlaPolicy
from doorstep.dispatch.tests.helpers import (
    HOME,
    after_commit,
    clock_moved,
    in_three_days_at_ten,
    make_worker,
    paid_dispatch_order,
    run_periodic_job,
    service_in_shanghai,
)
from doorstep.events.models import Event
from doorstep.notifications.models import Kind, Notification
from doorstep.orders.states import OrderState
from doorstep.scheduling.models import TimeClaim
from tests.factories import make_ops

pytestmark = pytest.mark.django_db


def _at(km_north: float) -> tuple[float, float]:
    return (HOME[0] + km_north / 111.3, HOME[1])


@pytest.fixture
def offer_for_sale():
    return service_in_shanghai()


@pytest.fixture
def workers(offer_for_sale):
    """Five workers, nearest first (1 to 5 km north of the customer)."""
    category = offer_for_sale.service.category
    return [make_worker(category, at=_at(km)) for km in (1, 2, 3, 4, 5)]


def _booked(offer_for_sale):
    return paid_dispatch_order(offer_for_sale, starts_at=in_three_days_at_ten())


def _live(order) -> list[Offer]:
    return list(
        order.dispatch_job.offers.filter(status=Offer.Status.PENDING)
        .select_related("worker__provider__user")
        .order_by("slot")
    )


def _user(offer: Offer):
    return offer.worker.provider.user


def _counts(order) -> dict[str, object]:
    """What an accept could have changed."""
    order.refresh_from_db()
    return {
        "state": order.state,
        "provider": order.provider_id,
        "offers": sorted(
            order.dispatch_job.offers.values_list("pk", "status", "decline_reason")
        ),
        "claims": TimeClaim.objects.count(),
        "events": Event.objects.count(),
    }


def test_a_booked_job_is_offered_to_the_best_three_at_once(offer_for_sale, workers):
    order = _booked(offer_for_sale)

    live = _live(order)
    assert [offer.worker for offer in live] == workers[:3]
    assert [offer.slot for offer in live] == [0, 1, 2]
    job = DispatchJob.objects.get(order=order)
    assert (job.offers_at_once, job.offers_made) == (3, 3)
    assert len({offer.expires_at for offer in live}) == 1
    # Each worker asked hears of it.
    assert Notification.objects.filter(kind=Kind.JOB_OFFER).count() == 3


def test_a_job_wanted_now_is_still_offered_to_one_worker(offer_for_sale, workers):
    order = paid_dispatch_order(offer_for_sale)

    assert [offer.worker for offer in _live(order)] == [workers[0]]


def test_the_policy_sets_how_many_are_asked_at_once(offer_for_sale, workers):
    SlaPolicy.objects.create(offers_at_once=1)

    order = _booked(offer_for_sale)

    assert [offer.worker for offer in _live(order)] == [workers[0]]


def test_the_first_to_accept_takes_the_job_and_the_others_are_withdrawn(
    offer_for_sale, workers
):
    order = _booked(offer_for_sale)
    first, second, third = _live(order)

    with after_commit():
        cascade.accept_offer(offer_id=second.public_id, user=_user(second))

    order.refresh_from_db()
    assert (order.state, order.provider) == (OrderState.ACCEPTED, workers[1].provider)
    for offer in (first, third):
        offer.refresh_from_db()
        assert (offer.status, offer.decline_reason) == (
            Offer.Status.WITHDRAWN,
            cascade.TAKEN,
        )
    second.refresh_from_db()
    assert second.status == Offer.Status.ACCEPTED
    told = Notification.objects.filter(
        kind=Kind.JOB_OFFER, title__startswith="Job taken"
    )
    assert sorted(n.recipient_id for n in told) == sorted(
        [_user(first).pk, _user(third).pk]
    )


def test_a_late_accept_is_told_the_job_was_taken_and_changes_nothing(
    offer_for_sale, workers
):
    order = _booked(offer_for_sale)
    first, second, _third = _live(order)
    with after_commit():
        cascade.accept_offer(offer_id=first.public_id, user=_user(first))
    before = _counts(order)

    for answer in (cascade.accept_offer, cascade.decline_offer):
        with pytest.raises(Conflict) as refused, after_commit():
            answer(offer_id=second.public_id, user=_user(second))
        assert refused.value.code == "offer_taken"

    assert _counts(order) == before


def test_one_decline_waits_for_the_rest_of_the_tier(offer_for_sale, workers):
    order = _booked(offer_for_sale)
    first, second, third = _live(order)

    with after_commit():
        cascade.decline_offer(offer_id=first.public_id, user=_user(first))

    assert _live(order) == [second, third]


def test_when_the_whole_tier_passes_the_next_tier_is_asked(offer_for_sale, workers):
    order = _booked(offer_for_sale)
    first, second, third = _live(order)
    with after_commit():
        cascade.decline_offer(offer_id=first.public_id, user=_user(first))
        cascade.decline_offer(offer_id=second.public_id, user=_user(second))

    # The third lets it lapse.
    with clock_moved(by=third.expires_at - timezone.now()), after_commit():
        assert run_periodic_job("lapse_dispatch_offers") == 1

    assert [offer.worker for offer in _live(order)] == workers[3:]


def test_the_window_shrinks_as_the_response_promise_nears(offer_for_sale, workers):
    order = _booked(offer_for_sale)
    job = DispatchJob.objects.get(order=order)
    now = job.opened_at
    assert job.offer_seconds == 30 * 60
    assert job.assignment_due_at == now + timedelta(minutes=30)

    # Half of what is left, never under two minutes, never over the policy's.
    assert cascade.offer_window(job, now) == timedelta(minutes=15)
    assert cascade.offer_window(job, now + timedelta(minutes=20)) == timedelta(
        minutes=5
    )
    assert cascade.offer_window(job, now + timedelta(minutes=29)) == timedelta(
        minutes=2
    )
    # Past the response promise: half of what is left until the platform gives
    # up (the booked time), at most the policy's window.
    assert cascade.offer_window(job, now + timedelta(minutes=31)) == timedelta(
        minutes=30
    )
    # The tier was made a moment after the job opened.
    first = _live(order)[0]
    window = first.expires_at - first.offered_at
    assert timedelta(minutes=14) < window <= timedelta(minutes=15)


def test_the_board_and_the_ops_api_show_every_worker_asked(
    client, offer_for_sale, workers
):
    ops = make_ops("Dispatch")
    order = _booked(offer_for_sale)

    (row,) = [r for r in board.open_jobs(user=ops) if r.order.pk == order.pk]
    assert [offer.worker for offer in row.pending_offers] == workers[:3]
    assert row.offered_to_names == ", ".join(w.display_name for w in workers[:3])

    response = client.get(f"{API}/ops/dispatch/jobs", **ops_bearer(ops))
    assert response.status_code == 200, response.content
    (item,) = [i for i in response.json()["items"] if i["order_id"] == order.public_id]
    assert [w["id"] for w in item["offers_waiting"]] == [
        w.public_id for w in workers[:3]
    ]
    assert item["offered_to"]["id"] == workers[0].public_id


def test_ops_assigning_by_hand_withdraws_the_tier_and_tells_them(
    offer_for_sale, workers
):
    ops = make_ops("Dispatch")
    order = _booked(offer_for_sale)
    live = _live(order)

    with after_commit():
        board.assign_by_hand(
            user=ops,
            order_id=order.public_id,
            worker_id=workers[4].public_id,
            reason="Customer asked for them",
        )

    for offer in live:
        offer.refresh_from_db()
        assert offer.status == Offer.Status.WITHDRAWN
        with pytest.raises(Conflict) as refused:
            cascade.accept_offer(offer_id=offer.public_id, user=_user(offer))
        assert refused.value.code == "offer_taken"


def test_the_phone_api_answers_a_late_accept_with_offer_taken(
    client, offer_for_sale, workers
):
    order = _booked(offer_for_sale)
    first, second, _third = _live(order)
    with after_commit():
        cascade.accept_offer(offer_id=first.public_id, user=_user(first))

    response = client.post(
        f"{API}/work/offers/{second.public_id}/accept",
        {},
        content_type=JSON,
        **bearer(_user(second)),
    )

    assert_problem(response, 409, "offer_taken")
    listed = client.get(f"{API}/work/offers", **bearer(_user(second)))
    assert listed.json()["items"] == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_accepting_at_once_one_takes_it_the_other_is_told():
    offer_for_sale = service_in_shanghai()
    category = offer_for_sale.service.category
    for km in (1, 2, 3):
        make_worker(category, at=_at(km))
    order = _booked(offer_for_sale)
    tier = _live(order)[:2]
    barrier = threading.Barrier(len(tier))
    taken, refused, errors = [], [], []

    def worker_taps_accept(offer: Offer) -> None:
        try:
            barrier.wait()
            taken.append(
                cascade.accept_offer(offer_id=offer.public_id, user=_user(offer))
            )
        except Conflict as error:
            refused.append(error.code)
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker_taps_accept, args=(o,)) for o in tier]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert (len(taken), refused) == (1, ["offer_taken"])
    order.refresh_from_db()
    assert order.state == OrderState.ACCEPTED
    assert order.provider == taken[0].worker.provider
    statuses = sorted(order.dispatch_job.offers.values_list("status", flat=True))
    assert statuses == ["accepted", "withdrawn", "withdrawn"]
    assert TimeClaim.objects.filter(order=order, released_at__isnull=True).count() == 1
