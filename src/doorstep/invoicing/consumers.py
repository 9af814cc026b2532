"""What invoicing does when orders move (registered in ``events.consumers``;
delivered at least once, after commit, so idempotent).

An order's event issues whatever its ledger holds by now: the receipt once
its payment was captured, credit notes for its refunds, the fee invoice once
its money was released. Money flows run after the transition that decides
them, so the ledger may not hold it yet when the event arrives: the periodic
``issue_due_documents`` sweep issues what an event could not.
"""

import logging

from django.db import transaction

from doorstep.events.models import Event
from doorstep.invoicing.services import issue_documents_for_order
from doorstep.orders.models import Order

logger = logging.getLogger(__name__)


def on_order_event(event: Event) -> None:
    order = Order.objects.filter(public_id=event.subject).first()
    if order is None:
        return
    try:
        # A savepoint: a document that cannot be issued now must not fail the
        # delivery of the event to every other consumer; the sweep retries it.
        with transaction.atomic():
            issue_documents_for_order(order=order)
    except Exception:
        logger.exception("documents for %s not issued yet", order.public_id)
