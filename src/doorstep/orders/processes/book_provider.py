"""Book a provider (TaskRabbit, Sharetribe): the customer picks a listing and a free
slot and pays; only then does the provider hear of it and accept (or the
listing books instantly); the provider travels, starts with the customer's start
code, delivers; the customer confirms or disputes.

    awaiting_payment ─pay→ requested (─pay_instant→ accepted)
                     └expire_payment→ payment_expired
    requested ─accept→ accepted ─depart→ on_the_way ─start→ in_service ─deliver→
    delivered ─confirm / auto_complete→ completed
              └dispute→ disputed ─resolve_complete / resolve_split→ completed
                                  └resolve_refund→ refunded
    plus decline, expire, cancellations and no-shows (see TRANSITIONS).

The money follows (``payments.flows``, run after commit by ``schedule_money_flow``):
authorised before the provider sees the order (the gateway's payment intent,
confirmed in the customer's browser; an order nobody pays for lets its time go
after ``DOORSTEP_PAYMENT_WINDOW_MINUTES``), captured on acceptance
(``DOORSTEP_CAPTURE_AT``), released to the provider on completion, voided on
decline / expiry / provider no-show, settled per the cancellation policy on a
cancellation or a customer no-show, and refunded in full when ops resolve a
dispute for the customer.

An order paid later (``Order.payment_timing``, see ``payments.after_service``)
is booked without a payment (``book_pay_later`` / ``book_pay_later_instant``,
fired by the booking itself and refused for an order paid now): paid after the
service, the saved card is charged on completion (``charge_after_service``);
in cash, the provider confirms the cash received (``receive_cash``) and owes
the platform its commission and the service fee, taken from later earnings.
Every other order still waits for the gateway's word (``pay``).

    awaiting_payment ─book_pay_later→ requested (─book_pay_later_instant→ accepted)
    delivered ─receive_cash→ completed   (cash orders, the provider)
"""

import inspect
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from doorstep.core.errors import Conflict, DomainError
from doorstep.marketplace import policy
from doorstep.orders.process import Actor, Process, State, Timer, Transition
from doorstep.orders.process import TransitionContext as Context
from doorstep.orders.states import (
    DISPATCH_ONLY_STATES,
    TERMINAL_STATES,
    OrderState,
)
from doorstep.payments import after_service
from doorstep.payments.flows import ORDER_FLOWS

PAY_NOW, AFTER_SERVICE, CASH = (
    after_service.PAY_NOW,
    after_service.AFTER_SERVICE,
    after_service.CASH,
)

CUSTOMER, PROVIDER, OPS, SYSTEM = (
    Actor.CUSTOMER,
    Actor.PROVIDER,
    Actor.OPS,
    Actor.SYSTEM,
)

AWAITING_PAYMENT = OrderState.AWAITING_PAYMENT.value
PAYMENT_EXPIRED = OrderState.PAYMENT_EXPIRED.value
REQUESTED = OrderState.REQUESTED.value
ACCEPTED = OrderState.ACCEPTED.value
ON_THE_WAY = OrderState.ON_THE_WAY.value
IN_SERVICE = OrderState.IN_SERVICE.value
DELIVERED = OrderState.DELIVERED.value
COMPLETED = OrderState.COMPLETED.value
DECLINED = OrderState.DECLINED.value
EXPIRED = OrderState.EXPIRED.value
CANCELLED = OrderState.CANCELLED.value
NO_SHOW_CUSTOMER = OrderState.NO_SHOW_CUSTOMER.value
NO_SHOW_PROVIDER = OrderState.NO_SHOW_PROVIDER.value
DISPUTED = OrderState.DISPUTED.value
REFUNDED = OrderState.REFUNDED.value

# The states of ``orders.states`` this mode has, in their order; plain strings in
# the process data (what is stored, compared and drawn).
STATES = tuple(
    State(state.value, state.label, terminal=state in TERMINAL_STATES)
    for state in OrderState
    if state not in DISPATCH_ONLY_STATES
)


# --- Guards -------------------------------------------------------------------------


def start_code_matches(order, context: Context) -> None:
    """Proof the provider is at the door: the customer's 4-digit code (as Urban
    Company does). Ops may override without it, and the event records that."""
    if context.actor == Actor.OPS:
        context.data["override"] = True
        return
    if str(context.data.get("start_code", "")).strip() != order.start_code:
        raise DomainError(
            "wrong_start_code",
            _("Wrong start code. The customer sees it in their order."),
            fields={"start_code": [_("That start code is not right.")]},
        )
    context.data.pop("start_code", None)  # never keep the code in the history


def start_window_has_opened(order, context: Context) -> None:
    """A job starts (and so can be delivered) only from
    ``DOORSTEP_START_WINDOW_MINUTES`` before its start time: a provider must not
    start and finish a job days early and so get paid for work not yet done. Ops
    may override (the start guard records that)."""
    if context.actor == Actor.OPS:
        return
    minutes = settings.DOORSTEP_START_WINDOW_MINUTES
    if context.now < order.starts_at - timedelta(minutes=minutes):
        raise DomainError(
            "too_early_to_start",
            _("You can start the job %(minutes)d minutes before its start time.")
            % {"minutes": minutes},
        )


def start_time_has_passed(order, context: Context) -> None:
    """A no-show can be reported only after the start time plus a grace period."""
    minutes = policy.current().no_show_grace_minutes
    if context.now < order.starts_at + timedelta(minutes=minutes):
        raise DomainError(
            "too_early_for_no_show",
            _("You can report a no-show %(minutes)d minutes after the start time.")
            % {"minutes": minutes},
        )


def only_a_free_redo(order, context: Context) -> None:
    """Only a warranty redo (``support.redo.book_redo``: linked to the order it
    redoes, priced at zero) is booked without a payment; every other order,
    zero-priced or not, waits for the gateway's word (``pay``)."""
    if order.redo_of_id is None or order.total_amount != 0:
        raise Conflict(
            "payment_required",
            _("Only a free redo of a completed order is booked without a payment."),
        )


def pays_later(order, context: Context) -> None:
    """Only an order the customer chose to pay after the service (with a card
    to charge then) or in cash is booked before any money is held; an order
    paid now waits for the gateway's word (``pay``) — unpaid, it is never
    served."""
    if order.payment_timing not in after_service.PAYS_LATER:
        raise Conflict(
            "payment_required",
            _("This order is paid now: it is booked once the payment is held."),
        )
    if (
        order.payment_timing == AFTER_SERVICE
        and after_service.method_to_charge(order.customer) is None
    ):
        raise DomainError(
            "card_required",
            _("Save a card under Payment methods to pay after the service."),
        )


def cash_limit_allows(order, context: Context) -> None:
    """A provider who owes the platform too much (commission on cash jobs,
    fines) takes no more cash jobs until it is netted from their earnings."""
    if order.payment_timing != CASH:
        return
    if not after_service.can_take_cash(order.provider, order.currency):
        raise DomainError(
            "cash_limit_reached",
            _(
                "You owe the platform too much commission on cash jobs to take "
                "another one. It is taken from your next earnings."
            ),
        )


def under_standing_acceptance(order, context: Context) -> None:
    """A request accepted on the provider's standing word: fired by recurring
    bookings only for a visit of a series whose provider accepted the series
    once (``recurring.services.accept_series``), the series named in
    ``data["standing_acceptance"]``. The recurring service checks, under the
    series lock, that the acceptance still stands; this guard makes sure the
    order really is a visit of that series, so the bare transition accepts
    nothing else."""
    series_id = context.data.get("standing_acceptance")
    visit = getattr(order, "series_visit", None)
    if not series_id or visit is None or visit.series.public_id != series_id:
        raise Conflict(
            "no_standing_acceptance",
            _("Only a visit of a series the provider accepted is accepted for them."),
        )


def paid_in_cash(order, context: Context) -> None:
    if order.payment_timing != CASH:
        raise Conflict("not_cash", _("This order is not paid in cash."))


def opened_as_a_dispute(order, context: Context) -> None:
    """A problem is reported as a dispute on evidence: ``support.disputes``
    fires this with the dispute's id. The bare transition, with a reason only,
    would leave a disputed order nobody can decide on evidence."""
    if not context.data.get("dispute"):
        raise Conflict(
            "dispute_on_evidence",
            _(
                "Report a problem from the order's page: say what happened and "
                "add photos."
            ),
        )


def not_an_open_dispute(order, context: Context) -> None:
    """Ops may end by hand an order disputed before disputes had evidence;
    one with a dispute is decided on the dispute's page (which settles it as
    the system), so the dispute and the money agree."""
    dispute = getattr(order, "dispute", None)
    if context.actor != SYSTEM and dispute is not None and dispute.is_open:
        raise Conflict(
            "dispute_on_evidence",
            _("This order has a dispute: decide it on the dispute's page."),
        )


# --- Effects ------------------------------------------------------------------------


def release_time(order, context: Context) -> None:
    """A terminal state that frees the provider's time (cancellation, decline…)."""
    from doorstep.scheduling.services import release_order_time

    release_order_time(order=order, now=context.now)


def is_late_change(order, now) -> bool:
    """Inside the window before the start when changes are no longer free."""
    free_until = order.starts_at - timedelta(
        hours=policy.current().cancellation_free_hours
    )
    return now >= free_until


def policy_fee(order) -> int:
    """The cancellation policy's fee on this order, in minor units."""
    # On the provider's price: the service fee is the platform's, not at stake.
    return order.subtotal_amount * policy.current().cancellation_fee_bps // 10_000


def cancellation_fee_for(order, *, actor: Actor, from_state: str, now) -> int:
    """Free until N hours before the start, then a share of the total; providers
    and ops never charge the customer for their own cancellation, and a request
    the provider has not accepted is always free to withdraw."""
    late = actor == Actor.CUSTOMER and from_state == ACCEPTED
    return policy_fee(order) if late and is_late_change(order, now) else 0


def charge_cancellation_fee(order, context: Context) -> None:
    order.cancelled_by = context.actor.value
    fee = cancellation_fee_for(
        order, actor=context.actor, from_state=context.from_state, now=context.now
    )
    if order.payment_timing == CASH and fee:
        # Nothing of a cash order is held: the fee cannot be collected, and
        # the history says so rather than showing a fee nobody pays.
        context.data["fee_not_collected"] = {"amount": fee, "currency": order.currency}
        fee = 0
    order.cancellation_fee_amount = fee
    order.save(update_fields=["cancelled_by", "cancellation_fee_amount"])
    context.data["fee"] = {"amount": fee, "currency": order.currency}


def schedule_money_flow(flow: str, **arguments):
    """An effect that writes ``payments.flows.<flow>`` down for the order in the
    transition's transaction and runs it once the transition has committed: the
    gateway is never called inside the transaction (a network call must not hold
    the order's lock, and a rolled-back transition must not have moved money).
    Written down, the flow survives a lost task and a gateway that says "later":
    the ``retry_money_flows`` periodic job runs it until it is done. Each flow is
    idempotent, so a transition fired twice, a retry or the reconciliation posts
    once. ``arguments`` may be callables of (order, context), evaluated now.

    Raises ``ValueError`` here, when the process is defined, for a name that is
    not one of ``payments.flows.ORDER_FLOWS`` or arguments that flow does not
    take: a typo must stop the import, not a payment after commit."""
    flow_function = ORDER_FLOWS.get(flow)
    if flow_function is None:
        raise ValueError(
            f"Unknown money flow {flow!r}; known: {', '.join(sorted(ORDER_FLOWS))}"
        )
    try:
        inspect.signature(flow_function).bind(order=None, **arguments)
    except TypeError as error:
        raise ValueError(f"Money flow {flow!r}: {error}") from None

    def effect(order, context: Context) -> None:
        from doorstep.payments.pending_flows import schedule_money_flow as write_down

        values = {
            name: value(order, context) if callable(value) else value
            for name, value in arguments.items()
        }
        write_down(order=order, flow=flow, arguments=values)

    effect.__name__ = f"schedule_{flow}"
    return effect


def for_timings(*timings: str):
    """An effect that runs only for orders paid with one of ``timings``."""

    def wrap(effect):
        def conditional(order, context: Context) -> None:
            if order.payment_timing in timings:
                effect(order, context)

        conditional.__name__ = effect.__name__
        conditional.__doc__ = effect.__doc__
        return conditional

    return wrap


def capture_on_acceptance(order, context: Context) -> None:
    """With ``DOORSTEP_CAPTURE_AT`` "acceptance" (the default) the money is taken
    when the provider accepts; "booking" took it already, and "after_service"
    leaves it on hold until completion (the release captures first). An order
    paid later has nothing held to take."""
    from doorstep.payments.conf import setting

    if order.payment_timing != PAY_NOW:
        return
    if setting("DOORSTEP_CAPTURE_AT") == "acceptance":
        schedule_money_flow("capture_order")(order, context)


def capture_when_paid(order, context: Context) -> None:
    """Once the payment is authorised: capture at once under "booking", or under
    "acceptance" when the listing books instantly (the order is accepted now)."""
    from doorstep.payments.conf import setting

    capture_at = setting("DOORSTEP_CAPTURE_AT")
    if capture_at == "booking" or (
        capture_at == "acceptance" and order.state == ACCEPTED
    ):
        schedule_money_flow("capture_order")(order, context)


def start_response_window(order, context: Context) -> None:
    """The provider's time to answer runs from when they hear of the request
    (its payment), never past the start."""
    window = timedelta(hours=order.listing.response_window_hours)
    order.respond_by = min(context.now + window, order.starts_at)
    order.save(update_fields=["respond_by"])


def payment_window_ends(order) -> datetime:
    from doorstep.payments.conf import setting

    minutes = setting("DOORSTEP_PAYMENT_WINDOW_MINUTES")
    return order.state_changed_at + timedelta(minutes=minutes)


def record_cash_received(order, context: Context) -> None:
    """The provider confirms the customer's cash."""
    order.cash_received_at = context.now
    order.save(update_fields=["cash_received_at"])


def owe_cash_commission(order, context: Context) -> None:
    """A cash order completed: the provider owes the platform its commission
    and the service fee (``payments.after_service.record_cash_payment``), in
    this transaction — no gateway is involved."""
    if order.payment_timing == CASH:
        after_service.record_cash_payment(order=order)


# Completion: the money held is released; an order paid after the service is
# charged first; a cash order's commission is owed by the provider.
release_money = for_timings(PAY_NOW)(schedule_money_flow("release_order"))
charge_after_service = for_timings(AFTER_SERVICE)(
    schedule_money_flow("charge_after_service")
)
void_payment = schedule_money_flow("void_order")
settle_cancellation = for_timings(PAY_NOW)(schedule_money_flow("settle_cancellation"))
charge_cancellation_fee_to_card = for_timings(AFTER_SERVICE)(
    schedule_money_flow(
        "charge_fee_after_service",
        fee=lambda order, context: order.cancellation_fee_amount,
    )
)
settle_customer_no_show = for_timings(PAY_NOW)(
    schedule_money_flow(
        "settle_cancellation", fee=lambda order, context: policy_fee(order)
    )
)
charge_no_show_fee_to_card = for_timings(AFTER_SERVICE)(
    schedule_money_flow(
        "charge_fee_after_service", fee=lambda order, context: policy_fee(order)
    )
)
COMPLETION_EFFECTS = (release_money, charge_after_service, owe_cash_commission)
refund_in_full = schedule_money_flow("refund_in_full", reference="dispute")
# A dispute settled on a split (``support.disputes``): the refund the parties
# agreed or ops decided goes back to the customer, the rest to the provider.
# (Paid after the service: the saved card is charged first. In cash: the
# parties settle the cash between them; the platform takes no commission.)
settle_dispute_split = for_timings(PAY_NOW)(
    schedule_money_flow(
        "settle_dispute",
        refund_amount=lambda order, context: int(context.data["refund"]["amount"]),
        reference=lambda order, context: str(context.data["dispute"]),
    )
)
settle_dispute_split_after_service = for_timings(AFTER_SERVICE)(
    schedule_money_flow(
        "settle_dispute_after_service",
        refund_amount=lambda order, context: int(context.data["refund"]["amount"]),
        reference=lambda order, context: str(context.data["dispute"]),
    )
)


def record_delivery_photos(order, context: Context) -> None:
    photos = context.data.get("photos") or []
    context.data["photos"] = [str(photo)[:300] for photo in photos][:10]


TRANSITIONS = (
    Transition(
        "accept",
        frozenset({REQUESTED}),
        ACCEPTED,
        frozenset({PROVIDER}),
        gettext_lazy("Accept"),
        guards=(cash_limit_allows,),
        effects=(capture_on_acceptance,),
    ),
    Transition(
        # A visit of a recurring series on a request-to-book listing, booked
        # after the provider accepted the series once: the system accepts it
        # on their standing word, as the provider's own "accept" would.
        "accept_standing",
        frozenset({REQUESTED}),
        ACCEPTED,
        frozenset({SYSTEM}),
        gettext_lazy("Accept under the provider's standing acceptance"),
        guards=(under_standing_acceptance, cash_limit_allows),
        effects=(capture_on_acceptance,),
    ),
    Transition(
        "decline",
        frozenset({REQUESTED}),
        DECLINED,
        frozenset({PROVIDER}),
        gettext_lazy("Decline"),
        effects=(release_time, void_payment),
    ),
    Transition(
        "expire",
        frozenset({REQUESTED}),
        EXPIRED,
        frozenset({SYSTEM}),
        gettext_lazy("Expire"),
        effects=(release_time, void_payment),
    ),
    Transition(
        # Only the gateway's word that the money is held moves an order on
        # (``orders.services.confirm_order_payment``): nobody can accept, start
        # or review an order that was never paid for.
        "pay",
        frozenset({AWAITING_PAYMENT}),
        REQUESTED,
        frozenset({SYSTEM}),
        gettext_lazy("Payment authorised: ask the provider"),
        effects=(start_response_window, capture_when_paid),
    ),
    Transition(
        "pay_instant",
        frozenset({AWAITING_PAYMENT}),
        ACCEPTED,
        frozenset({SYSTEM}),
        gettext_lazy("Payment authorised: booked"),
        effects=(capture_when_paid,),
    ),
    Transition(
        # Fired by the booking itself (``orders.services.place_order``) for an
        # order paid after the service or in cash; refused for any other.
        "book_pay_later",
        frozenset({AWAITING_PAYMENT}),
        REQUESTED,
        frozenset({SYSTEM}),
        gettext_lazy("Booked to pay later: ask the provider"),
        guards=(pays_later, cash_limit_allows),
        effects=(start_response_window,),
    ),
    Transition(
        "book_pay_later_instant",
        frozenset({AWAITING_PAYMENT}),
        ACCEPTED,
        frozenset({SYSTEM}),
        gettext_lazy("Booked to pay later"),
        guards=(pays_later, cash_limit_allows),
    ),
    Transition(
        "expire_payment",
        frozenset({AWAITING_PAYMENT}),
        PAYMENT_EXPIRED,
        frozenset({SYSTEM}),
        gettext_lazy("Let the time go: not paid in time"),
        # A hold made after the window closed is released too.
        effects=(release_time, void_payment),
    ),
    Transition(
        "cancel",
        frozenset({REQUESTED, ACCEPTED}),
        CANCELLED,
        # The system cancels a suspended provider's future orders (trust's
        # standards enforcement), free for the customer and refunded in full.
        frozenset({CUSTOMER, PROVIDER, OPS, SYSTEM}),
        gettext_lazy("Cancel"),
        guards=(),
        effects=(
            charge_cancellation_fee,
            release_time,
            settle_cancellation,
            charge_cancellation_fee_to_card,
        ),
    ),
    Transition(
        "depart",
        frozenset({ACCEPTED}),
        ON_THE_WAY,
        frozenset({PROVIDER}),
        gettext_lazy("I'm on my way"),
    ),
    Transition(
        "start",
        frozenset({ACCEPTED, ON_THE_WAY}),
        IN_SERVICE,
        frozenset({PROVIDER, OPS}),
        gettext_lazy("Start the job"),
        guards=(start_window_has_opened, start_code_matches),
    ),
    Transition(
        "deliver",
        frozenset({IN_SERVICE}),
        DELIVERED,
        frozenset({PROVIDER}),
        gettext_lazy("Mark as done"),
        effects=(record_delivery_photos,),
    ),
    Transition(
        "confirm",
        frozenset({DELIVERED}),
        COMPLETED,
        frozenset({CUSTOMER}),
        gettext_lazy("Confirm it's done"),
        effects=COMPLETION_EFFECTS,
    ),
    Transition(
        "auto_complete",
        frozenset({DELIVERED}),
        COMPLETED,
        frozenset({SYSTEM}),
        gettext_lazy("Complete automatically"),
        effects=COMPLETION_EFFECTS,
    ),
    Transition(
        # A cash order: the provider confirms the customer paid them, which
        # completes the job (as the customer's confirmation would).
        "receive_cash",
        frozenset({DELIVERED}),
        COMPLETED,
        frozenset({PROVIDER}),
        gettext_lazy("Cash received"),
        guards=(paid_in_cash,),
        effects=(record_cash_received, owe_cash_commission),
    ),
    Transition(
        # The customer from the order page, or either side through a dispute
        # on evidence (``support.disputes``, which fires it as the party).
        "dispute",
        frozenset({DELIVERED}),
        DISPUTED,
        frozenset({CUSTOMER, PROVIDER}),
        gettext_lazy("Report a problem"),
        guards=(opened_as_a_dispute,),
    ),
    Transition(
        # The system: a dispute settled by agreement or decided by ops
        # (``support.disputes``, which audits the decision).
        "resolve_complete",
        frozenset({DISPUTED}),
        COMPLETED,
        frozenset({OPS, SYSTEM}),
        gettext_lazy("Resolve: pay the provider"),
        guards=(not_an_open_dispute,),
        effects=COMPLETION_EFFECTS,
    ),
    Transition(
        "resolve_refund",
        frozenset({DISPUTED}),
        REFUNDED,
        frozenset({OPS, SYSTEM}),
        gettext_lazy("Resolve: refund the customer"),
        guards=(not_an_open_dispute,),
        effects=(refund_in_full,),
    ),
    Transition(
        # A partial refund (``data["refund"]``) for dispute ``data["dispute"]``,
        # the rest paid to the provider; fired by ``support.disputes`` only.
        "resolve_split",
        frozenset({DISPUTED}),
        COMPLETED,
        frozenset({SYSTEM}),
        gettext_lazy("Resolve: refund part, pay the provider the rest"),
        effects=(settle_dispute_split, settle_dispute_split_after_service),
    ),
    Transition(
        "report_customer_no_show",
        frozenset({ACCEPTED, ON_THE_WAY}),
        NO_SHOW_CUSTOMER,
        frozenset({PROVIDER, OPS}),
        gettext_lazy("Customer did not show"),
        guards=(start_time_has_passed,),
        effects=(release_time, settle_customer_no_show, charge_no_show_fee_to_card),
    ),
    Transition(
        "report_provider_no_show",
        frozenset({ACCEPTED, ON_THE_WAY}),
        NO_SHOW_PROVIDER,
        frozenset({CUSTOMER, OPS}),
        gettext_lazy("Provider did not show"),
        guards=(start_time_has_passed,),
        effects=(release_time, void_payment),
    ),
    Transition(
        # A warranty redo: the provider comes back for free, at a time both
        # agreed, claimed on their calendar like any booking. Nothing to pay,
        # so nothing to wait for; completing it releases nothing.
        "book_redo",
        frozenset({AWAITING_PAYMENT}),
        ACCEPTED,
        frozenset({SYSTEM}),
        gettext_lazy("Free redo under the warranty: booked"),
        guards=(only_a_free_redo,),
    ),
)

TIMERS = (
    Timer("expire_payment", AWAITING_PAYMENT, payment_window_ends, "expire_payment"),
    Timer("expire_request", REQUESTED, lambda order: order.respond_by, "expire"),
    Timer(
        "remind_before_start",
        ACCEPTED,
        lambda order: (
            order.starts_at - timedelta(hours=settings.DOORSTEP_REMINDER_HOURS_BEFORE)
        ),
    ),
    Timer(
        "auto_complete",
        DELIVERED,
        lambda order: (
            order.state_changed_at
            + timedelta(hours=settings.DOORSTEP_AUTO_COMPLETE_HOURS)
        ),
        "auto_complete",
    ),
)

BOOK_PROVIDER = Process(
    name="book_provider",
    label=gettext_lazy("Book a provider"),
    states=STATES,
    transitions=TRANSITIONS,
    timers=TIMERS,
)


def shared(name: str, **changes) -> Transition:
    """A transition of this process, for another mode that has the same step
    (with the sources, actors or effects it changes)."""
    transition = BOOK_PROVIDER.transition(name)
    fields = {
        "name": transition.name,
        "sources": transition.sources,
        "target": transition.target,
        "actors": transition.actors,
        "label": transition.label,
        "guards": transition.guards,
        "effects": transition.effects,
    } | changes
    return Transition(**fields)


def effects_of(name: str) -> tuple:
    return tuple(BOOK_PROVIDER.transition(name).effects)
