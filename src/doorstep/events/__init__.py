"""Domain events: the outbox every state change writes in its own transaction.

A service that changes something others care about (an order moved, a review was
written) calls :func:`doorstep.events.services.record_event` inside its transaction.
The row commits with the change or not at all; after commit a task hands it to the
consumers (notifications, analytics, webhooks, the audit chain), each of which must
be idempotent because delivery is at least once.
"""
