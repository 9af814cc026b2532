"""The order states, said once, and the named sets of them other apps ask about.

Every module outside the process file compares an order's state with these
constants (``OrderState.ACCEPTED``) and these sets ("can the customer see the start
code?") instead of writing the strings out: a renamed or added state then changes
one place, and two screens cannot disagree on the same question (the API once
showed the start code in a state where the web page did not).

The process (``orders/processes/book_provider.py``) builds its ``State`` objects
from ``OrderState`` and ``TERMINAL_STATES``; a test checks that every set below
names only states the process defines. Members are ``str`` (``TextChoices``), so
they compare equal to the stored value and serialise as it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderState(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Waiting for payment")
    PAYMENT_EXPIRED = "payment_expired", _("Payment not completed")
    REQUESTED = "requested", _("Waiting for the provider")
    # Platform dispatch: paid, and the platform is offering the job to workers.
    DISPATCHING = "dispatching", _("Finding a worker")
    ACCEPTED = "accepted", _("Confirmed")
    ON_THE_WAY = "on_the_way", _("On the way")
    IN_SERVICE = "in_service", _("In service")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW_CUSTOMER = "no_show_customer", _("Customer did not show")
    NO_SHOW_PROVIDER = "no_show_provider", _("Provider did not show")
    DISPUTED = "disputed", _("In dispute")
    REFUNDED = "refunded", _("Refunded")


# The order is over: nothing moves it any more.
TERMINAL_STATES = frozenset(
    {
        OrderState.PAYMENT_EXPIRED,
        OrderState.COMPLETED,
        OrderState.DECLINED,
        OrderState.EXPIRED,
        OrderState.CANCELLED,
        OrderState.NO_SHOW_CUSTOMER,
        OrderState.NO_SHOW_PROVIDER,
        OrderState.REFUNDED,
    }
)
OPEN_STATES = frozenset(OrderState) - TERMINAL_STATES

# States only one buying mode has: the platform looks for a worker (dispatch); a
# provider was asked and has not answered (book a provider).
DISPATCH_ONLY_STATES = frozenset({OrderState.DISPATCHING})
BOOK_PROVIDER_ONLY_STATES = frozenset({OrderState.REQUESTED, OrderState.DECLINED})
# An order hired from a quote has neither: the provider agreed to the price and
# time before the order existed, and nobody is searched for.
NOT_IN_QUOTE_STATES = frozenset(
    {
        OrderState.REQUESTED,
        OrderState.DECLINED,
        OrderState.EXPIRED,
        OrderState.DISPATCHING,
    }
)

# Orders nobody has paid for: the customer's own business until the payment is
# authorised — the provider never sees them and they are not bookings.
UNPAID_STATES = frozenset({OrderState.AWAITING_PAYMENT, OrderState.PAYMENT_EXPIRED})

# The provider accepted and the job is on or done. Before them (and after a
# cancellation) contact details are masked; once a deal exists the two need to
# reach each other.
CONTACT_ALLOWED_STATES = frozenset(
    {
        OrderState.ACCEPTED,
        OrderState.ON_THE_WAY,
        OrderState.IN_SERVICE,
        OrderState.DELIVERED,
        OrderState.COMPLETED,
        OrderState.DISPUTED,
    }
)

# The customer sees the start code (web page and API alike) exactly while the
# provider may start the job with it: booked, not yet started. Before acceptance
# there is no job to start; once started the code has done its work.
START_CODE_STATES = frozenset({OrderState.ACCEPTED, OrderState.ON_THE_WAY})

# Booked and not finished: the job holds a place in the provider's schedule.
SCHEDULED_STATES = frozenset(
    {
        OrderState.ACCEPTED,
        OrderState.ON_THE_WAY,
        OrderState.IN_SERVICE,
        OrderState.DELIVERED,
    }
)

# Either side may propose another time.
RESCHEDULABLE_STATES = frozenset({OrderState.REQUESTED, OrderState.ACCEPTED})

# Paid for and not yet given to anyone: the ops dispatch board's open orders.
UNASSIGNED_STATES = frozenset({OrderState.DISPATCHING})

# The provider may add an extra charge (agreed on site, or after the job).
EXTRA_CHARGE_STATES = frozenset(
    {
        OrderState.ACCEPTED,
        OrderState.ON_THE_WAY,
        OrderState.IN_SERVICE,
        OrderState.DELIVERED,
        OrderState.COMPLETED,
    }
)

# A review may be written (and the provider's money released): the job is done.
REVIEWABLE_STATES = frozenset({OrderState.COMPLETED})

# In a calendar feed: asked for but not yet confirmed by the provider.
TENTATIVE_STATES = frozenset({OrderState.REQUESTED})

NAMED_SETS = {
    "TERMINAL_STATES": TERMINAL_STATES,
    "OPEN_STATES": OPEN_STATES,
    "DISPATCH_ONLY_STATES": DISPATCH_ONLY_STATES,
    "BOOK_PROVIDER_ONLY_STATES": BOOK_PROVIDER_ONLY_STATES,
    "NOT_IN_QUOTE_STATES": NOT_IN_QUOTE_STATES,
    "UNASSIGNED_STATES": UNASSIGNED_STATES,
    "UNPAID_STATES": UNPAID_STATES,
    "CONTACT_ALLOWED_STATES": CONTACT_ALLOWED_STATES,
    "START_CODE_STATES": START_CODE_STATES,
    "SCHEDULED_STATES": SCHEDULED_STATES,
    "RESCHEDULABLE_STATES": RESCHEDULABLE_STATES,
    "EXTRA_CHARGE_STATES": EXTRA_CHARGE_STATES,
    "REVIEWABLE_STATES": REVIEWABLE_STATES,
    "TENTATIVE_STATES": TENTATIVE_STATES,
}
