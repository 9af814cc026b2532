"""A worker's own switches: on duty or not, and whether the platform may know
where they are while on duty.

Location is opt-in and only ever kept while on duty: going off duty (or turning
sharing off) forgets it in the same write, and the database refuses a location
on a worker off duty (``Worker``'s ``worker_location_only_on_duty``). Positions
come from the phone every ~30 seconds; each one is checked (on the globe,
accurate enough, fresh, not more often than ``MIN_INTERVAL``) before it is kept.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import Conflict, DomainError, NotFound, RateLimited
from doorstep.dispatch.models import Worker
from doorstep.dispatch.queries import worker_of

# The phone posts every ~30 s; a position closer than this to the last one is
# refused (a stuck script or a replay must not hammer the row ops watch).
MIN_INTERVAL = timedelta(seconds=10)
# A fix older than this says where the worker was, not where they are.
MAX_AGE = timedelta(minutes=2)
# Metres: a cell-tower guess across a district is no use to dispatch.
MAX_ACCURACY_METRES = 1_000


def require_worker(user: User) -> Worker:
    """``worker_of(user)``, or ``NotFound`` ``not_a_worker``."""
    worker = worker_of(user)
    if worker is None:
        raise NotFound("not_a_worker", _("You do not take platform jobs."))
    return worker


def _lock_worker_of(user: User) -> Worker:
    return Worker.objects.select_for_update().get(pk=require_worker(user).pk)


@transaction.atomic
def go_on_duty(*, user: User, now: datetime | None = None) -> Worker:
    """``user``'s worker is on duty from now (no change if already on duty).
    Raises ``NotFound`` ``not_a_worker``."""
    worker = _lock_worker_of(user)
    if worker.is_on_duty:
        return worker
    worker.is_on_duty = True
    worker.on_duty_since = now or timezone.now()
    worker.save(update_fields=["is_on_duty", "on_duty_since"])
    return worker


@transaction.atomic
def go_off_duty(*, user: User) -> Worker:
    """``user``'s worker is off duty: the location they shared is forgotten and
    sharing is switched off (it is opted into again per shift). A live offer
    stays theirs to answer until it runs out."""
    worker = _lock_worker_of(user)
    worker.is_on_duty = False
    worker.on_duty_since = None
    _forget_location(worker)
    worker.save(
        update_fields=[
            "is_on_duty",
            "on_duty_since",
            "shares_location",
            "latitude",
            "longitude",
            "located_at",
        ]
    )
    return worker


def _forget_location(worker: Worker) -> None:
    worker.shares_location = False
    worker.latitude = worker.longitude = worker.located_at = None


@transaction.atomic
def share_location(*, user: User, on: bool) -> Worker:
    """Opt in (``on``) or out of sharing the phone's position. Opting in is for
    a worker on duty only (``Conflict`` ``off_duty``); opting out forgets the
    position at once."""
    worker = _lock_worker_of(user)
    if on:
        if not worker.is_on_duty:
            raise Conflict(
                "off_duty", _("Go on duty first: location is only shared on duty.")
            )
        worker.shares_location = True
        worker.save(update_fields=["shares_location"])
        return worker
    _forget_location(worker)
    worker.save(
        update_fields=["shares_location", "latitude", "longitude", "located_at"]
    )
    return worker


def _check_position(latitude: float, longitude: float, accuracy: float | None) -> None:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        message = _("This is not a position on Earth.")
        raise DomainError(
            "location_out_of_range",
            message,
            fields={"latitude": [message], "longitude": [message]},
        )
    if accuracy is not None and not 0 <= accuracy <= MAX_ACCURACY_METRES:
        message = _("The position is too imprecise (more than %(metres)d m).") % {
            "metres": MAX_ACCURACY_METRES
        }
        raise DomainError(
            "location_inaccurate", message, fields={"accuracy": [message]}
        )


@transaction.atomic
def update_location(
    *,
    user: User,
    latitude: float,
    longitude: float,
    accuracy: float | None = None,
    recorded_at: datetime | None = None,
    now: datetime | None = None,
) -> Worker:
    """Keep where ``user``'s worker is now (from their phone). ``recorded_at``
    is when the phone took the fix (default: now).

    Raises ``NotFound`` ``not_a_worker``; ``Conflict`` ``location_not_shared``
    (off duty, or sharing is off); ``DomainError`` ``location_out_of_range``,
    ``location_inaccurate`` or ``location_stale`` (a fix older than
    ``MAX_AGE`` or from the future); ``RateLimited`` ``location_too_frequent``
    (within ``MIN_INTERVAL`` of the last one kept). Keeps nothing when it raises.
    """
    now = now or timezone.now()
    _check_position(latitude, longitude, accuracy)
    recorded_at = recorded_at or now
    if not now - MAX_AGE <= recorded_at <= now + timedelta(seconds=30):
        raise DomainError(
            "location_stale", _("This position is too old to say where you are.")
        )
    worker = _lock_worker_of(user)
    if not (worker.is_on_duty and worker.shares_location):
        raise Conflict(
            "location_not_shared",
            _("Location sharing is off: turn it on while on duty to share it."),
        )
    if worker.located_at is not None and now - worker.located_at < MIN_INTERVAL:
        raise RateLimited(
            "location_too_frequent",
            _("Your position was updated a moment ago; wait a few seconds."),
        )
    worker.latitude, worker.longitude, worker.located_at = latitude, longitude, now
    worker.save(update_fields=["latitude", "longitude", "located_at"])
    return worker
