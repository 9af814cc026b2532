"""Invariant 3: no double booking, whatever the concurrency."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from doorstep.core.errors import Conflict
from doorstep.scheduling.models import TimeClaim
from doorstep.scheduling.services import claim_time, convert_hold, hold_time
from tests.factories import make_order, make_provider


def _at(hours: float):
    base = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    return base + timedelta(hours=hours)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "overlaps"),
    [
        (9, 11, True),  # same
        (10, 12, True),  # overlaps the end
        (8, 9.5, True),  # overlaps the start
        (9.5, 10, True),  # inside
        (8, 12, True),  # around
        (11, 12, False),  # touches the end: [9, 11) and [11, 12) are disjoint
        (7, 9, False),  # touches the start
    ],
)
def test_the_database_refuses_overlaps(start, end, overlaps):
    provider = make_provider()
    claim_time(provider=provider, starts_at=_at(9), ends_at=_at(11))

    if overlaps:
        with pytest.raises(Conflict) as error:
            claim_time(provider=provider, starts_at=_at(start), ends_at=_at(end))
        assert error.value.code == "slot_taken"
    else:
        claim_time(provider=provider, starts_at=_at(start), ends_at=_at(end))


@pytest.mark.django_db
def test_other_providers_and_staff_do_not_collide():
    provider, other = make_provider(), make_provider()
    claim_time(provider=provider, starts_at=_at(9), ends_at=_at(11))

    claim_time(provider=other, starts_at=_at(9), ends_at=_at(11))
    claim_time(provider=provider, staff_key=7, starts_at=_at(9), ends_at=_at(11))
    assert TimeClaim.objects.count() == 3


@pytest.mark.django_db
def test_released_time_can_be_claimed_again():
    order = make_order()
    claim = order.time_claims.get()
    claim.released_at = timezone.now()
    claim.save()

    claim_time(
        provider=order.provider, starts_at=order.starts_at, ends_at=order.ends_at
    )


@pytest.mark.django_db
def test_moving_a_claim_onto_another_is_refused_too():
    provider = make_provider()
    claim_time(provider=provider, starts_at=_at(9), ends_at=_at(11))
    second = claim_time(provider=provider, starts_at=_at(12), ends_at=_at(13))

    with pytest.raises(Exception):  # noqa: B017, PT011 — the database's own error
        TimeClaim.objects.filter(pk=second.pk).update(starts_at=_at(10))


@pytest.mark.django_db
def test_a_lapsed_hold_frees_the_slot_and_cannot_be_converted():
    provider = make_provider()
    order = make_order(listing=None)
    hold = hold_time(
        provider=provider, starts_at=_at(9), ends_at=_at(11), held_by=order.customer
    )
    TimeClaim.objects.filter(pk=hold.pk).update(
        hold_expires_at=timezone.now() - timedelta(seconds=1)
    )

    claim_time(provider=provider, starts_at=_at(9), ends_at=_at(11))
    with pytest.raises(Conflict):
        convert_hold(provider=provider, hold_token=hold.hold_token, order=order)


@pytest.mark.django_db(transaction=True)
def test_64_concurrent_claims_on_one_slot_exactly_one_wins():
    provider = make_provider()
    start, end = _at(9), _at(11)
    barrier = threading.Barrier(64)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait()
            claim_time(provider=provider, starts_at=start, ends_at=end)
            result = "won"
        except Conflict:
            result = "slot_taken"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(set(outcomes)) == ["slot_taken", "won"]
    assert outcomes.count("won") == 1
    assert len(outcomes) == 64
    active = list(
        TimeClaim.objects.filter(
            provider=provider, released_at__isnull=True
        ).values_list("starts_at", "ends_at")
    )
    overlapping = [
        (a, b)
        for i, a in enumerate(active)
        for b in active[i + 1 :]
        if a[0] < b[1] and b[0] < a[1]
    ]
    assert overlapping == []
