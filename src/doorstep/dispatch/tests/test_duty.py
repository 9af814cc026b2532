"""A worker goes on and off duty and, only while on duty and opted in, shares
where they are; every position is checked before it is kept."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from doorstep.core.errors import Conflict, DomainError, NotFound, RateLimited
from doorstep.dispatch import duty
from doorstep.dispatch.models import Worker
from doorstep.dispatch.tests.helpers import HOME, make_agency, make_worker
from tests.factories import make_category, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker():
    return make_worker(make_category(), on_duty=False)


def _user(worker: Worker):
    return worker.staff.user if worker.staff_id else worker.provider.user


def _sharing(worker: Worker) -> Worker:
    duty.go_on_duty(user=_user(worker))
    return duty.share_location(user=_user(worker), on=True)


def test_going_on_duty_records_since_when(worker):
    now = timezone.now()

    result = duty.go_on_duty(user=_user(worker), now=now)

    worker.refresh_from_db()
    assert (result.is_on_duty, worker.is_on_duty, worker.on_duty_since) == (
        True,
        True,
        now,
    )


def test_going_on_duty_twice_keeps_the_first_time(worker):
    first = timezone.now() - timedelta(hours=1)
    duty.go_on_duty(user=_user(worker), now=first)

    duty.go_on_duty(user=_user(worker))

    worker.refresh_from_db()
    assert worker.on_duty_since == first


def test_going_off_duty_forgets_the_location_and_the_opt_in(worker):
    _sharing(worker)
    duty.update_location(user=_user(worker), latitude=HOME[0], longitude=HOME[1])

    duty.go_off_duty(user=_user(worker))

    worker.refresh_from_db()
    assert not worker.is_on_duty
    assert worker.on_duty_since is None
    assert not worker.shares_location
    assert (worker.latitude, worker.longitude, worker.located_at) == (None,) * 3


def test_a_staff_member_is_their_agencys_worker():
    agency = make_agency()
    worker = make_worker(make_category(), staff_of=agency, on_duty=False)

    duty.go_on_duty(user=worker.staff.user)

    worker.refresh_from_db()
    assert worker.is_on_duty


def test_someone_without_a_worker_cannot_go_on_duty():
    with pytest.raises(NotFound) as raised:
        duty.go_on_duty(user=make_user())

    assert raised.value.code == "not_a_worker"


def test_sharing_needs_duty(worker):
    with pytest.raises(Conflict) as raised:
        duty.share_location(user=_user(worker), on=True)

    assert raised.value.code == "off_duty"
    worker.refresh_from_db()
    assert not worker.shares_location


def test_a_position_is_kept_while_sharing_on_duty(worker):
    _sharing(worker)

    duty.update_location(
        user=_user(worker), latitude=31.2, longitude=121.5, accuracy=12
    )

    worker.refresh_from_db()
    assert (worker.latitude, worker.longitude) == (31.2, 121.5)
    assert worker.located_at is not None
    assert worker.position == (31.2, 121.5)


def test_a_position_is_refused_without_the_opt_in(worker):
    duty.go_on_duty(user=_user(worker))

    with pytest.raises(Conflict) as raised:
        duty.update_location(user=_user(worker), latitude=31.2, longitude=121.5)

    assert raised.value.code == "location_not_shared"
    worker.refresh_from_db()
    assert worker.latitude is None


def test_a_position_is_refused_off_duty(worker):
    with pytest.raises(Conflict) as raised:
        duty.update_location(user=_user(worker), latitude=31.2, longitude=121.5)

    assert raised.value.code == "location_not_shared"


def test_turning_sharing_off_forgets_the_position(worker):
    _sharing(worker)
    duty.update_location(user=_user(worker), latitude=31.2, longitude=121.5)

    duty.share_location(user=_user(worker), on=False)

    worker.refresh_from_db()
    assert not worker.shares_location
    assert worker.latitude is None


@pytest.mark.parametrize(
    ("latitude", "longitude", "accuracy", "code"),
    [
        (91, 121.5, None, "location_out_of_range"),
        (31.2, -181, None, "location_out_of_range"),
        (31.2, 121.5, 5_000, "location_inaccurate"),
        (31.2, 121.5, -1, "location_inaccurate"),
    ],
)
def test_bad_positions_are_refused(worker, latitude, longitude, accuracy, code):
    _sharing(worker)

    with pytest.raises(DomainError) as raised:
        duty.update_location(
            user=_user(worker),
            latitude=latitude,
            longitude=longitude,
            accuracy=accuracy,
        )

    assert raised.value.code == code
    worker.refresh_from_db()
    assert worker.latitude is None


@pytest.mark.parametrize(
    "age", [timedelta(minutes=3), timedelta(minutes=-5)], ids=["old", "future"]
)
def test_a_stale_position_is_refused(worker, age):
    _sharing(worker)
    now = timezone.now()

    with pytest.raises(DomainError) as raised:
        duty.update_location(
            user=_user(worker),
            latitude=31.2,
            longitude=121.5,
            recorded_at=now - age,
            now=now,
        )

    assert raised.value.code == "location_stale"


def test_positions_closer_than_the_interval_are_refused(worker):
    _sharing(worker)
    now = timezone.now()
    duty.update_location(user=_user(worker), latitude=31.2, longitude=121.5, now=now)

    with pytest.raises(RateLimited) as raised:
        duty.update_location(
            user=_user(worker),
            latitude=31.3,
            longitude=121.5,
            now=now + duty.MIN_INTERVAL - timedelta(seconds=1),
        )
    duty.update_location(
        user=_user(worker),
        latitude=31.4,
        longitude=121.5,
        now=now + duty.MIN_INTERVAL,
    )

    assert raised.value.code == "location_too_frequent"
    worker.refresh_from_db()
    assert worker.latitude == 31.4


def test_the_database_refuses_a_location_off_duty(worker):
    worker.latitude, worker.longitude = 31.2, 121.5

    with pytest.raises(IntegrityError), transaction.atomic():
        worker.save()
