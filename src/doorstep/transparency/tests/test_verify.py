"""``doorstep log verify`` catches what it promises to catch."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from doorstep.events.models import Event
from doorstep.payments.models import JournalEntry, Posting
from doorstep.transparency import merkle
from doorstep.transparency.models import Checkpoint, LogCursor, LogEntry, TreeNode
from doorstep.transparency.services import publish_checkpoint
from doorstep.transparency.tests.conftest import make_journal_entry, settle_and_append
from doorstep.transparency.verify import verify_log

pytestmark = pytest.mark.django_db


def _problems() -> list[str]:
    return verify_log().problems


def test_an_untouched_log_verifies(published):
    make_journal_entry()
    settle_and_append()
    publish_checkpoint()
    report = verify_log()
    assert report.problems == []
    assert report.checked_checkpoints == 2
    assert report.checked_leaves == LogEntry.objects.count()


def test_the_command_says_so(published, capsys):
    call_command("log", "verify")
    assert "The log verifies" in capsys.readouterr().out


def test_an_altered_review_row_is_caught(published):
    review, _, _ = published
    type(review).objects.filter(pk=review.pk).update(stars=1)
    problems = _problems()
    assert any("review.published" in p and "altered" in p for p in problems)
    with pytest.raises(CommandError):
        call_command("log", "verify")


def test_an_altered_review_text_is_caught(published):
    review, _, _ = published
    type(review).objects.filter(pk=review.pk).update(text="Terrible")
    assert any("altered" in p for p in _problems())


def _as_database_owner_drop_the_ledger_guard() -> None:
    """The ledger refuses updates by trigger; someone who owns the database can
    drop it (in the test's transaction, rolled back after)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Triggers off for this transaction (as a superuser may).
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER payments_posting_no_update")


def test_an_altered_journal_row_is_caught(published):
    _, entry, _ = published
    _as_database_owner_drop_the_ledger_guard()
    Posting.objects.filter(entry=entry, amount__gt=0).update(amount=1)
    assert any(entry.public_id in p for p in _problems())


def test_a_deleted_source_row_is_caught(published):
    review, _, _ = published
    Event.objects.filter(topic="review.revealed", subject=review.public_id).delete()
    assert any("was deleted" in p for p in _problems())


def test_an_altered_leaf_is_caught(published):
    leaf = LogEntry.objects.get(index=0)
    leaf.data = bytes(leaf.data).replace(b'"v":1', b'"v":2')
    leaf.save(update_fields=["data"])
    problems = _problems()
    assert any(p.startswith("leaf 0: stored hash") for p in problems)
    assert any("another root" in p for p in problems)


def test_a_rewritten_leaf_with_its_hash_is_caught_by_the_checkpoint(published):
    leaf = LogEntry.objects.get(index=0)
    leaf.data = bytes(leaf.data).replace(b'"v":1', b'"v":2')
    leaf.leaf_hash = merkle.leaf_hash(leaf.data)
    leaf.save(update_fields=["data", "leaf_hash"])
    problems = _problems()
    assert any("another root" in p for p in problems)


def test_a_deleted_leaf_is_caught(published):
    last = LogEntry.objects.order_by("-index").first()
    LogEntry.objects.filter(index=last.index - 1).delete()
    assert any("missing (deleted)" in p for p in _problems())


def test_an_altered_subtree_hash_is_caught(published):
    TreeNode.objects.filter(key=merkle.node_key(1, 0)).update(hash=b"\x00" * 32)
    assert any("subtree 1/0" in p for p in _problems())


def test_a_forged_checkpoint_signature_is_caught(published):
    _, _, checkpoint = published
    lines = checkpoint.note.split("\n")
    lines[-2] = lines[-2][:-6] + (
        "AAAAA=" if not lines[-2].endswith("AAAAA=") else "BBBBB="
    )
    Checkpoint.objects.filter(pk=checkpoint.pk).update(note="\n".join(lines))
    assert any("no trusted key" in p for p in _problems())


def test_a_skipped_source_row_is_caught(published):
    entry = make_journal_entry()
    cursor = LogCursor.objects.get()
    cursor.last_journal_id = entry.pk
    cursor.save()
    assert any(f"journal entry {entry.pk} was never logged" in p for p in _problems())
    assert JournalEntry.objects.filter(pk=entry.pk).exists()
