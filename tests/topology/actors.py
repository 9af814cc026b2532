"""The topology test's direct work on the primary, run as its own process with
the deployment's settings (``python -m tests.topology.actors seed|pay|check``):

- ``seed``: a provider with a bookable listing, two customers with API tokens,
  browser sessions for the provider and the first customer, and an inquiry
  conversation; prints what the test needs as JSON.
- ``pay ORDER_ID…``: each order paid with the sandbox's good card, as a browser
  would, and accepted by the provider (the payment is captured: the ledger gets
  entries).
- ``check``: the ledger's invariants, as JSON: every journal entry balances per
  currency, and no account that must not goes negative.
"""

import json
import sys

import django


def seed() -> dict:
    from django.test import Client

    from doorstep.accounts.services import create_api_token
    from doorstep.messaging.services import start_inquiry
    from doorstep.orders.tests.conftest import at
    from doorstep.scheduling.tests.helpers import bookable_listing
    from tests.factories import make_user

    listing = bookable_listing(duration=120)
    provider = listing.provider.user
    customers = [make_user(name="Ann Race"), make_user(name="Bo Race")]
    tokens = [
        create_api_token(user=customer, name="topology")[1] for customer in customers
    ]

    def session(user) -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    conversation = start_inquiry(customer=customers[0], listing_id=listing.public_id)
    return {
        "listing_id": listing.public_id,
        "latitude": listing.latitude,
        "longitude": listing.longitude,
        "slots": [at("10:00", days=days).isoformat() for days in range(2, 7)],
        "tokens": tokens,
        "customer_session": session(customers[0]),
        "provider_session": session(provider),
        "conversation_id": conversation.public_id,
    }


def pay(order_ids: list[str]) -> dict:
    from doorstep.orders.engine import apply_transition
    from doorstep.orders.models import Order
    from doorstep.payments.gateways.sandbox import pay_with_sandbox_card

    states = {}
    for public_id in order_ids:
        order = Order.objects.get(public_id=public_id)
        order = pay_with_sandbox_card(order, "4242 4242 4242 4242")
        if order.state == "requested":
            # The provider accepts: the payment is captured, money moves.
            order = apply_transition(
                order_id=order.pk, name="accept", user=order.provider.user
            )
        states[public_id] = order.state
    return states


def check() -> dict:
    from collections import defaultdict

    from doorstep.payments.models import Posting

    sums: dict[tuple[int, str], int] = defaultdict(int)
    for entry_id, currency, amount in Posting.objects.values_list(
        "entry_id", "currency", "amount"
    ):
        sums[entry_id, currency] += amount
    return {
        "entries": len({entry for entry, _currency in sums}),
        "postings": Posting.objects.count(),
        "unbalanced": [
            [entry, currency, total]
            for (entry, currency), total in sums.items()
            if total != 0
        ],
    }


if __name__ == "__main__":
    django.setup()
    command, *rest = sys.argv[1:]
    result = {"seed": lambda: seed(), "pay": lambda: pay(rest), "check": check}[
        command
    ]()
    sys.stdout.write("RESULT " + json.dumps(result, default=str) + "\n")
