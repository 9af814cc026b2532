"""Offering a job to workers, one at a time, until one takes it.

Each write is one function in one transaction. The database keeps two runs of
the dispatcher honest (``models.Offer``'s constraints: one live offer per job
and per worker; ``scheduling.TimeClaim``'s: no overlapping jobs per worker);
a lost race is a skipped candidate, never a double assignment.

The order's state moves only through its process (``orders/processes/
dispatch.py``): an accepted offer fires ``assign`` as the system, whose effect
(``take_worker`` here) names the worker and claims their time in the same
transaction.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.accounts.models import User
from doorstep.core.errors import Conflict, NotFound
from doorstep.core.geo import distance_km
from doorstep.dispatch.models import DispatchJob, Offer, Worker
from doorstep.dispatch.travel import travel_minutes
from doorstep.events.services import record_event
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState

logger = logging.getLogger(__name__)


# --- Locks (one place, one order: job, then offer, then worker) ----------------------


def lock_job(order_id: int) -> DispatchJob:
    return (
        DispatchJob.objects.select_for_update(of=("self",))
        .select_related("order")
        .get(order_id=order_id)
    )


def lock_offer(offer_id: int) -> Offer:
    return Offer.objects.select_for_update().get(pk=offer_id)


# --- Called by the process's effects (inside the order's transaction) ----------------


def job_opened(*, order: Order, now: datetime) -> DispatchJob:
    """The order is paid for: its promise clocks start now."""
    job = DispatchJob.objects.select_for_update().get(order=order)
    from doorstep.dispatch import sla

    sla.open_job(job=job, now=now)
    return job


def take_worker(
    *,
    order: Order,
    worker_id: str,
    claim_starts_at: datetime | None,
    claim_ends_at: datetime | None,
    starts_at: datetime | None,
    now: datetime,
) -> None:
    """Make ``worker_id`` the order's worker and claim their time (see
    ``orders.processes.dispatch.take_worker``)."""
    from doorstep.scheduling.services import claim_time

    worker = (
        Worker.objects.select_related("provider", "staff")
        .filter(public_id=worker_id)
        .first()
    )
    if worker is None:
        raise NotFound("worker_not_found", _("No such worker."))
    if starts_at is not None:
        length = order.ends_at - order.starts_at
        order.starts_at, order.ends_at = starts_at, starts_at + length
    order.provider = worker.provider
    order.staff = worker.staff
    order.save(update_fields=["provider", "staff", "starts_at", "ends_at"])
    claim_time(
        provider=worker.provider,
        staff_key=worker.staff_key,
        starts_at=claim_starts_at or order.starts_at,
        ends_at=claim_ends_at or order.ends_at,
        order=order,
    )
    DispatchJob.objects.filter(order=order).update(worker=worker, accepted_at=now)


def drop_worker(*, order: Order, now: datetime) -> None:
    """The order's worker leaves it (see ``orders.processes.dispatch.drop_worker``)."""
    order.provider = None
    order.staff = None
    order.save(update_fields=["provider", "staff"])
    DispatchJob.objects.filter(order=order).update(
        worker=None, accepted_at=None, departed_at=None
    )


def dispatch_soon(*, order_id: int) -> None:
    """Look for a worker for this order now, outside the caller's transaction
    (a queued task; the immediate backend runs it at once)."""
    from doorstep.dispatch.tasks import dispatch_order

    dispatch_order.enqueue(order_id)


# --- Offers ---------------------------------------------------------------------------


def make_offer(
    *,
    job: DispatchJob,
    worker: Worker,
    now: datetime,
    cost: float | None = None,
    travel: int | None = None,
    batch: str = "",
) -> Offer | None:
    """Offer ``job`` to ``worker`` until the job's answer window closes.
    Returns ``None`` when the database refuses: the job or the worker already
    has a live offer, or the worker had this job before (another dispatcher got
    there first — the caller tries the next candidate)."""
    try:
        with transaction.atomic():
            offer = Offer.objects.create(
                job=job,
                worker=worker,
                offered_at=now,
                expires_at=now + timedelta(seconds=job.offer_seconds),
                cost=cost,
                travel_minutes=travel,
                batch=batch,
            )
            DispatchJob.objects.filter(pk=job.pk, first_offered_at__isnull=True).update(
                first_offered_at=now
            )
            job.offers_made += 1
            DispatchJob.objects.filter(pk=job.pk).update(offers_made=job.offers_made)
            record_event(
                topic="dispatch.offer_made",
                subject=job.order.public_id,
                payload={"offer": offer.public_id, "worker": worker.public_id},
            )
    except IntegrityError:
        return None
    return offer


def offer_of(*, offer_id: str, user: User) -> Offer:
    """The offer, if it was made to ``user`` (as an independent provider or as a
    staff member); ``NotFound`` otherwise."""
    offer = (
        Offer.objects.select_related("job__order", "worker__staff", "worker__provider")
        .filter(public_id=offer_id)
        .first()
    )
    if offer is None or not is_worker_user(offer.worker, user):
        raise NotFound("offer_not_found", _("No such job offer."))
    return offer


def is_worker_user(worker: Worker, user: User) -> bool:
    if worker.staff_id is not None:
        return worker.staff.user_id == user.pk
    return worker.provider.user_id == user.pk


def _closed() -> Conflict:
    return Conflict(
        "offer_closed",
        _("This job is no longer on offer to you."),
    )


def claim_span(job: DispatchJob, worker: Worker, now: datetime) -> dict[str, str]:
    """The time the job takes from ``worker``: for "as soon as possible", from
    now (they set off) to the promised arrival plus the job; for a booked time,
    the travel before it and the job."""
    order = job.order
    travel = travel_minutes(worker.position, (order.latitude, order.longitude))
    length = order.ends_at - order.starts_at
    if job.is_asap:
        arrival = now + timedelta(minutes=travel)
        return {
            "claim_starts_at": now.isoformat(),
            "claim_ends_at": (arrival + length).isoformat(),
            "starts_at": arrival.isoformat(),
        }
    return {
        "claim_starts_at": (order.starts_at - timedelta(minutes=travel)).isoformat(),
        "claim_ends_at": order.ends_at.isoformat(),
    }


def accept_offer(*, offer_id: str, user: User) -> Offer:
    """The worker takes the job: the offer is accepted and the order assigned
    to them, together or not at all. Raises ``NotFound`` (not their offer),
    ``Conflict`` ``offer_closed`` (answered, withdrawn, lapsed) or ``slot_taken``
    (their time went meanwhile)."""
    from doorstep.orders.engine import apply_transition

    offer = offer_of(offer_id=offer_id, user=user)
    now = timezone.now()
    with transaction.atomic():
        lock_job(offer.job.order_id)
        offer = lock_offer(offer.pk)
        if not offer.is_pending or offer.expires_at <= now:
            raise _closed()
        offer.status = Offer.Status.ACCEPTED
        offer.answered_at = now
        offer.save(update_fields=["status", "answered_at"])
        job = offer.job
        apply_transition(
            order_id=job.order_id,
            name="assign",
            user=None,
            system=True,
            data={"worker": offer.worker.public_id, "offer": offer.public_id}
            | claim_span(job, offer.worker, now),
            expected_state=OrderState.DISPATCHING,
        )
    return offer


def decline_offer(*, offer_id: str, user: User, reason: str = "") -> Offer:
    """The worker passes; the job goes to the next candidate."""
    offer = offer_of(offer_id=offer_id, user=user)
    now = timezone.now()
    with transaction.atomic():
        offer = lock_offer(offer.pk)
        if not offer.is_pending:
            raise _closed()
        offer.status = Offer.Status.DECLINED
        offer.answered_at = now
        offer.decline_reason = reason[:200]
        offer.save(update_fields=["status", "answered_at", "decline_reason"])
        order_id = offer.job.order_id
        transaction.on_commit(lambda: dispatch_soon(order_id=order_id))
    return offer


def lapse_offers(*, now: datetime | None = None) -> int:
    """Close every offer whose window ran out and pass its job on. The durable
    timer of offers: run by the periodic sweep and after each dispatch round."""
    now = now or timezone.now()
    lapsed = 0
    for offer_id in list(
        Offer.objects.filter(status=Offer.Status.PENDING, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:500]
    ):
        with transaction.atomic():
            offer = lock_offer(offer_id)
            if not offer.is_pending:
                continue
            offer.status = Offer.Status.LAPSED
            offer.save(update_fields=["status"])
            order_id = offer.job.order_id
            transaction.on_commit(
                lambda order_id=order_id: dispatch_soon(order_id=order_id)
            )
        lapsed += 1
    return lapsed


# --- Choosing the next worker (one job at a time) -------------------------------------


def candidates(job: DispatchJob, *, now: datetime) -> list[Worker]:
    """Workers who could take ``job`` now, best first: on duty (for "as soon as
    possible") or taking platform jobs, skilled in its category, within their
    range, never offered this job, without a live offer."""
    order = job.order
    from doorstep.dispatch.candidates import qualified_worker_ids

    workers = (
        Worker.objects.filter(pk__in=qualified_worker_ids(job.category_id))
        .exclude(offers__job=job)
        .exclude(offers__status=Offer.Status.PENDING)
        .select_related("provider", "staff")
    )
    if job.is_asap:
        workers = workers.filter(is_on_duty=True)
    found = []
    for worker in workers:
        distance = distance_km(*worker.position, order.latitude, order.longitude)
        if distance <= float(worker.service_radius_km):
            found.append((distance, worker.pk, worker))
    return [worker for _distance, _pk, worker in sorted(found)]


def offer_next(*, order_id: int, now: datetime | None = None) -> Offer | None:
    """Offer the job to the best candidate left, if it has no live offer and
    still needs a worker. ``None`` when it needs none or nobody is left (then
    the job is escalated)."""
    now = now or timezone.now()
    job = DispatchJob.objects.select_related("order").get(order_id=order_id)
    if job.order.state != OrderState.DISPATCHING:
        return None
    if job.offers.filter(status=Offer.Status.PENDING).exists():
        return None
    for worker in candidates(job, now=now):
        travel = travel_minutes(
            worker.position, (job.order.latitude, job.order.longitude)
        )
        offer = make_offer(job=job, worker=worker, now=now, travel=travel)
        if offer is not None:
            return offer
    escalate(job=job, now=now)
    return None


def escalate(*, job: DispatchJob, now: datetime) -> bool:
    """Nobody is left to ask: alert ops and tell the customer, once."""
    updated = DispatchJob.objects.filter(pk=job.pk, escalated_at__isnull=True).update(
        escalated_at=now
    )
    if updated:
        record_event(
            topic="dispatch.no_worker",
            subject=job.order.public_id,
            payload={"offers_made": job.offers_made},
        )
    return bool(updated)
