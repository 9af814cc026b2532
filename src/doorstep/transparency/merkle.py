"""RFC 6962 / RFC 9162 Merkle tree hashing and proofs, on ranges of leaves.

Pure functions: nothing here touches the database. A tree of ``size`` leaves is
``MTH(D[0:size])`` as RFC 9162 §2.1.1 defines it: the hash of a leaf is
``SHA-256(0x00 || data)``, of an interior node ``SHA-256(0x01 || left || right)``,
and a range of ``n > 1`` leaves splits at ``k``, the largest power of two
smaller than ``n`` (not at the midpoint).

Every range a proof needs (``[lo, hi)``, with ``lo`` a multiple of the next
power of two at or above ``hi - lo``) is a run of *complete* subtrees, largest
first: ``[0, 6)`` is the subtree of level 2 at index 0 and the subtree of level
1 at index 2. The log stores the hash of every complete subtree
(:class:`~doorstep.transparency.models.TreeNode`), so a proof costs one indexed
read of about ``2·log2(size)`` hashes, whatever the size of the tree.
"""

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# A stored node's key: its level in the top bits, its index at that level below.
_LEVEL_SHIFT = 48

Range = tuple[int, int]
Node = tuple[int, int]  # (level, index): leaves [index·2^level, (index+1)·2^level)


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two smaller than ``size`` (``size`` ≥ 2)."""
    if size < 2:
        raise ValueError("only a range of two or more leaves splits")
    return 1 << ((size - 1).bit_length() - 1)


def node_key(level: int, index: int) -> int:
    return (level << _LEVEL_SHIFT) | index


def complete_subtrees(lo: int, hi: int) -> list[Node]:
    """``[lo, hi)`` as complete aligned subtrees, left to right, largest first."""
    nodes: list[Node] = []
    while lo < hi:
        size = (lo & -lo) if lo else 1 << (hi - lo).bit_length()
        while size > hi - lo:
            size >>= 1
        level = size.bit_length() - 1
        nodes.append((level, lo >> level))
        lo += size
    return nodes


def nodes_completed_by(index: int) -> list[Node]:
    """The complete subtrees whose last leaf is ``index`` (the leaf itself
    first): what appending leaf ``index`` adds to the store."""
    nodes = [(0, index)]
    level, position = 0, index
    while position & 1:
        level, position = level + 1, position >> 1
        nodes.append((level, position))
    return nodes


def range_hash(lo: int, hi: int, nodes: Mapping[Node, bytes]) -> bytes:
    """``MTH(D[lo:hi])`` from stored complete subtrees (folded right to left)."""
    parts = complete_subtrees(lo, hi)
    if not parts:
        return EMPTY_ROOT
    result = nodes[parts[-1]]
    for part in reversed(parts[:-1]):
        result = node_hash(nodes[part], result)
    return result


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes make ``PATH(index, D[0:size])``, leaf side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    ranges: list[Range] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo = lo + k
    return ranges[::-1]


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The ranges whose hashes make ``PROOF(first, D[0:second])`` (RFC 9162
    §2.1.4.1); empty when ``first`` is 0 or equals ``second``."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first in (0, second):
        return []
    ranges: list[Range] = []
    lo, hi, m, whole = 0, second, first, True
    while m != hi - lo:
        k = split_point(hi - lo)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        ranges.append((lo, hi))
    return ranges[::-1]


def nodes_for(ranges: Iterable[Range]) -> set[Node]:
    needed: set[Node] = set()
    for lo, hi in ranges:
        needed.update(complete_subtrees(lo, hi))
    return needed


NodeReader = Callable[[set[Node]], Mapping[Node, bytes]]


def prove(ranges: Sequence[Range], read: NodeReader) -> list[bytes]:
    """The hashes of ``ranges``, reading every stored node they need at once."""
    nodes = read(nodes_for(ranges))
    return [range_hash(lo, hi, nodes) for lo, hi in ranges]


def root(size: int, read: NodeReader) -> bytes:
    return range_hash(0, size, read(nodes_for([(0, size)])))


# --- Verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ----------------------------------


def verify_inclusion(
    *, index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    if not 0 <= index < size:
        return False
    fn, sn, result = index, size - 1, leaf
    for sibling in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and result == root


def verify_consistency(
    *,
    first: int,
    second: int,
    first_root: bytes,
    second_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first tree is a subtree
        path.insert(0, first_root)
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    first_result = second_result = path[0]
    for sibling in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            first_result = node_hash(sibling, first_result)
            second_result = node_hash(sibling, second_result)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            second_result = node_hash(second_result, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and first_result == first_root and second_result == second_root


class MemoryTree:
    """The same store in memory: for tests, the benchmark and the verifier."""

    def __init__(self) -> None:
        self.nodes: dict[Node, bytes] = {}
        self.size = 0

    def append(self, data: bytes) -> int:
        return self.append_hash(leaf_hash(data))

    def append_hash(self, hashed: bytes) -> int:
        index = self.size
        for level, position in nodes_completed_by(index):
            if level == 0:
                self.nodes[(0, index)] = hashed
            else:
                self.nodes[(level, position)] = node_hash(
                    self.nodes[(level - 1, 2 * position)],
                    self.nodes[(level - 1, 2 * position + 1)],
                )
        self.size += 1
        return index

    def read(self, needed: set[Node]) -> Mapping[Node, bytes]:
        return {node: self.nodes[node] for node in needed}

    def root(self, size: int | None = None) -> bytes:
        return root(self.size if size is None else size, self.read)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return prove(
            inclusion_ranges(index, self.size if size is None else size), self.read
        )

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        return prove(
            consistency_ranges(first, self.size if second is None else second),
            self.read,
        )
