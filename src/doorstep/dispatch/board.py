"""The ops dispatch board: what is open and who is out there (reads), and
assigning or reassigning an order by hand (writes), for the web page and the
API alike.

Every function checks the caller's ops role (``DISPATCH_ORDERS``); the surfaces
check the second factor. Assign and unassign are the order's own transitions,
fired as ops through the engine, which audits them with the reason given here
(and asks for ``ACT_ON_ORDERS`` too).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.backoffice.access import OpsPermission, require_ops_permission
from doorstep.core.errors import Conflict, DomainError, NotFound, raises
from doorstep.core.geo import distance_km
from doorstep.dispatch import cascade
from doorstep.dispatch.candidates import qualified_worker_ids
from doorstep.dispatch.models import DispatchJob, Offer, Worker
from doorstep.dispatch.travel import travel_minutes
from doorstep.orders.engine import apply_transition
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState

# The orders the board shows: still looking, taken, on the way.
OPEN_STATES = (OrderState.DISPATCHING, OrderState.ACCEPTED, OrderState.ON_THE_WAY)
REASON_LIMIT = 500


# --- Reads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """Time left to keep a promise (negative: late by that much), or ``None``
    when the promise was kept or does not apply any more."""

    seconds: int | None
    breached: bool

    @property
    def minutes(self) -> int | None:
        if self.seconds is None:
            return None
        return abs(self.seconds) // 60

    @property
    def late(self) -> bool:
        return self.breached or (self.seconds is not None and self.seconds < 0)


def _clock(deadline: datetime | None, *, kept: bool, breached_at, now) -> Clock:
    if kept or deadline is None:
        return Clock(None, breached_at is not None)
    return Clock(int((deadline - now).total_seconds()), breached_at is not None)


@dataclass(frozen=True)
class BoardJob:
    job: DispatchJob
    order: Order
    respond: Clock
    arrive: Clock
    # The live offers waiting for an answer (a tier of a booked job: several).
    pending_offers: tuple[Offer, ...] = ()

    @property
    def pending_offer(self) -> Offer | None:
        return self.pending_offers[0] if self.pending_offers else None

    @property
    def offered_to_names(self) -> str:
        return ", ".join(offer.worker.display_name for offer in self.pending_offers)


def open_jobs(*, user: User, now: datetime | None = None) -> list[BoardJob]:
    """Every dispatched order still open, the most urgent promise first."""
    require_ops_permission(user, OpsPermission.DISPATCH_ORDERS)
    now = now or timezone.now()
    jobs = (
        DispatchJob.objects.filter(order__state__in=OPEN_STATES)
        .select_related("order", "worker", "service", "city")
        .order_by("arrive_by", "pk")
    )
    pending: dict[int, list[Offer]] = {}
    for offer in (
        Offer.objects.filter(job__in=jobs, status=Offer.Status.PENDING)
        .select_related("worker")
        .order_by("slot", "pk")
    ):
        pending.setdefault(offer.job_id, []).append(offer)
    rows = []
    for job in jobs:
        responded = job.order.state != OrderState.DISPATCHING
        rows.append(
            BoardJob(
                job=job,
                order=job.order,
                respond=_clock(
                    job.assignment_due_at or job.respond_by,
                    kept=responded,
                    breached_at=job.response_breached_at,
                    now=now,
                ),
                arrive=_clock(
                    job.arrive_by,
                    kept=job.arrived_at is not None,
                    breached_at=job.arrival_breached_at,
                    now=now,
                ),
                pending_offers=tuple(pending.get(job.pk, ())),
            )
        )
    return rows


@dataclass(frozen=True)
class BoardWorker:
    worker: Worker
    latitude: float
    longitude: float
    current: Order | None


def on_duty_workers(*, user: User) -> list[BoardWorker]:
    """Workers on duty, where dispatch places them, and the job they hold."""
    require_ops_permission(user, OpsPermission.DISPATCH_ORDERS)
    workers = list(
        Worker.objects.filter(is_on_duty=True, accepts_dispatch=True).order_by(
            "display_name", "pk"
        )
    )
    current = {
        job.worker_id: job.order
        for job in DispatchJob.objects.filter(
            worker__in=workers,
            order__state__in=(OrderState.ACCEPTED, OrderState.ON_THE_WAY),
        ).select_related("order")
    }
    return [
        BoardWorker(worker, *worker.position, current.get(worker.pk))
        for worker in workers
    ]


def board_job(*, user: User, order_id: str) -> DispatchJob:
    """The job of dispatched order ``order_id``; 404 ``order_not_found``."""
    require_ops_permission(user, OpsPermission.DISPATCH_ORDERS)
    job = (
        DispatchJob.objects.select_related("order", "worker", "service", "city")
        .filter(order__public_id=order_id)
        .first()
    )
    if job is None:
        raise NotFound("order_not_found", _("No such dispatched order."))
    return job


@dataclass(frozen=True)
class Candidate:
    worker: Worker
    travel_minutes: int
    distance_km: float
    eligible: bool  # on duty (for "as soon as possible") and within their range


def candidates_for(*, user: User, order_id: str) -> list[Candidate]:
    """Workers qualified for the job's category: the eligible ones first, each
    group by travel time."""
    job = board_job(user=user, order_id=order_id)
    order = job.order
    destination = (order.latitude, order.longitude)
    found = []
    for worker in Worker.objects.filter(
        pk__in=qualified_worker_ids(job.category_id)
    ).select_related("provider", "staff"):
        distance = distance_km(*worker.position, *destination)
        eligible = distance <= float(worker.service_radius_km) and (
            worker.is_on_duty or not job.is_asap
        )
        found.append(
            Candidate(
                worker,
                travel_minutes(worker.position, destination),
                round(distance, 1),
                eligible,
            )
        )
    return sorted(found, key=lambda c: (not c.eligible, c.travel_minutes, c.worker.pk))


# --- Writes ---------------------------------------------------------------------------


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why: it goes into the audit trail.")
        raise DomainError(
            "invalid_input", message, status=400, fields={"reason": [message]}
        )
    return reason[:REASON_LIMIT]


def _worker(worker_id: str) -> Worker:
    worker = Worker.objects.filter(public_id=worker_id).first()
    if worker is None:
        raise NotFound("worker_not_found", _("No such worker."))
    return worker


def _assign(*, user: User, job: DispatchJob, worker: Worker, reason: str) -> Order:
    now = timezone.now()
    # Live offers to others are withdrawn (and they are told): ops decided.
    cascade.withdraw_live_offers(job=job, now=now)
    try:
        return apply_transition(
            order_id=job.order_id,
            name="assign",
            user=user,
            data={"worker": worker.public_id, "reason": reason, "by_hand": True}
            | cascade.claim_span(job, worker, now),
            expected_state=OrderState.DISPATCHING,
        )
    except Conflict as error:
        if error.code != "slot_taken":
            raise
        # Said for ops, beside the worker they chose (the caller's transaction
        # rolls back: the withdrawn offer is live again).
        message = _("This worker already has a job at that time. Choose someone else.")
        raise Conflict("slot_taken", message, fields={"worker": [message]}) from error


@raises("slot_taken", "worker_not_found")
@transaction.atomic
def assign_by_hand(*, user: User, order_id: str, worker_id: str, reason: str) -> Order:
    """Give a dispatching order to ``worker_id`` (a worker's public id) now.
    Raises 403 without ``DISPATCH_ORDERS`` (or ``ACT_ON_ORDERS``), 404
    ``order_not_found`` / ``worker_not_found``, 400 ``invalid_input`` without a
    reason, 409 ``state_changed`` when the order is no longer looking for a
    worker, 409 ``slot_taken`` when the worker's time is taken. Changes
    nothing when it raises."""
    reason = _reason(reason)
    job = board_job(user=user, order_id=order_id)
    worker = _worker(worker_id)
    job = cascade.lock_job(job.order_id)
    return _assign(user=user, job=job, worker=worker, reason=reason)


@transaction.atomic
def unassign_by_hand(*, user: User, order_id: str, reason: str) -> Order:
    """Take the order from its worker (accepted or on the way): it goes back
    to dispatching and the cascade looks for someone else. Raises 403, 404
    ``order_not_found``, 400 ``invalid_input`` without a reason, 409
    ``illegal_transition`` when nobody has it."""
    reason = _reason(reason)
    job = board_job(user=user, order_id=order_id)
    cascade.lock_job(job.order_id)
    return apply_transition(
        order_id=job.order_id,
        name="unassign",
        user=user,
        data={"reason": reason},
    )


@raises("slot_taken", "worker_not_found")
@transaction.atomic
def reassign_by_hand(
    *, user: User, order_id: str, worker_id: str, reason: str
) -> Order:
    """Take the order from its worker and give it to ``worker_id``, together or
    not at all (the first worker keeps it when the second cannot take it)."""
    reason = _reason(reason)
    job = board_job(user=user, order_id=order_id)
    worker = _worker(worker_id)
    job = cascade.lock_job(job.order_id)
    apply_transition(
        order_id=job.order_id,
        name="unassign",
        user=user,
        data={"reason": reason},
    )
    job.refresh_from_db()
    return _assign(user=user, job=job, worker=worker, reason=reason)
