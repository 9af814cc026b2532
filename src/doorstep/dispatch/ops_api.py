"""The dispatch board's API for ops: open dispatched orders with their promise
clocks, workers on duty, the candidates for an order, and assigning,
reassigning or unassigning by hand.

Ops only, with a token minted after the TOTP code or a session that passed it
(``backoffice.access.require_back_office``: 403 ``ops_mfa_required`` for staff
without, 404 for everyone else) and a role that dispatches (403
``ops_permission_required``). An order that is not a dispatched one answers 404.
"""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from doorstep.api.schemas import InputSchema
from doorstep.backoffice.access import require_back_office
from doorstep.core.errors import raises
from doorstep.dispatch import board

router = Router(tags=["dispatch (ops)"])


class ClockOut(Schema):
    seconds_left: int | None = Field(
        description="Until the promise is due; negative when late; null once kept."
    )
    breached: bool = Field(description="The periodic check recorded it as broken.")


class WorkerRefOut(Schema):
    id: str
    name: str


class BoardJobOut(Schema):
    order_id: str
    title: str
    state: str
    asap: bool
    latitude: float
    longitude: float
    worker: WorkerRefOut | None
    offered_to: WorkerRefOut | None = Field(
        description="A live offer waiting (the first, when several are)."
    )
    offers_waiting: list[WorkerRefOut] = Field(
        description=(
            "Every worker with a live offer of the job: a job booked for later is "
            "offered to several at once, and the first to accept takes it."
        )
    )
    respond_by: datetime | None
    arrive_by: datetime | None
    respond: ClockOut
    arrive: ClockOut
    first_offered_at: datetime | None
    accepted_at: datetime | None
    departed_at: datetime | None
    arrived_at: datetime | None
    compensated_amount: int


class JobsOut(Schema):
    items: list[BoardJobOut]


class WorkerOut(Schema):
    id: str
    name: str
    latitude: float
    longitude: float
    located_at: datetime | None = Field(description="Null: at their base.")
    current_order_id: str | None


class WorkersOut(Schema):
    items: list[WorkerOut]


class CandidateOut(Schema):
    worker: WorkerRefOut
    travel_minutes: int
    distance_km: float
    eligible: bool = Field(
        description="On duty (for as soon as possible) and within their range."
    )


class CandidatesOut(Schema):
    items: list[CandidateOut]


class AssignIn(InputSchema):
    worker: str = Field(description="The worker's id.", min_length=1, max_length=40)
    reason: str = Field(description="For the audit trail.", max_length=500)


class UnassignIn(InputSchema):
    reason: str = Field(description="For the audit trail.", max_length=500)


def _ref(worker) -> dict | None:
    if worker is None:
        return None
    return {"id": worker.public_id, "name": worker.display_name}


def _clock(clock: board.Clock) -> dict:
    return {"seconds_left": clock.seconds, "breached": clock.breached}


def _job_out(row: board.BoardJob) -> dict:
    job, order = row.job, row.order
    return {
        "order_id": order.public_id,
        "title": order.title,
        "state": order.state,
        "asap": job.is_asap,
        "latitude": order.latitude,
        "longitude": order.longitude,
        "worker": _ref(job.worker),
        "offered_to": _ref(row.pending_offer.worker) if row.pending_offer else None,
        "offers_waiting": [_ref(offer.worker) for offer in row.pending_offers],
        "respond_by": job.respond_by,
        "arrive_by": job.arrive_by,
        "respond": _clock(row.respond),
        "arrive": _clock(row.arrive),
        "first_offered_at": job.first_offered_at,
        "accepted_at": job.accepted_at,
        "departed_at": job.departed_at,
        "arrived_at": job.arrived_at,
        "compensated_amount": job.compensated_amount,
    }


def _one(request: HttpRequest, order_id: str) -> dict:
    user = require_back_office(request)
    job = board.board_job(user=user, order_id=order_id)
    rows = board.open_jobs(user=user)
    row = next((row for row in rows if row.job.pk == job.pk), None)
    if row is None:  # no longer open: its clocks stopped
        none = board.Clock(None, False)
        row = board.BoardJob(job, job.order, none, none, None)
    return _job_out(row)


@router.get(
    "/ops/dispatch/jobs",
    response=JobsOut,
    summary="Open dispatched orders (ops)",
    description="Dispatching, accepted or on the way, the earliest arrival "
    "promise first, with the time left on each promise.",
)
def list_jobs(request: HttpRequest):
    user = require_back_office(request)
    return {"items": [_job_out(row) for row in board.open_jobs(user=user)]}


@router.get(
    "/ops/dispatch/workers",
    response=WorkersOut,
    summary="Workers on duty (ops)",
    description="Where dispatch places each one and the order they hold.",
)
def list_workers(request: HttpRequest):
    user = require_back_office(request)
    return {
        "items": [
            {
                "id": row.worker.public_id,
                "name": row.worker.display_name,
                "latitude": row.latitude,
                "longitude": row.longitude,
                "located_at": row.worker.located_at,
                "current_order_id": row.current.public_id if row.current else None,
            }
            for row in board.on_duty_workers(user=user)
        ]
    }


@router.get(
    "/ops/dispatch/jobs/{order_id}/candidates",
    response=CandidatesOut,
    summary="Who could take a dispatched order (ops)",
    description="Workers qualified for its category, eligible ones first, "
    "nearest first.",
)
def list_candidates(request: HttpRequest, order_id: str):
    user = require_back_office(request)
    return {
        "items": [
            {
                "worker": _ref(candidate.worker),
                "travel_minutes": candidate.travel_minutes,
                "distance_km": candidate.distance_km,
                "eligible": candidate.eligible,
            }
            for candidate in board.candidates_for(user=user, order_id=order_id)
        ]
    }


@router.post(
    "/ops/dispatch/jobs/{order_id}/assign",
    response=BoardJobOut,
    summary="Assign or reassign a dispatched order (ops)",
    description="Gives the order to the worker; a worker who had it loses it, "
    "together or not at all. Audited with the reason. 409 `slot_taken` when the "
    "worker's time is taken, `state_changed` when the order moved on.",
)
# Chosen at run time, and the engine runs the process's effects through a table.
@raises(
    board.assign_by_hand,
    board.reassign_by_hand,
    "slot_taken",
    "state_changed",
    "worker_not_found",
)
def assign(request: HttpRequest, order_id: str, payload: AssignIn):
    user = require_back_office(request)
    job = board.board_job(user=user, order_id=order_id)
    change = board.reassign_by_hand if job.worker_id else board.assign_by_hand
    change(
        user=user, order_id=order_id, worker_id=payload.worker, reason=payload.reason
    )
    return _one(request, order_id)


@router.post(
    "/ops/dispatch/jobs/{order_id}/unassign",
    response=BoardJobOut,
    summary="Take a dispatched order from its worker (ops)",
    description="Back to dispatching; the cascade looks for someone else. "
    "Audited with the reason.",
)
def unassign(request: HttpRequest, order_id: str, payload: UnassignIn):
    user = require_back_office(request)
    board.unassign_by_hand(user=user, order_id=order_id, reason=payload.reason)
    return _one(request, order_id)
