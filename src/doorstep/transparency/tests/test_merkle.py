"""Known answers (the Certificate Transparency reference vectors of RFC 6962,
as transparency-dev/merkle and certificate-transparency-go publish them) and
a brute-force cross-check of every proof against an independent recursion."""

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.transparency import merkle

LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = {
    (0, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (5, 8): [
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}
CONSISTENCY = {
    (2, 8): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
}


def _reference_tree() -> merkle.MemoryTree:
    tree = merkle.MemoryTree()
    for leaf in LEAVES:
        tree.append(leaf)
    return tree


def test_hashes_use_the_rfc_6962_prefixes():
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()


def test_roots_match_the_reference_for_every_size():
    tree = _reference_tree()
    assert [tree.root(size).hex() for size in range(9)] == ROOTS


def test_the_split_is_the_largest_power_of_two_below_not_the_midpoint():
    got = {n: merkle.split_point(n) for n in (2, 3, 5, 6, 9, 1000)}
    assert got == {2: 1, 3: 2, 5: 4, 6: 4, 9: 8, 1000: 512}


@pytest.mark.parametrize(("index", "size"), sorted(INCLUSION))
def test_inclusion_proofs_match_the_reference(index, size):
    tree = _reference_tree()
    proof = tree.inclusion_proof(index, size)
    assert [p.hex() for p in proof] == INCLUSION[(index, size)]
    assert merkle.verify_inclusion(
        index=index,
        size=size,
        leaf=merkle.leaf_hash(LEAVES[index]),
        proof=proof,
        root=bytes.fromhex(ROOTS[size]),
    )


@pytest.mark.parametrize(("first", "second"), sorted(CONSISTENCY))
def test_consistency_proofs_match_the_reference(first, second):
    tree = _reference_tree()
    proof = tree.consistency_proof(first, second)
    assert [p.hex() for p in proof] == CONSISTENCY[(first, second)]
    assert merkle.verify_consistency(
        first=first,
        second=second,
        first_root=bytes.fromhex(ROOTS[first]),
        second_root=bytes.fromhex(ROOTS[second]),
        proof=proof,
    )


# --- An independent implementation: RFC 9162's recursions, straight from the text


def _mth(hashes: list[bytes]) -> bytes:
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(hashes[:k]) + _mth(hashes[k:])).digest()


def _path(m: int, hashes: list[bytes]) -> list[bytes]:
    if len(hashes) == 1:
        return []
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    if m < k:
        return [*_path(m, hashes[:k]), _mth(hashes[k:])]
    return [*_path(m - k, hashes[k:]), _mth(hashes[:k])]


def _subproof(m: int, hashes: list[bytes], whole: bool) -> list[bytes]:
    if m == len(hashes):
        return [] if whole else [_mth(hashes)]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    if m <= k:
        return [*_subproof(m, hashes[:k], whole), _mth(hashes[k:])]
    return [*_subproof(m - k, hashes[k:], False), _mth(hashes[:k])]


def _leaves(size: int) -> list[bytes]:
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]


@settings(max_examples=150, deadline=None)
@given(size=st.integers(1, 130), data=st.data())
def test_every_proof_agrees_with_the_rfc_recursion_and_verifies(size, data):
    hashes = _leaves(size)
    tree = merkle.MemoryTree()
    for hashed in hashes:
        tree.append_hash(hashed)
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(0, size))
    root = _mth(hashes)
    assert tree.root() == root
    proof = tree.inclusion_proof(index)
    assert proof == _path(index, hashes)
    assert merkle.verify_inclusion(
        index=index, size=size, leaf=hashes[index], proof=proof, root=root
    )
    consistency = tree.consistency_proof(first)
    expected = [] if first in (0, size) else _subproof(first, hashes, True)
    assert consistency == expected
    assert merkle.verify_consistency(
        first=first,
        second=size,
        first_root=_mth(hashes[:first]),
        second_root=root,
        proof=consistency,
    )


@settings(max_examples=100, deadline=None)
@given(size=st.integers(2, 70), data=st.data())
def test_a_mangled_proof_or_a_wrong_index_fails(size, data):
    hashes = _leaves(size)
    tree = merkle.MemoryTree()
    for hashed in hashes:
        tree.append_hash(hashed)
    root = tree.root()
    index = data.draw(st.integers(0, size - 1))
    proof = tree.inclusion_proof(index)
    position = data.draw(st.integers(0, len(proof) - 1))
    mangled = list(proof)
    mangled[position] = hashlib.sha256(mangled[position]).digest()

    def ok(**changes) -> bool:
        arguments = {
            "index": index,
            "size": size,
            "leaf": hashes[index],
            "proof": proof,
        }
        arguments.update(changes)
        return merkle.verify_inclusion(root=root, **arguments)

    assert not ok(proof=mangled)
    assert not ok(proof=proof[:-1])
    assert not ok(proof=[*proof, root])
    assert not ok(index=(index + 1) % size)
    assert not ok(index=size)

    first = data.draw(st.integers(1, size - 1))
    consistency = tree.consistency_proof(first)
    first_root = tree.root(first)
    assert not merkle.verify_consistency(
        first=first,
        second=size,
        first_root=first_root,
        second_root=root,
        proof=consistency[:-1],
    )
    assert not merkle.verify_consistency(
        first=first,
        second=size,
        first_root=hashlib.sha256(first_root).digest(),
        second_root=root,
        proof=consistency,
    )
    assert not merkle.verify_consistency(
        first=size, second=first, first_root=root, second_root=first_root, proof=[]
    )


def test_stored_nodes_are_exactly_the_complete_subtrees():
    tree = merkle.MemoryTree()
    for hashed in _leaves(13):
        tree.append_hash(hashed)
    # 13 leaves, 6 + 3 + 1 complete subtrees above them.
    assert len(tree.nodes) == 13 + 6 + 3 + 1
    assert merkle.complete_subtrees(0, 13) == [(3, 0), (2, 2), (0, 12)]
