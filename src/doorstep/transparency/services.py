"""Writing the log: appending from the outbox and the ledger, and signing
checkpoints. Nothing else writes to the transparency tables.

**Exactly once, in order, with several workers.** One pass holds the cursor row
(``LogCursor``) with ``SELECT … FOR UPDATE`` for its whole transaction; a second
worker's pass waits on that lock and then starts from where the first left off.
The leaves, their subtree hashes and the moved cursor commit together, or not at
all. ``LogEntry.source`` is unique as well, so a row is never logged twice even
by a pass that somehow ran without the lock. (SQLite has no row locks; there the
``IMMEDIATE`` transactions of the settings serialise writers the same way.)

**Why a settle window.** Sources are read by primary key. On PostgreSQL ids
come from a sequence when a row is inserted, but become visible when their
transaction commits, so a transaction holding id 41 can commit after one holding
id 42: a reader that moved its cursor past 42 would never see 41. Gap detection
cannot tell such a hole from the many ids rolled-back transactions burn forever,
so the appender instead reads a row only once it is ``DOORSTEP_TLOG_SETTLE_SECONDS``
old (its ``occurred_at``/``created_at``) and stops at the first row that is not:
a row with a lower id was inserted before it, so it is visible by then unless its
transaction stayed open after writing it for longer than the window — which no
request or task here does (their transactions last milliseconds). ``doorstep log
verify`` checks the assumption: it reports every source row below the cursor that
should be in the log and is not.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import takewhile

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError
from doorstep.events.models import Event
from doorstep.transparency import merkle, signing
from doorstep.transparency.models import Checkpoint, LogCursor, LogEntry, TreeNode
from doorstep.transparency.queries import (
    CURSOR_NAME,
    latest_checkpoint,
    read_nodes,
)
from doorstep.transparency.records import (
    LOGGED_TOPICS,
    Record,
    SourceMissing,
    journal_entries,
    record_of_event,
    record_of_journal_entry,
)

logger = logging.getLogger(__name__)

BATCH = 2000


def lock_cursor() -> LogCursor:
    """The cursor row, locked until the caller's transaction ends."""
    LogCursor.objects.get_or_create(name=CURSOR_NAME)
    return LogCursor.objects.select_for_update().get(name=CURSOR_NAME)


def append_records(cursor: LogCursor, records: Sequence[Record]) -> int:
    """Append ``records`` as the next leaves, with every subtree hash they
    complete. The caller holds ``cursor`` locked (``lock_cursor``) in its
    transaction and saves it after."""
    if not records:
        return 0
    tree = dict(read_nodes(merkle.complete_subtrees(0, cursor.size)))
    leaves, nodes = [], []
    appended_at = connection.ops.adapt_datetimefield_value(timezone.now())
    for record in records:
        index = cursor.size
        hashed = merkle.leaf_hash(record.data)
        for level, position in merkle.nodes_completed_by(index):
            if level == 0:
                value = hashed
            else:
                value = merkle.node_hash(
                    tree.pop((level - 1, 2 * position)),
                    tree.pop((level - 1, 2 * position + 1)),
                )
            tree[(level, position)] = value
            nodes.append((merkle.node_key(level, position), value))
        leaves.append(
            (
                index,
                hashed,
                record.data,
                record.source,
                record.kind,
                record.subject,
                record.related_ref,
                appended_at,
            )
        )
        cursor.size += 1
    # Plain multi-row INSERTs: the log's bulk path (a million leaves) spends its
    # time hashing, not building model instances.
    _insert(LogEntry, LEAF_COLUMNS, leaves)
    _insert(TreeNode, ["key", "hash"], nodes)
    return len(leaves)


LEAF_COLUMNS = [
    "index",
    "leaf_hash",
    "data",
    "source",
    "kind",
    "subject",
    "related_ref",
    "appended_at",
]


def _insert(model, columns: list[str], rows: list[tuple]) -> None:
    quote = connection.ops.quote_name
    # Names from the models, quoted; values are parameters.
    statement = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(statement, rows[start : start + BATCH])


def _settled(rows: Iterable, *, field: str, cutoff: datetime) -> list:
    return list(takewhile(lambda row: getattr(row, field) <= cutoff, rows))


def append_pending(
    *,
    now: datetime | None = None,
    settle: timedelta | None = None,
    limit: int = BATCH,
) -> int:
    """One locked pass: log the settled events and journal entries after the
    cursor, oldest first, at most ``limit`` of each. Returns how many leaves
    were appended."""
    now = now or timezone.now()
    if settle is None:
        settle = timedelta(seconds=settings.DOORSTEP_TLOG_SETTLE_SECONDS)
    cutoff = now - settle
    with transaction.atomic():
        cursor = lock_cursor()
        events = _settled(
            Event.objects.filter(pk__gt=cursor.last_event_id).order_by("pk")[:limit],
            field="occurred_at",
            cutoff=cutoff,
        )
        entries = _settled(
            journal_entries()
            .filter(pk__gt=cursor.last_journal_id, sealed=True)
            .order_by("pk")[:limit],
            field="created_at",
            cutoff=cutoff,
        )
        if events:
            cursor.last_event_id = events[-1].pk
        if entries:
            cursor.last_journal_id = entries[-1].pk
        timed: list[tuple[datetime, int, Record]] = []
        for event in events:
            if not event.topic.startswith(LOGGED_TOPICS):
                continue
            try:
                record = record_of_event(event)
            except SourceMissing:
                logger.exception("event %s: its row is gone; not logged", event.pk)
                continue
            if record is not None:
                timed.append((event.occurred_at, 0, record))
        timed.extend(
            (entry.created_at, 1, record_of_journal_entry(entry)) for entry in entries
        )
        timed.sort(key=lambda item: (item[0], item[1], item[2].source))
        appended = append_records(cursor, [record for _, _, record in timed])
        cursor.updated_at = now
        cursor.save()
    return appended


def append_all_pending(
    *, now: datetime | None = None, settle: timedelta | None = None
) -> int:
    """Passes until nothing settled is left (each pass its own transaction)."""
    total = 0
    while True:
        before = (
            LogCursor.objects.filter(name=CURSOR_NAME)
            .values_list("last_event_id", "last_journal_id")
            .first()
        )
        total += append_pending(now=now, settle=settle)
        after = (
            LogCursor.objects.filter(name=CURSOR_NAME)
            .values_list("last_event_id", "last_journal_id")
            .first()
        )
        if after == before:
            return total


def publish_checkpoint(*, now: datetime | None = None) -> Checkpoint:
    """Sign the current tree and publish it, unless the latest checkpoint
    already says the same. Refuses (``log_inconsistent``, and alerts through
    the job's error) to sign a tree the previous checkpoint is not a prefix of."""
    now = now or timezone.now()
    with transaction.atomic():
        cursor = lock_cursor()
        size = cursor.size
        root = merkle.root(size, read_nodes)
        previous = latest_checkpoint()
        name = signing.key_name()
        identifier = signing.key_id(name, signing.public_key_bytes()).hex()
        if previous is not None:
            unchanged = previous.size == size and bytes(previous.root_hash) == root
            if unchanged and (previous.key_name, previous.key_id) == (name, identifier):
                return previous
            proof = merkle.prove(
                merkle.consistency_ranges(previous.size, size), read_nodes
            )
            if not merkle.verify_consistency(
                first=previous.size,
                second=size,
                first_root=bytes(previous.root_hash),
                second_root=root,
                proof=proof,
            ):
                raise DomainError(
                    "log_inconsistent",
                    _("The stored tree does not extend the last checkpoint."),
                )
        return Checkpoint.objects.create(
            size=size,
            root_hash=root,
            note=signing.sign_checkpoint(size, root),
            key_name=name,
            key_id=identifier,
            published_at=now,
        )


def extend_log() -> dict[str, int]:
    """The periodic job: append what settled, then publish a checkpoint."""
    appended = append_all_pending()
    checkpoint = publish_checkpoint()
    return {"appended": appended, "size": checkpoint.size}
