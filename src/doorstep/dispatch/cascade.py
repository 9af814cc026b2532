"""Offering a job to workers until one takes it.

A job "as soon as possible" is offered to one worker at a time (the batch round
chooses whom, ``dispatch.batch``). A job booked for later is offered to a tier
of the best ``DispatchJob.offers_at_once`` candidates at once (TIDY's tiers;
``SlaPolicy.offers_at_once``, 3 by default): the first to accept takes it and
the others' offers are withdrawn in the same transaction (they are told, and
a late accept gets ``offer_taken``); when the whole tier declines or lets its
offers lapse, the next tier is asked. Answers to a booked job take minutes, so
one worker at a time let a single decline or lapse eat the response promise.

Each offer's answer window shrinks as the response promise nears
(``offer_window``): at most half of what is left of it, so a tier that all
decline or lapse leaves time for the next.

Each write is one function in one transaction. The database keeps two runs of
the dispatcher honest (``models.Offer``'s constraints: one live offer per job
and slot and per worker; ``scheduling.TimeClaim``'s: no overlapping jobs per
worker); a tier is made and an offer accepted under the job's row lock, so a
lost race is a skipped candidate or a "taken" answer, never a double
assignment.

Each offer's window is a durable timer: a task due when it closes
(``tasks.lapse_offer``, where the task backend can delay) and the periodic sweep
``lapse_dispatch_offers`` behind it; a lapse or a decline passes the job on at
once. A job nobody can be offered is escalated once (ops alerted, the customer
told) and tried again every minute (``retry_unplaced_dispatch_jobs``) until its
promise runs out (``give_up_at``), when the order's timer expires it.

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
from doorstep.dispatch.candidates import (
    Ranked,
    eligible_workers,
    job_span,
    passes_vetting,
    rank,
    workers_to_vet,
)
from doorstep.dispatch.models import DispatchJob, Offer, Worker
from doorstep.dispatch.travel import travel_minutes
from doorstep.events.services import record_event
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState

logger = logging.getLogger(__name__)

# The reason kept on an offer accepted when the worker's time had gone.
SLOT_TAKEN = "slot_taken"
# The reason kept on an offer withdrawn because someone else took the job.
TAKEN = "taken"
# An offer's answer window is at most this share of what is left of the
# response promise, and never shorter than ``SHORTEST_WINDOW`` (nor longer than
# the policy's window).
WINDOW_SHARE = 0.5
SHORTEST_WINDOW = timedelta(minutes=2)


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
    """The order's worker leaves it (see ``orders.processes.dispatch.drop_worker``),
    and the job gets a fresh window to find someone (``sla.reopen_job``)."""
    from doorstep.dispatch import sla

    order.provider = None
    order.staff = None
    order.save(update_fields=["provider", "staff"])
    job = DispatchJob.objects.select_for_update().get(order=order)
    job.worker, job.accepted_at, job.departed_at = None, None, None
    job.save(update_fields=["worker", "accepted_at", "departed_at"])
    sla.reopen_job(job=job, now=now)


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
    slot: int = 0,
) -> Offer | None:
    """Offer ``job`` to ``worker`` until the answer window closes
    (``offer_window``), in ``slot`` of the job's offers made at once.
    Returns ``None`` when the database refuses: the job's slot or the worker
    already has a live offer, or the worker had this job before (another
    dispatcher got there first — the caller tries the next candidate)."""
    try:
        with transaction.atomic():
            offer = Offer.objects.create(
                job=job,
                worker=worker,
                offered_at=now,
                expires_at=now + offer_window(job, now),
                cost=cost,
                travel_minutes=travel,
                batch=batch,
                slot=slot,
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
            transaction.on_commit(lambda: _arm_expiry(offer))
    except IntegrityError:
        return None
    return offer


def offer_window(job: DispatchJob, now: datetime) -> timedelta:
    """How long an offer made now stays open: the policy's window, cut to
    ``WINDOW_SHARE`` of what is left until the job must be taken
    (``assignment_due_at``; past it, until the platform gives up), and never
    under ``SHORTEST_WINDOW`` unless the policy's window is shorter still."""
    full = timedelta(seconds=job.offer_seconds)
    deadline = job.assignment_due_at or job.respond_by
    if deadline is None or deadline <= now:
        deadline = job.give_up_at
    if deadline is None or deadline <= now:
        return full
    return min(full, max((deadline - now) * WINDOW_SHARE, SHORTEST_WINDOW))


def _arm_expiry(offer: Offer) -> None:
    """The offer's durable timer: a task due when its window closes. A backend
    that cannot delay tasks (the immediate one) leaves it to the periodic sweep
    ``lapse_dispatch_offers``, which lapses every overdue offer anyway."""
    from doorstep.dispatch.tasks import lapse_offer

    if lapse_offer.get_backend().supports_defer:
        lapse_offer.using(run_after=offer.expires_at).enqueue(offer.pk)


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


def _taken() -> Conflict:
    return Conflict("offer_taken", _("Another worker took this job first."))


def _unanswerable(offer: Offer, now: datetime) -> Conflict | None:
    """Why ``offer`` (locked) cannot be answered now, or ``None``."""
    if offer.status == Offer.Status.WITHDRAWN and offer.decline_reason == TAKEN:
        return _taken()
    if not offer.is_pending or offer.expires_at <= now:
        return _closed()
    return None


def claim_span(job: DispatchJob, worker: Worker, now: datetime) -> dict[str, str]:
    """The time the job takes from ``worker`` (``candidates.job_span``), and
    for "as soon as possible" the promised arrival as the job's new start."""
    starts, ends = job_span(job, worker, now)
    span = {"claim_starts_at": starts.isoformat(), "claim_ends_at": ends.isoformat()}
    if job.is_asap:
        order = job.order
        travel = travel_minutes(worker.position, (order.latitude, order.longitude))
        span["starts_at"] = (now + timedelta(minutes=travel)).isoformat()
    return span


def accept_offer(*, offer_id: str, user: User) -> Offer:
    """The worker takes the job: the offer is accepted, the order assigned to
    them and the job's other live offers withdrawn (``withdraw_live_offers``),
    together or not at all. The job's row lock decides between two workers of
    one tier accepting at once: the second finds their offer withdrawn.
    Raises ``NotFound`` (not their offer), ``Conflict`` ``offer_taken``
    (another worker of the tier took the job first), ``offer_closed``
    (answered, withdrawn, lapsed) or ``slot_taken`` (their time went
    meanwhile: the offer is then declined for them and the job offered on at
    once). Changes nothing when it raises, but for that decline."""
    from doorstep.orders.engine import apply_transition

    offer = offer_of(offer_id=offer_id, user=user)
    now = timezone.now()
    try:
        with transaction.atomic():
            job = lock_job(offer.job.order_id)
            offer = lock_offer(offer.pk)
            refusal = _unanswerable(offer, now)
            if refusal is not None:
                raise refusal
            offer.status = Offer.Status.ACCEPTED
            offer.answered_at = now
            offer.save(update_fields=["status", "answered_at"])
            apply_transition(
                order_id=job.order_id,
                name="assign",
                user=None,
                system=True,
                data={"worker": offer.worker.public_id, "offer": offer.public_id}
                | claim_span(job, offer.worker, now),
                expected_state=OrderState.DISPATCHING,
            )
            withdraw_live_offers(job=job, now=now, reason=TAKEN)
    except Conflict as error:
        if error.code == "slot_taken":
            # They cannot take it after all: the job goes on to the next
            # worker now, not when this offer's window would have closed.
            _close_offer(offer_id=offer.pk, reason=SLOT_TAKEN, now=now)
        raise
    return offer


def decline_offer(*, offer_id: str, user: User, reason: str = "") -> Offer:
    """The worker passes; the job goes to the next candidate (or, for a tier
    offered at once, to the next tier when the whole tier has passed).
    Raises ``offer_taken`` when someone else took the job, ``offer_closed``
    when the offer is not live any more."""
    offer = offer_of(offer_id=offer_id, user=user)
    closed = _close_offer(offer_id=offer.pk, reason=reason, now=timezone.now())
    if closed is None:
        offer.refresh_from_db(fields=["status", "decline_reason"])
        raise _unanswerable(offer, timezone.now()) or _closed()
    return closed


def withdraw_live_offers(
    *, job: DispatchJob, now: datetime, reason: str = TAKEN
) -> list[Offer]:
    """Withdraw every live offer of ``job`` (locked by the caller): someone
    took it (a worker of the tier, or ops by hand). Each worker asked is told
    (``dispatch.offer_withdrawn``, in the caller's transaction)."""
    live = list(
        Offer.objects.select_for_update()
        .filter(job=job, status=Offer.Status.PENDING)
        .select_related("worker")
    )
    for offer in live:
        offer.status = Offer.Status.WITHDRAWN
        offer.answered_at = now
        offer.decline_reason = reason
        offer.save(update_fields=["status", "answered_at", "decline_reason"])
        record_event(
            topic="dispatch.offer_withdrawn",
            subject=job.order.public_id,
            payload={
                "offer": offer.public_id,
                "worker": offer.worker.public_id,
                "reason": reason,
            },
        )
    return live


def _close_offer(*, offer_id: int, reason: str, now: datetime) -> Offer | None:
    """Close a live offer as declined and pass its job on after commit;
    ``None`` when it was not live any more."""
    with transaction.atomic():
        offer = lock_offer(offer_id)
        if not offer.is_pending:
            return None
        offer.status = Offer.Status.DECLINED
        offer.answered_at = now
        offer.decline_reason = reason[:200]
        offer.save(update_fields=["status", "answered_at", "decline_reason"])
        order_id = offer.job.order_id
        record_event(
            topic="dispatch.offer_declined",
            subject=offer.job.order.public_id,
            payload={"offer": offer.public_id, "worker": offer.worker.public_id},
        )
        transaction.on_commit(lambda: dispatch_soon(order_id=order_id))
    return offer


def lapse_offer(*, offer_id: int, now: datetime | None = None) -> bool:
    """Close one offer whose window ran out and pass its job on at once.
    Returns whether it lapsed it (a repeat, or an offer answered meanwhile, does
    nothing): the offer row is locked and its status is the claim."""
    now = now or timezone.now()
    with transaction.atomic():
        offer = lock_offer(offer_id)
        if not offer.is_pending or offer.expires_at > now:
            return False
        offer.status = Offer.Status.LAPSED
        offer.save(update_fields=["status"])
        job = DispatchJob.objects.select_related("order").get(pk=offer.job_id)
        record_event(
            topic="dispatch.offer_lapsed",
            subject=job.order.public_id,
            payload={"offer": offer.public_id, "worker": offer.worker.public_id},
        )
        transaction.on_commit(lambda: dispatch_soon(order_id=job.order_id))
    return True


def withdraw_stale_offers(*, now: datetime | None = None) -> int:
    """Withdraw the live offers of jobs that no longer need a worker (the
    order was cancelled, expired or assigned by ops): the worker is free for
    the next offer at once instead of when the window closes."""
    now = now or timezone.now()
    return (
        Offer.objects.filter(status=Offer.Status.PENDING)
        .exclude(job__order__state=OrderState.DISPATCHING)
        .update(status=Offer.Status.WITHDRAWN, answered_at=now)
    )


def lapse_offers(*, now: datetime | None = None) -> int:
    """Close every offer whose window ran out and pass its job on, and
    withdraw the offers of jobs that need nobody any more. The sweep behind
    each offer's own timer (``lapse_dispatch_offers``, every 15 seconds)."""
    now = now or timezone.now()
    withdraw_stale_offers(now=now)
    overdue = (
        Offer.objects.filter(status=Offer.Status.PENDING, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("pk", flat=True)[:500]
    )
    return sum(lapse_offer(offer_id=offer_id, now=now) for offer_id in list(overdue))


# --- Choosing the next worker (one job at a time) -------------------------------------


def candidates(job: DispatchJob, *, now: datetime) -> list[Worker]:
    """Workers who may be offered ``job`` now, best first (the rules and the
    score: ``dispatch.candidates``)."""
    return [ranked.worker for ranked in ranked_candidates(job, now=now)]


def ranked_candidates(job: DispatchJob, *, now: datetime) -> list[Ranked]:
    return rank(job, eligible_workers(job, now=now), now=now)


def offer_next(*, order_id: int, now: datetime | None = None) -> Offer | None:
    """Offer the job to the next tier of candidates (``offer_tier``); the first
    offer made, or ``None``."""
    offers = offer_tier(order_id=order_id, now=now)
    return offers[0] if offers else None


def offer_tier(*, order_id: int, now: datetime | None = None) -> list[Offer]:
    """Offer the job at once to the best ``offers_at_once`` candidates left (one
    for a job "as soon as possible"), if it has no live offer and still needs a
    worker. Made under the job's row lock, so two dispatchers never make two
    tiers. Returns the offers made: none when it needs nobody or still waits
    for the tier before, or when nobody is left (then the job is escalated,
    once)."""
    now = now or timezone.now()
    with transaction.atomic():
        job = lock_job(order_id)
        if job.order.state != OrderState.DISPATCHING or job.worker_id:
            return []
        if job.offers.filter(status=Offer.Status.PENDING).exists():
            return []
        size = 1 if job.is_asap else max(1, job.offers_at_once)
        offers: list[Offer] = []
        # Ranked before the costly rules (documents, working hours), which then
        # run best first and stop once the tier is full.
        for candidate in rank(job, workers_to_vet(job, now=now), now=now):
            if not passes_vetting(candidate.worker, job, now):
                continue
            offer = make_offer(
                job=job,
                worker=candidate.worker,
                now=now,
                cost=round(1 - candidate.score, 4),
                travel=candidate.travel_minutes,
                slot=len(offers),
            )
            if offer is not None:
                offers.append(offer)
                if len(offers) == size:
                    break
        if not offers:
            escalate(job=job, now=now)
    return offers


def retry_unplaced_jobs(*, now: datetime | None = None) -> int:
    """Try again for every job nobody could be found for while its promise can
    still be kept (before ``give_up_at``): a worker may have come on duty,
    finished a job or widened their range. Run every minute
    (``retry_unplaced_dispatch_jobs``); returns the offers made."""
    now = now or timezone.now()
    waiting = (
        DispatchJob.objects.filter(
            escalated_at__isnull=False,
            order__state=OrderState.DISPATCHING,
            give_up_at__gt=now,
        )
        .exclude(offers__status=Offer.Status.PENDING)
        .values_list("order_id", flat=True)
    )
    return sum(
        offer_next(order_id=order_id, now=now) is not None for order_id in list(waiting)
    )


def escalate(*, job: DispatchJob, now: datetime) -> bool:
    """Nobody is left to ask: the job waits for ops (``escalated_at``, until
    it goes back to dispatching afresh). Ops are alerted and the customer
    told once per job (``ops_alerted_at``), not again each time a periodic
    run or a later search finds nobody."""
    updated = DispatchJob.objects.filter(pk=job.pk, escalated_at__isnull=True).update(
        escalated_at=now
    )
    if updated:
        first = DispatchJob.objects.filter(
            pk=job.pk, ops_alerted_at__isnull=True
        ).update(ops_alerted_at=now)
        if first:
            record_event(
                topic="dispatch.no_worker",
                subject=job.order.public_id,
                payload={"offers_made": job.offers_made},
            )
    return bool(updated)
