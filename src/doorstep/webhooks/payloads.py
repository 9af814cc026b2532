"""What a message says about an event, and whose event it is.

``describe`` gives the users an event concerns (the owners of ``own``
endpoints that hear of it) and the message's ``data``: public ids and states
only — never a primary key, a name, an address, a phone number, the words or
stars of a review still hidden, or an amount of someone else's money.
"""

from dataclasses import dataclass, field

from doorstep.events.models import Event


@dataclass(frozen=True)
class Facts:
    concerns: frozenset[int] = field(default_factory=frozenset)
    data: dict = field(default_factory=dict)


def _ids(*user_ids: int | None) -> frozenset[int]:
    return frozenset(user_id for user_id in user_ids if user_id)


def _order_facts(order_id: str, payload: dict) -> Facts | None:
    from doorstep.orders.models import Order

    order = (
        Order.objects.filter(public_id=order_id)
        .values("public_id", "mode", "state", "customer_id", "provider__user_id")
        .first()
    )
    if order is None:
        return None
    data = {"object": "order", "id": order["public_id"], "mode": order["mode"]}
    data["state"] = payload.get("to") or order["state"]
    if payload.get("from"):
        data["previous_state"] = payload["from"]
    if payload.get("actor"):
        data["actor"] = payload["actor"]  # a role ("customer"), never a person
    return Facts(_ids(order["customer_id"], order["provider__user_id"]), data)


def _review_facts(event: Event) -> Facts | None:
    from doorstep.reviews.models import Review

    review = (
        Review.objects.filter(public_id=event.subject)
        .values("public_id", "order__public_id", "customer_id", "provider__user_id")
        .first()
    )
    if review is None:  # ``review.window_closed`` is about an order
        facts = _order_facts(event.subject, {})
        if facts is None:
            return None
        return Facts(facts.concerns, {"object": "order", "id": event.subject})
    data = {"object": "review", "id": review["public_id"]}
    data["order"] = review["order__public_id"]
    return Facts(_ids(review["customer_id"], review["provider__user_id"]), data)


def _quote_facts(event: Event) -> Facts | None:
    from doorstep.quotes.models import Invitation, JobRequest, Quote

    subject = event.subject
    for model, kind in ((Quote, "quote"), (Invitation, "invitation")):
        row = (
            model.objects.filter(public_id=subject)
            .values(
                "public_id",
                "request__public_id",
                "request__customer_id",
                "provider__user_id",
            )
            .first()
        )
        if row is not None:
            data = {"object": kind, "id": subject, "request": row["request__public_id"]}
            concerns = _ids(row["request__customer_id"], row["provider__user_id"])
            return Facts(concerns, data)
    request = JobRequest.objects.filter(public_id=subject).values("customer_id").first()
    if request is None:
        return None
    return Facts(_ids(request["customer_id"]), {"object": "request", "id": subject})


def _payout_facts(event: Event) -> Facts | None:
    from doorstep.payments.models import PayoutRequest

    payout = (
        PayoutRequest.objects.filter(public_id=event.subject)
        .values("public_id", "status", "amount", "currency", "provider__user_id")
        .first()
    )
    if payout is None:
        return None
    data = {
        "object": "payout",
        "id": payout["public_id"],
        "status": payout["status"],
        "amount": {"amount": payout["amount"], "currency": payout["currency"]},
    }
    return Facts(_ids(payout["provider__user_id"]), data)


def describe(event: Event) -> Facts | None:
    """Whose ``event`` is and what a message about it says; ``None`` when its
    subject is gone (nothing is sent)."""
    family = event.topic.split(".", 1)[0]
    if family == "order":
        return _order_facts(event.subject, event.payload or {})
    return {
        "review": _review_facts,
        "quote": _quote_facts,
        "payout": _payout_facts,
    }.get(family, lambda _event: None)(event)
