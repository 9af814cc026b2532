"""What goes into the log: the canonical record of each logged fact.

**Canonical form.** A record is a JSON object serialised with keys sorted by
code point, no insignificant whitespace (``","`` and ``":"`` separators),
non-ASCII characters written as themselves, and the result encoded as UTF-8.
Values are only strings, integers (money in minor units), ``null``, lists and
objects — never floats — so this is also RFC 8785 (JCS) for every record the
log holds. Every record has ``"v": 1`` (the record format) and ``"type"``.
Times are UTC, ISO 8601 with microseconds and ``Z``. The leaf is these bytes;
its hash is ``SHA-256(0x00 || bytes)``.

**Personal data.** The log is public forever, so a record names people only by
a pseudonym: ``HMAC-SHA256(salt, context || 0x00 || user public id)``, hex,
where ``salt`` is the installation's secret ``DOORSTEP_TLOG_SALT`` and
``context`` the public id of the record's subject (the review or order). With
the salt secret nobody can test a guessed user id against a record; with the
subject mixed in, one person's records cannot be linked to each other through
the log. The operator (who holds the salt) can still recompute every record
from its source rows, which is what ``doorstep log verify`` does. Review texts
appear only as their SHA-256; providers and orders by their public ids, which
are public already.

**Sources.** Records are built from rows, both when they are appended and when
the verifier checks them again: an outbox event (``events.Event``) for reviews
becoming public, hidden or shown again and for orders completed, and the
ledger's journal entries (``payments.JournalEntry``, with payouts among them).
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings

from doorstep.events.models import Event
from doorstep.orders.models import Order
from doorstep.orders.states import OrderState
from doorstep.payments.flows import PAYOUT, PAYOUT_PAID, PAYOUT_RETURNED
from doorstep.payments.models import JournalEntry
from doorstep.reviews.models import Review

RECORD_VERSION = 1

REVIEW_PUBLISHED = "review.published"
REVIEW_HIDDEN = "review.hidden"
REVIEW_UNHIDDEN = "review.unhidden"
ORDER_COMPLETED = "order.completed"
LEDGER_ENTRY = "ledger.entry"

# The outbox topics the log reads; every other event is passed over.
LOGGED_TOPICS = ("review.revealed", "review.hidden", "review.unhidden", "order.")
PAYOUT_KINDS = frozenset({PAYOUT, PAYOUT_PAID, PAYOUT_RETURNED})


@dataclass(frozen=True)
class Record:
    source: str  # "event:<pk>" or "journal:<pk>"
    kind: str
    subject: str
    related_ref: str
    data: bytes


class SourceMissing(Exception):
    """The row a logged record was built from is gone."""


def canonical_json(value: dict) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pseudonym(*, context: str, user_public_id: str) -> str:
    salt = settings.DOORSTEP_TLOG_SALT.encode("utf-8")
    message = context.encode("utf-8") + b"\x00" + user_public_id.encode("utf-8")
    return hmac.new(salt, message, hashlib.sha256).hexdigest()


def _record(source: str, subject: str, related_ref: str, body: dict) -> Record:
    body = {"v": RECORD_VERSION, **body}
    return Record(
        source=source,
        kind=body["type"],
        subject=subject,
        related_ref=related_ref,
        data=canonical_json(body),
    )


# --- From an outbox event -----------------------------------------------------------


def is_logged_event(event: Event) -> bool:
    if event.topic in ("review.revealed", "review.hidden", "review.unhidden"):
        return True
    return (
        event.topic.startswith("order.")
        and (event.payload or {}).get("to") == OrderState.COMPLETED
    )


def record_of_event(event: Event) -> Record | None:
    """The record an event stands for, or ``None`` for events the log skips.
    Raises :class:`SourceMissing` if the row it describes is gone."""
    if not is_logged_event(event):
        return None
    source = f"event:{event.pk}"
    if event.topic == "review.revealed":
        return _review_published(source, event.subject)
    if event.topic in ("review.hidden", "review.unhidden"):
        review = _review(event.subject)
        kind = REVIEW_HIDDEN if event.topic == "review.hidden" else REVIEW_UNHIDDEN
        return _record(
            source,
            review.public_id,
            review.order.public_id,
            {
                "type": kind,
                "review": review.public_id,
                "order": review.order.public_id,
                "reason": str((event.payload or {}).get("reason", "")),
                "at": timestamp(event.occurred_at),
            },
        )
    order = (
        Order.objects.select_related("customer", "provider")
        .filter(public_id=event.subject)
        .first()
    )
    if order is None:
        raise SourceMissing(f"order {event.subject}")
    return _record(
        source,
        order.public_id,
        order.public_id,
        {
            "type": ORDER_COMPLETED,
            "order": order.public_id,
            "provider": order.provider.public_id,
            "customer": pseudonym(
                context=order.public_id, user_public_id=order.customer.public_id
            ),
            "currency": order.currency,
            "at": timestamp(event.occurred_at),
        },
    )


def _review(public_id: str) -> Review:
    review = (
        Review.objects.select_related("order", "provider", "author", "customer")
        .filter(public_id=public_id)
        .first()
    )
    if review is None:
        raise SourceMissing(f"review {public_id}")
    return review


def _review_published(source: str, public_id: str) -> Record:
    review = _review(public_id)
    return _record(
        source,
        review.public_id,
        review.order.public_id,
        {
            "type": REVIEW_PUBLISHED,
            "review": review.public_id,
            "order": review.order.public_id,
            "direction": review.direction,
            "provider": review.provider.public_id,
            "author": pseudonym(
                context=review.public_id, user_public_id=review.author.public_id
            ),
            "stars": review.stars,
            "sub_scores": review.sub_scores,
            "text_sha256": hashlib.sha256(review.text.encode("utf-8")).hexdigest(),
            "revealed_at": timestamp(review.revealed_at)
            if review.revealed_at
            else None,
        },
    )


# --- From a journal entry -----------------------------------------------------------


def record_of_journal_entry(entry: JournalEntry) -> Record:
    """A ledger entry with its postings, by public ids (payouts name theirs)."""
    postings = [
        {
            "account": posting.account.public_id,
            "account_kind": posting.account.kind,
            "amount": posting.amount,
            "currency": posting.currency,
        }
        for posting in sorted(entry.postings.all(), key=lambda p: p.pk)
    ]
    related_ref = entry.order.public_id if entry.order_id else ""
    body: dict = {
        "type": LEDGER_ENTRY,
        "entry": entry.public_id,
        "kind": entry.kind,
        "order": related_ref or None,
        "reverses": entry.reverses.public_id if entry.reverses_id else None,
        "postings": postings,
        "created_at": timestamp(entry.created_at),
    }
    if entry.kind in PAYOUT_KINDS:
        body["payout"] = related_ref = entry.description
    return _record(f"journal:{entry.pk}", entry.public_id, related_ref, body)


def journal_entries():
    return JournalEntry.objects.select_related("order", "reverses").prefetch_related(
        "postings__account"
    )


def record_of_source(source: str) -> Record | None:
    """Build again the record of ``source`` from today's rows (the verifier)."""
    kind, _, pk = source.partition(":")
    if kind == "event":
        event = Event.objects.filter(pk=int(pk)).first()
        if event is None:
            raise SourceMissing(source)
        return record_of_event(event)
    if kind == "journal":
        entry = journal_entries().filter(pk=int(pk)).first()
        if entry is None:
            raise SourceMissing(source)
        return record_of_journal_entry(entry)
    raise SourceMissing(f"unknown source {source}")
