import json
from datetime import timedelta

import pytest
from django.utils import timezone

from doorstep.events.services import record_event
from doorstep.transparency import merkle, records, signing
from doorstep.transparency.models import Checkpoint, LogCursor, LogEntry, TreeNode
from doorstep.transparency.queries import inclusion_proof, root_hash, tree_size
from doorstep.transparency.services import append_pending, publish_checkpoint
from doorstep.transparency.tests.conftest import (
    make_journal_entry,
    make_public_review,
    settle_and_append,
)

pytestmark = pytest.mark.django_db


def _kinds() -> list[str]:
    return list(LogEntry.objects.order_by("index").values_list("kind", flat=True))


def test_a_public_review_its_order_and_money_are_logged_once(review):
    # given a completed order with a public review and a journal entry
    entry = make_journal_entry()

    # when the appender runs twice
    first = settle_and_append()
    second = settle_and_append()

    # then each fact is one leaf, and nothing is appended again
    assert second == 0
    assert first == LogEntry.objects.count() == tree_size()
    kinds = _kinds()
    assert kinds.count(records.REVIEW_PUBLISHED) == 1
    assert kinds.count(records.ORDER_COMPLETED) == 1
    assert LogEntry.objects.filter(subject=entry.public_id).count() == 1
    published = LogEntry.objects.get(kind=records.REVIEW_PUBLISHED)
    body = json.loads(bytes(published.data))
    assert body["review"] == review.public_id
    assert body["stars"] == 5


def test_records_are_canonical_json_and_name_people_only_by_pseudonym(review):
    settle_and_append()
    published = LogEntry.objects.get(kind=records.REVIEW_PUBLISHED)
    data = bytes(published.data)
    assert data == records.canonical_json(json.loads(data))
    assert b" " not in data.replace(b"Spotless", b"")  # no whitespace between tokens
    assert review.author.public_id.encode() not in data
    assert review.text.encode() not in data
    assert bytes(published.leaf_hash) == merkle.leaf_hash(data)


def test_the_stored_tree_matches_the_hashes_of_its_leaves(review):
    make_public_review()
    for amount in (100, 200, 300):
        make_journal_entry(amount)
    settle_and_append()
    memory = merkle.MemoryTree()
    for data in LogEntry.objects.order_by("index").values_list("data", flat=True):
        memory.append(bytes(data))
    size = tree_size()
    assert size == memory.size >= 7
    assert TreeNode.objects.count() == len(memory.nodes)
    for n in range(1, size + 1):
        assert root_hash(n) == memory.root(n)
    for index in range(size):
        assert inclusion_proof(index=index, size=size) == memory.inclusion_proof(index)


def test_a_hidden_review_is_logged_with_its_reason(review):
    from doorstep.reviews.services import hide_review
    from tests.factories import make_ops

    hide_review(review_id=review.public_id, user=make_ops(), reason="Names a person")
    settle_and_append()
    hidden = LogEntry.objects.get(kind=records.REVIEW_HIDDEN)
    assert json.loads(bytes(hidden.data))["reason"] == "Names a person"


def test_events_younger_than_the_settle_window_wait(review):
    now = timezone.now()
    append_pending(now=now, settle=timedelta(minutes=5))
    assert tree_size() == 0
    assert LogCursor.objects.get().last_event_id == 0
    append_pending(now=now + timedelta(minutes=6), settle=timedelta(minutes=5))
    assert tree_size() > 0


def test_an_unsettled_event_stops_the_cursor_before_later_settled_ones(review):
    # A lower id that looks newer (it was written by a slow transaction) holds
    # back the higher ids behind it, so none is skipped.
    settle_and_append()
    late = record_event(topic="review.revealed", subject=review.public_id)
    late.occurred_at = timezone.now() + timedelta(hours=1)
    late.save(update_fields=["occurred_at"])
    make_journal_entry()
    settle_and_append()
    assert LogCursor.objects.get().last_event_id < late.pk


def test_a_checkpoint_is_a_signed_note_of_the_tree(published):
    _, _, checkpoint = published
    opened = signing.open_checkpoint(checkpoint.note, signing.verifier_key())
    assert opened.size == tree_size() == checkpoint.size
    assert opened.root == root_hash(opened.size)
    assert opened.origin == "doorstep.dev/log"
    text, _, signature = checkpoint.note.partition("\n\n")
    assert text.count("\n") == 2
    assert signature.startswith("\u2014 doorstep.dev/log ")


def test_publishing_again_without_new_entries_signs_nothing_new(published):
    _, _, checkpoint = published
    assert publish_checkpoint() == checkpoint
    make_journal_entry()
    settle_and_append()
    newer = publish_checkpoint()
    assert newer.size == checkpoint.size + 1
    assert Checkpoint.objects.count() == 2


def test_a_tampered_signature_does_not_verify(published):
    _, _, checkpoint = published
    tampered = checkpoint.note.replace(f"\n{checkpoint.size}\n", "\n999\n")
    with pytest.raises(signing.NoteError):
        signing.open_checkpoint(tampered, signing.verifier_key())


def test_the_key_id_follows_c2sp():
    # SHA-256("name" || 0x0A || 0x01 || key)[:4], as in the signed-note spec.
    import hashlib

    key = bytes(range(32))
    expected = hashlib.sha256(b"example.com/log\n\x01" + key).digest()[:4]
    assert signing.key_id("example.com/log", key) == expected
    vkey = signing.verifier_key("example.com/log", key)
    assert signing.parse_verifier_key(vkey) == ("example.com/log", expected, key)
