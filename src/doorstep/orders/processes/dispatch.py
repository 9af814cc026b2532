"""Platform dispatch (Urban Company, 58到家): the customer buys one of the
platform's fixed-price catalogue services for an address, at a time or "as soon
as possible", and pays; the platform then offers the job to the best qualified,
free, nearby worker (an independent provider or an agency's staff member), who
accepts or lets it pass to the next (``doorstep.dispatch``). From acceptance on
it is the same job as a booked one: on the way, started with the customer's
code, delivered, confirmed, reviewed, paid out.

    awaiting_payment ─pay→ dispatching ─assign→ accepted ─depart→ on_the_way
        ─start→ in_service ─deliver→ delivered ─confirm / auto_complete→ completed
    dispatching ─expire→ expired         (nobody took it before the promise ran out)
    accepted, on_the_way ─unassign→ dispatching   (the worker hands it back, ops
                                                   reassign, arrival promise broken)
    plus cancellations, no-shows and disputes as in ``book_provider``.

Offers are not order transitions: they live in ``dispatch.Offer`` (one live
offer per order and per worker, enforced by the database); the accepted offer
fires ``assign`` as the system, which names the worker and takes their time in
the same transaction (``scheduling.claim_time``, so a worker can never hold two
overlapping jobs). Ops may ``assign`` and ``unassign`` by hand from the dispatch
board (audited by the engine like every ops transition).

The money is that of ``book_provider``: authorised before anyone is asked,
captured on assignment (``DOORSTEP_CAPTURE_AT``), released on completion (split
between an agency and its staff member by ``payments.flows.release_order``),
voided when nobody could be found.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy

from doorstep.orders.process import Actor, Process, State, Timer, Transition
from doorstep.orders.process import TransitionContext as Context
from doorstep.orders.processes import book_provider as booked
from doorstep.orders.states import (
    BOOK_PROVIDER_ONLY_STATES,
    TERMINAL_STATES,
    OrderState,
)

CUSTOMER, PROVIDER, OPS, SYSTEM = (
    Actor.CUSTOMER,
    Actor.PROVIDER,
    Actor.OPS,
    Actor.SYSTEM,
)

AWAITING_PAYMENT = OrderState.AWAITING_PAYMENT.value
DISPATCHING = OrderState.DISPATCHING.value
ACCEPTED = OrderState.ACCEPTED.value
ON_THE_WAY = OrderState.ON_THE_WAY.value
EXPIRED = OrderState.EXPIRED.value
CANCELLED = OrderState.CANCELLED.value

STATES = tuple(
    State(state.value, state.label, terminal=state in TERMINAL_STATES)
    for state in OrderState
    if state not in BOOK_PROVIDER_ONLY_STATES
)


# --- Effects ------------------------------------------------------------------------


def open_for_dispatch(order, context: Context) -> None:
    """The money is held: start looking for a worker (after commit, so the
    first offer never goes out for a payment that rolled back)."""
    from doorstep.dispatch import cascade

    cascade.job_opened(order=order, now=context.now)
    transaction.on_commit(lambda: cascade.dispatch_soon(order_id=order.pk))


def take_worker(order, context: Context) -> None:
    """Name the worker and take their time. ``context.data`` carries
    ``worker`` (a ``dispatch.Worker`` public id) and the span to claim
    (``claim_starts_at``, ``claim_ends_at``, ISO 8601), and for an order "as
    soon as possible" the promised arrival as the new ``starts_at``. Raises
    ``Conflict`` ``slot_taken`` when the worker's time went meanwhile (the
    database refuses the overlapping claim), and nothing is changed."""
    from doorstep.dispatch import cascade

    cascade.take_worker(
        order=order,
        worker_id=str(context.data.get("worker", "")),
        claim_starts_at=_instant(context.data.get("claim_starts_at")),
        claim_ends_at=_instant(context.data.get("claim_ends_at")),
        starts_at=_instant(context.data.get("starts_at")),
        now=context.now,
    )


def drop_worker(order, context: Context) -> None:
    """The worker leaves the job: their time is freed and the order looks for
    someone else (the same offer never goes to them again)."""
    from doorstep.dispatch import cascade

    booked.release_time(order, context)
    cascade.drop_worker(order=order, now=context.now)
    transaction.on_commit(lambda: cascade.dispatch_soon(order_id=order.pk))


def record_departure(order, context: Context) -> None:
    """The promise's clock: when the worker set off (``dispatch.sla``)."""
    from doorstep.dispatch import sla

    sla.record_departure(order=order, now=context.now)


def record_arrival(order, context: Context) -> None:
    """The promise's clock: when the worker started at the door."""
    from doorstep.dispatch import sla

    sla.record_arrival(order=order, now=context.now)


def _instant(value) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def give_up_at(order) -> datetime | None:
    """Until when the platform keeps looking (``dispatch.DispatchJob``), as
    stored now: ``unassign`` moves it in the same transition."""
    from doorstep.dispatch.models import DispatchJob

    return (
        DispatchJob.objects.filter(order=order)
        .values_list("give_up_at", flat=True)
        .first()
    )


def remind_at(order) -> datetime | None:
    job = getattr(order, "dispatch_job", None)
    if job is None or job.is_asap:
        return None
    return order.starts_at - timedelta(hours=settings.DOORSTEP_REMINDER_HOURS_BEFORE)


TRANSITIONS = (
    Transition(
        "pay",
        frozenset({AWAITING_PAYMENT}),
        DISPATCHING,
        frozenset({SYSTEM}),
        gettext_lazy("Payment authorised: find a worker"),
        effects=(booked.capture_when_paid, open_for_dispatch),
    ),
    booked.shared("expire_payment"),
    Transition(
        "assign",
        frozenset({DISPATCHING}),
        ACCEPTED,
        frozenset({SYSTEM, OPS}),
        gettext_lazy("Assign a worker"),
        effects=(take_worker, booked.capture_on_acceptance),
    ),
    Transition(
        # The worker hands the job back (they cannot come after all), ops take
        # it from them, or the arrival promise is broken: someone else is found.
        "unassign",
        frozenset({ACCEPTED, ON_THE_WAY}),
        DISPATCHING,
        frozenset({PROVIDER, SYSTEM, OPS}),
        gettext_lazy("Hand the job to someone else"),
        effects=(drop_worker,),
    ),
    Transition(
        "expire",
        frozenset({DISPATCHING}),
        EXPIRED,
        frozenset({SYSTEM, OPS}),
        gettext_lazy("Nobody found: refund"),
        effects=(booked.release_time, booked.void_payment),
    ),
    # The customer's (or ops') to cancel: a worker who cannot come hands the
    # job back (``unassign``) instead of cancelling the customer's order.
    booked.shared(
        "cancel",
        sources=frozenset({DISPATCHING, ACCEPTED}),
        actors=frozenset({CUSTOMER, OPS, SYSTEM}),
    ),
    booked.shared("depart", effects=(*booked.effects_of("depart"), record_departure)),
    booked.shared("start", effects=(*booked.effects_of("start"), record_arrival)),
    booked.shared("deliver"),
    booked.shared("confirm"),
    booked.shared("auto_complete"),
    booked.shared("dispute"),
    booked.shared("resolve_complete"),
    booked.shared("resolve_refund"),
    booked.shared("resolve_split"),
    booked.shared("report_customer_no_show"),
    booked.shared("report_provider_no_show"),
)

TIMERS = (
    Timer(
        "expire_payment",
        AWAITING_PAYMENT,
        booked.payment_window_ends,
        "expire_payment",
    ),
    Timer("give_up", DISPATCHING, give_up_at, "expire"),
    Timer("remind_before_start", ACCEPTED, remind_at),
    Timer(
        "auto_complete",
        OrderState.DELIVERED.value,
        lambda order: (
            order.state_changed_at
            + timedelta(hours=settings.DOORSTEP_AUTO_COMPLETE_HOURS)
        ),
        "auto_complete",
    ),
)

DISPATCH = Process(
    name="dispatch",
    label=gettext_lazy("Platform dispatch"),
    states=STATES,
    transitions=TRANSITIONS,
    timers=TIMERS,
)
