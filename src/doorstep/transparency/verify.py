"""``doorstep log verify``: check the stored log against itself, its sources
and its signed checkpoints.

1. Every leaf: its stored hash is ``SHA-256(0x00 || data)`` (an altered leaf
   fails), the indexes run 0…size-1 without a hole (a deleted leaf fails), and
   its record, built again from today's source rows, is byte for byte the one
   logged (an altered review, order or journal row fails; a deleted one too).
2. Every source row the cursor has passed that should be logged is (a row the
   appender skipped — the settle window's assumption broken — fails).
3. Every stored subtree hash is the hash of its two children (the hashes that
   proofs are made of).
4. Every checkpoint's signature verifies with the current or a listed past key,
   its root is the root of the tree recomputed from the leaves at its size, and
   the stored proof of consistency with the checkpoint before it verifies.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Q

from doorstep.events.models import Event
from doorstep.transparency import keys, merkle, signing
from doorstep.transparency.models import Checkpoint, LogCursor, LogEntry, TreeNode
from doorstep.transparency.queries import CURSOR_NAME, read_nodes
from doorstep.transparency.records import (
    LOGGED_TOPICS,
    SourceMissing,
    is_logged_event,
    record_of_source,
)

CHUNK = 5000


@dataclass
class Report:
    size: int = 0
    checked_leaves: int = 0
    checked_nodes: int = 0
    checked_checkpoints: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, message: str) -> None:
        self.problems.append(message)


class Frontier:
    """The right edge of a tree being rebuilt leaf by leaf: O(log n) memory."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, bytes]] = []
        self.size = 0

    def append(self, hashed: bytes) -> None:
        level, value = 0, hashed
        while self.stack and self.stack[-1][0] == level:
            _, left = self.stack.pop()
            level, value = level + 1, merkle.node_hash(left, value)
        self.stack.append((level, value))
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return merkle.EMPTY_ROOT
        value = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]):
            value = merkle.node_hash(left, value)
        return value


def _leaves() -> Iterator[LogEntry]:
    last = -1
    while True:
        chunk = list(LogEntry.objects.filter(index__gt=last).order_by("index")[:CHUNK])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].index


def verify_log(*, sources: bool = True) -> Report:
    cursor = LogCursor.objects.filter(name=CURSOR_NAME).first()
    report = Report(size=cursor.size if cursor else 0)
    checkpoints = list(Checkpoint.objects.order_by("size", "pk"))
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT} if checkpoints else {}
    wanted = {c.size for c in checkpoints}
    frontier = Frontier()
    logged_sources: set[str] = set()
    for entry in _leaves():
        data = bytes(entry.data)
        if entry.index != frontier.size:
            report.problem(
                f"leaves {frontier.size}…{entry.index - 1} are missing (deleted)"
            )
            break
        hashed = merkle.leaf_hash(data)
        if bytes(entry.leaf_hash) != hashed:
            report.problem(f"leaf {entry.index}: stored hash is not the data's hash")
        if sources:
            logged_sources.add(entry.source)
            _check_source(report, entry, data)
        frontier.append(hashed)
        report.checked_leaves += 1
        if frontier.size in wanted:
            roots[frontier.size] = frontier.root()
    if frontier.size != report.size:
        report.problem(
            f"the cursor says {report.size} entries, the table holds {frontier.size}"
        )
    if sources and cursor is not None:
        _check_nothing_skipped(report, cursor, logged_sources)
    _check_nodes(report, frontier.size)
    _check_checkpoints(report, checkpoints, roots)
    return report


def _check_source(report: Report, entry: LogEntry, data: bytes) -> None:
    try:
        record = record_of_source(entry.source)
    except SourceMissing:
        report.problem(f"leaf {entry.index}: its source {entry.source} was deleted")
        return
    if record is None or record.data != data:
        report.problem(
            f"leaf {entry.index}: {entry.kind} {entry.subject} no longer matches "
            f"its source {entry.source} (the row was altered)"
        )


def _check_nothing_skipped(report: Report, cursor: LogCursor, logged: set[str]) -> None:
    from doorstep.payments.models import JournalEntry

    review_topics = [t for t in LOGGED_TOPICS if not t.endswith(".")]
    events = Event.objects.filter(
        Q(topic__in=review_topics) | Q(topic__startswith="order."),
        pk__lte=cursor.last_event_id,
    )
    for event in events.iterator(chunk_size=CHUNK):
        if is_logged_event(event) and f"event:{event.pk}" not in logged:
            report.problem(f"event {event.pk} ({event.topic}) was never logged")
    journal = JournalEntry.objects.filter(pk__lte=cursor.last_journal_id, sealed=True)
    for pk in journal.values_list("pk", flat=True).iterator(chunk_size=CHUNK):
        if f"journal:{pk}" not in logged:
            report.problem(f"journal entry {pk} was never logged")


def _check_nodes(report: Report, size: int) -> None:
    """Level by level: each stored hash is its children's (level 0: the leaves')."""
    below: list[bytes] = []
    level = 0
    while (size >> level) > 0:
        expected_count = size >> level
        low, high = merkle.node_key(level, 0), merkle.node_key(level + 1, 0)
        stored = [
            (key & ((1 << 48) - 1), bytes(value))
            for key, value in TreeNode.objects.filter(key__gte=low, key__lt=high)
            .order_by("key")
            .values_list("key", "hash")
            .iterator(chunk_size=CHUNK)
        ]
        if [i for i, _ in stored] != list(range(expected_count)):
            report.problem(
                f"level {level}: {len(stored)} subtree hashes stored, "
                f"{expected_count} expected"
            )
            return
        current = [value for _, value in stored]
        if level == 0:
            leaf_hashes = LogEntry.objects.order_by("index").values_list(
                "leaf_hash", flat=True
            )
            for index, leaf in enumerate(leaf_hashes.iterator(chunk_size=CHUNK)):
                if index < len(current) and bytes(leaf) != current[index]:
                    report.problem(f"leaf {index}: the tree stores another hash")
        else:
            for index, value in enumerate(current):
                if value != merkle.node_hash(below[2 * index], below[2 * index + 1]):
                    report.problem(
                        f"subtree {level}/{index}: not the hash of its children"
                    )
        report.checked_nodes += len(current)
        below = current
        level += 1


def _check_checkpoints(
    report: Report, checkpoints: list[Checkpoint], roots: dict[int, bytes]
) -> None:
    trusted = [item["key"] for item in keys.verifier_keys()]
    previous: Checkpoint | None = None
    for checkpoint in checkpoints:
        report.checked_checkpoints += 1
        label = f"checkpoint {checkpoint.pk} (size {checkpoint.size})"
        opened = None
        for key in trusted:
            try:
                opened = signing.open_checkpoint(checkpoint.note, key)
                break
            except signing.NoteError:
                continue
        if opened is None:
            report.problem(f"{label}: no trusted key's signature verifies")
        elif opened.size != checkpoint.size or opened.root != bytes(
            checkpoint.root_hash
        ):
            report.problem(f"{label}: the signed note says something else")
        recomputed = roots.get(checkpoint.size)
        if recomputed is None:
            report.problem(f"{label}: the log does not reach its size")
        elif recomputed != bytes(checkpoint.root_hash):
            report.problem(f"{label}: the leaves give another root")
        if previous is not None and recomputed is not None:
            try:
                proof = merkle.prove(
                    merkle.consistency_ranges(previous.size, checkpoint.size),
                    read_nodes,
                )
            except LookupError as error:
                report.problem(f"{label}: {error}")
            else:
                if not merkle.verify_consistency(
                    first=previous.size,
                    second=checkpoint.size,
                    first_root=bytes(previous.root_hash),
                    second_root=bytes(checkpoint.root_hash),
                    proof=proof,
                ):
                    report.problem(
                        f"{label}: not consistent with the checkpoint of size "
                        f"{previous.size}"
                    )
        previous = checkpoint
