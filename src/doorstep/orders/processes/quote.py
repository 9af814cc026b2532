"""Hire from a quote (Thumbtack): the customer posted a job request, providers
quoted, the customer accepted one (``quotes.services.hire``). The provider has
already agreed to the price and the time, so there is nothing left for them to
accept: the order is created with the quote's price, its time claimed on the
provider's calendar at once, and it is confirmed as soon as the payment is
authorised. From there it is the same job as a booked one: on the way,
started with the customer's code, delivered, confirmed, reviewed, paid out.

    awaiting_payment ─pay_instant→ accepted ─depart→ on_the_way ─start→
        in_service ─deliver→ delivered ─confirm / auto_complete→ completed
    awaiting_payment ─expire_payment→ payment_expired   (the quote can be
                                                         hired again)
    plus cancellations, no-shows and disputes as in ``book_provider``.

The request closes with the payment: the other providers are told then
(``quotes.services.close_hired_request``), not when the customer clicks "hire",
so an unpaid hire that lapses gives the customer their request back
(``reopen_after_lapse``). The money is that of ``book_provider``.
"""

from django.utils.translation import gettext_lazy

from doorstep.orders.process import Actor, Process, State, Transition
from doorstep.orders.process import TransitionContext as Context
from doorstep.orders.processes import book_provider as booked
from doorstep.orders.states import NOT_IN_QUOTE_STATES, TERMINAL_STATES, OrderState

CUSTOMER, PROVIDER, OPS, SYSTEM = (
    Actor.CUSTOMER,
    Actor.PROVIDER,
    Actor.OPS,
    Actor.SYSTEM,
)

AWAITING_PAYMENT = OrderState.AWAITING_PAYMENT.value
ACCEPTED = OrderState.ACCEPTED.value

STATES = tuple(
    State(state.value, state.label, terminal=state in TERMINAL_STATES)
    for state in OrderState
    if state not in NOT_IN_QUOTE_STATES
)


# --- Effects ------------------------------------------------------------------------


def close_hired_request(order, context: Context) -> None:
    """Paid: the request is settled; the other providers hear they were not
    chosen, in this transaction."""
    from doorstep.quotes import services

    services.close_hired_request(order=order, now=context.now)


def reopen_after_lapse(order, context: Context) -> None:
    """Not paid in time: the hire is undone and the request takes quotes again
    (if it has not run out meanwhile)."""
    from doorstep.quotes import services

    services.reopen_after_lapse(order=order, now=context.now)


TRANSITIONS = (
    Transition(
        # Fired by ``orders.services.confirm_order_payment`` (the order was
        # created as booked at once): the gateway holds the money.
        "pay_instant",
        frozenset({AWAITING_PAYMENT}),
        ACCEPTED,
        frozenset({SYSTEM}),
        gettext_lazy("Payment authorised: hired"),
        effects=(*booked.effects_of("pay_instant"), close_hired_request),
    ),
    booked.shared(
        "expire_payment",
        effects=(*booked.effects_of("expire_payment"), reopen_after_lapse),
    ),
    booked.shared("cancel", sources=frozenset({ACCEPTED})),
    booked.shared("depart"),
    booked.shared("start"),
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

# Those of a booking, but for the provider's answer: there is none to wait for.
TIMERS = tuple(timer for timer in booked.TIMERS if timer.name != "expire_request")

QUOTE = Process(
    name="quote",
    label=gettext_lazy("Hire from a quote"),
    states=STATES,
    transitions=TRANSITIONS,
    timers=TIMERS,
)
