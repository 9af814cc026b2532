"""Reads of the log: stored hashes, roots, proofs, entries and lookups by id."""

from collections.abc import Iterable, Mapping

from django.db.models import Q
from django.utils.translation import gettext as _

from doorstep.core.errors import DomainError, NotFound
from doorstep.transparency import merkle
from doorstep.transparency.models import Checkpoint, LogCursor, LogEntry, TreeNode

CURSOR_NAME = "main"
MAX_ENTRIES_PER_PAGE = 1000


def read_nodes(needed: Iterable[merkle.Node]) -> Mapping[merkle.Node, bytes]:
    """The stored hashes of ``needed`` complete subtrees, in one query."""
    keys = {merkle.node_key(level, index): (level, index) for level, index in needed}
    if not keys:
        return {}
    found = {
        keys[key]: bytes(value)
        for key, value in TreeNode.objects.filter(key__in=list(keys)).values_list(
            "key", "hash"
        )
    }
    if len(found) != len(keys):
        missing = sorted(set(keys.values()) - set(found))[:3]
        raise LookupError(f"subtree hashes missing from the store: {missing}")
    return found


def tree_size() -> int:
    cursor = LogCursor.objects.filter(name=CURSOR_NAME).first()
    return cursor.size if cursor else 0


def root_hash(size: int) -> bytes:
    return merkle.root(size, read_nodes)


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-pk").first()


def published_size() -> int:
    """What proofs are given against by default: the latest checkpoint's size."""
    checkpoint = latest_checkpoint()
    return checkpoint.size if checkpoint else 0


def require_checkpoint() -> Checkpoint:
    checkpoint = latest_checkpoint()
    if checkpoint is None:
        raise NotFound("log_no_checkpoint", _("No checkpoint has been published yet."))
    return checkpoint


def _check_size(size: int) -> None:
    if not 0 < size <= tree_size():
        raise DomainError(
            "log_index_out_of_range",
            _("The log has %(count)d entries; there is no tree of %(size)d.")
            % {"count": tree_size(), "size": size},
        )


def inclusion_proof(*, index: int, size: int) -> list[bytes]:
    """``PATH(index, D[0:size])``. 422 ``log_index_out_of_range``."""
    _check_size(size)
    if not 0 <= index < size:
        raise DomainError(
            "log_index_out_of_range",
            _("Entry %(index)d is not in the tree of %(size)d entries.")
            % {"index": index, "size": size},
        )
    return merkle.prove(merkle.inclusion_ranges(index, size), read_nodes)


def consistency_proof(*, first: int, second: int) -> list[bytes]:
    """``PROOF(first, D[0:second])``. 422 ``log_sizes_out_of_order`` or
    ``log_index_out_of_range``."""
    if first > second or first < 0:
        raise DomainError(
            "log_sizes_out_of_order",
            _("The first tree size must not be larger than the second."),
        )
    _check_size(second)
    return merkle.prove(merkle.consistency_ranges(first, second), read_nodes)


def entries(*, start: int, end: int) -> list[LogEntry]:
    """Entries ``start`` to ``end - 1`` (at most 1000). 422
    ``log_index_out_of_range`` or ``log_sizes_out_of_order``."""
    if start < 0 or end < start:
        raise DomainError(
            "log_sizes_out_of_order", _("The start must be at most the end.")
        )
    if end > tree_size():
        raise DomainError(
            "log_index_out_of_range",
            _("The log has %(count)d entries; ask for fewer.") % {"count": tree_size()},
        )
    end = min(end, start + MAX_ENTRIES_PER_PAGE)
    return list(LogEntry.objects.filter(index__gte=start, index__lt=end))


def entry(index: int) -> LogEntry:
    found = LogEntry.objects.filter(index=index).first()
    if found is None:
        raise DomainError(
            "log_index_out_of_range",
            _("The log has no entry %(index)d yet.") % {"index": index},
        )
    return found


def entries_about(public_id: str) -> list[LogEntry]:
    """Every entry about a review, journal entry, order, payout or receipt (a
    receipt: the entries of its order). 404 ``log_entry_not_found``."""
    related = _order_of_document(public_id) or public_id
    found = list(
        LogEntry.objects.filter(Q(subject=public_id) | Q(related_ref=related))
        .order_by("index")
        .defer("data")
    )
    if found:
        return found
    raise NotFound(
        "log_entry_not_found",
        _("Nothing with this id is in the transparency log yet."),
    )


def _order_of_document(public_id: str) -> str:
    from doorstep.invoicing.models import Document

    document = (
        Document.objects.filter(public_id=public_id).select_related("order").first()
    )
    if document is None or document.order_id is None:
        return ""
    return document.order.public_id


def proofs_about(public_id: str, *, size: int) -> list[tuple[LogEntry, list[bytes]]]:
    """Each entry about ``public_id`` within the first ``size`` leaves, with its
    inclusion proof in the tree of ``size``. 404 ``log_entry_not_found`` when
    none is (yet)."""
    found = [e for e in entries_about(public_id) if e.index < size]
    if not found:
        raise NotFound(
            "log_entry_not_found",
            _("Nothing with this id is in the transparency log yet."),
        )
    found = list(LogEntry.objects.filter(index__in=[e.index for e in found]))
    return [(e, inclusion_proof(index=e.index, size=size)) for e in found]
