"""The transparency log's tables: leaves, stored subtree hashes, the append
cursor and the signed checkpoints. All append-only except the cursor."""

from django.db import models
from django.utils import timezone


class LogEntry(models.Model):
    """One leaf: its canonical bytes (see ``records``) and ``SHA-256(0x00||data)``."""

    index = models.BigIntegerField(primary_key=True)  # the leaf index, from 0
    leaf_hash = models.BinaryField(max_length=32)
    data = models.BinaryField()
    # Where it came from ("event:41", "journal:7"): unique, so a source row is
    # logged at most once even if the append lock were ever bypassed.
    source = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=40)  # the record's "type"
    subject = models.CharField(max_length=40, db_index=True)  # public id it is about
    # The order (or, for a payout's ledger entries, the payout) it belongs to.
    related_ref = models.CharField(max_length=40, blank=True, db_index=True)
    appended_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["index"]
        verbose_name_plural = "log entries"

    def __str__(self) -> str:
        return f"#{self.index} {self.kind} {self.subject}"


class TreeNode(models.Model):
    """The hash of one complete subtree: ``key = level << 48 | index`` (level 0
    is the leaf hashes). Written once, when its last leaf is appended."""

    key = models.BigIntegerField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"node {self.key >> 48}/{self.key & ((1 << 48) - 1)}"


class LogCursor(models.Model):
    """The one row the appender locks: how big the tree is and how far each
    source has been read (by primary key)."""

    name = models.CharField(max_length=20, primary_key=True)
    size = models.BigIntegerField(default=0)
    last_event_id = models.BigIntegerField(default=0)
    last_journal_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.name}: {self.size} entries"


class Checkpoint(models.Model):
    """A signed tree head as published: the signed note, verbatim."""

    size = models.BigIntegerField(db_index=True)
    root_hash = models.BinaryField(max_length=32)
    note = models.TextField()
    key_name = models.CharField(max_length=200)
    key_id = models.CharField(max_length=8)  # hex of the 4-byte key hash
    published_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-pk"]
        get_latest_by = "pk"

    def __str__(self) -> str:
        return f"checkpoint {self.size} ({self.published_at:%Y-%m-%d %H:%M})"
