"""The RFC 9162 Merkle tree: known answers, a naive reference, every proof of small trees."""

from __future__ import annotations

import hashlib
import time

import pytest

from registry.log.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

# The RFC 6962 test inputs of the Certificate Transparency implementations (C++ and Go:
# transparency-dev/merkle testonly), with their roots for the first 0..8 leaves and their
# inclusion and consistency proofs. Leaf indexes are 0-based.
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
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
CT_INCLUSION = [
    (0, 1, []),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]

MAX_SIZE = 70
# Leaves shaped like the registry's: 32-byte event hashes.
LEAVES = [hashlib.sha256(b"event %d" % i).digest() for i in range(MAX_SIZE)]


# --- a naive reference: the RFC's recursive definitions, word for word -----------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return _sha(b"")
    if len(d) == 1:
        return _sha(b"\x00" + d[0])
    k = _k(len(d))
    return _sha(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [ref_mth(d)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


def flipped(value: bytes, bit: int = 0) -> bytes:
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


# --- known answers ----------------------------------------------------------------------


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_ct_roots(size: int) -> None:
    assert tree_hash(CT_LEAVES[:size]).hex() == CT_ROOTS[size]
    assert ref_mth(CT_LEAVES[:size]).hex() == CT_ROOTS[size]


def test_the_empty_tree_is_the_hash_of_nothing() -> None:
    assert tree_hash([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize(("index", "size", "expected"), CT_INCLUSION)
def test_ct_inclusion_proofs(index: int, size: int, expected: list[str]) -> None:
    proof = inclusion_proof(CT_LEAVES[:size], index)
    assert [p.hex() for p in proof] == expected
    root = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(CT_LEAVES[index], index, size, proof, root)


@pytest.mark.parametrize(("old", "new", "expected"), CT_CONSISTENCY)
def test_ct_consistency_proofs(old: int, new: int, expected: list[str]) -> None:
    proof = consistency_proof(CT_LEAVES[:new], old)
    assert [p.hex() for p in proof] == expected
    old_root, new_root = bytes.fromhex(CT_ROOTS[old]), bytes.fromhex(CT_ROOTS[new])
    assert verify_consistency(old, new, old_root, new_root, proof)


# --- every tree of 1..70 leaves ---------------------------------------------------------


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_roots_match_the_reference(size: int) -> None:
    assert tree_hash(LEAVES[:size]) == ref_mth(LEAVES[:size])


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_every_inclusion_proof_verifies_and_no_tampered_one_does(size: int) -> None:
    leaves = LEAVES[:size]
    root = tree_hash(leaves)
    for index in range(size):
        proof = inclusion_proof(leaves, index)
        assert proof == ref_path(index, leaves)
        leaf = leaves[index]
        assert verify_inclusion(leaf, index, size, proof, root)
        # Any changed bit, in any element, in the leaf or in the root, is refused.
        for position in range(len(proof)):
            bad = [*proof]
            bad[position] = flipped(bad[position], position % 8)
            assert not verify_inclusion(leaf, index, size, bad, root)
        assert not verify_inclusion(flipped(leaf), index, size, proof, root)
        assert not verify_inclusion(leaf, index, size, proof, flipped(root))
        # The proof of one place is not the proof of another. (It may fit another tree size
        # with the same root: the proof does not bind the size, the signed checkpoint does.)
        if size > 1:
            other = (index + 1) % size
            assert not verify_inclusion(leaf, other, size, proof, root)
            assert not verify_inclusion(leaves[other], index, size, proof, root)
        # Truncated and extended proofs fail.
        if proof:
            assert not verify_inclusion(leaf, index, size, proof[:-1], root)
        assert not verify_inclusion(leaf, index, size, [*proof, root], root)


@pytest.mark.parametrize("new", range(1, MAX_SIZE + 1))
def test_every_consistency_proof_verifies_and_no_tampered_one_does(new: int) -> None:
    leaves = LEAVES[:new]
    new_root = tree_hash(leaves)
    for old in range(1, new + 1):
        old_root = tree_hash(leaves[:old])
        proof = consistency_proof(leaves, old)
        assert proof == ref_proof(old, leaves)
        assert verify_consistency(old, new, old_root, new_root, proof)
        for position in range(len(proof)):
            bad = [*proof]
            bad[position] = flipped(bad[position], position % 8)
            assert not verify_consistency(old, new, old_root, new_root, bad)
        assert not verify_consistency(old, new, flipped(old_root), new_root, proof)
        assert not verify_consistency(old, new, old_root, flipped(new_root), proof)
        if old < new:
            # Not a proof when truncated or extended.
            assert not verify_consistency(old, new, old_root, new_root, proof[:-1])
            assert not verify_consistency(old, new, old_root, new_root, [*proof, new_root])
            if old > 1:
                assert not verify_consistency(old - 1, new, old_root, new_root, proof)


def test_a_rewritten_history_is_not_consistent() -> None:
    """The audit a checkpoint holder makes: a log whose old part changed has no proof."""
    old_root = tree_hash(LEAVES[:40])
    edited = [*LEAVES[:MAX_SIZE]]
    edited[17] = flipped(edited[17])
    proof = consistency_proof(edited, 40)
    assert not verify_consistency(40, MAX_SIZE, old_root, tree_hash(edited), proof)


# --- edges ------------------------------------------------------------------------------


def test_the_empty_tree_is_a_prefix_of_every_tree() -> None:
    assert consistency_proof(LEAVES[:5], 0) == []
    assert verify_consistency(0, 5, EMPTY_ROOT, tree_hash(LEAVES[:5]), [])
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert not verify_consistency(0, 5, tree_hash(LEAVES[:1]), tree_hash(LEAVES[:5]), [])
    assert not verify_consistency(0, 5, EMPTY_ROOT, tree_hash(LEAVES[:5]), [EMPTY_ROOT])


def test_equal_sizes_need_equal_roots_and_no_proof() -> None:
    root = tree_hash(LEAVES[:5])
    assert verify_consistency(5, 5, root, root, [])
    assert not verify_consistency(5, 5, root, flipped(root), [])
    assert not verify_consistency(5, 5, root, root, [root])


@pytest.mark.parametrize(
    ("old", "new"), [(-1, 5), (6, 5), (3, -1)], ids=["negative", "shrinking", "negative new"]
)
def test_impossible_sizes_never_verify(old: int, new: int) -> None:
    root = tree_hash(LEAVES[:5])
    assert not verify_consistency(old, new, root, root, [root])


def test_malformed_proof_elements_are_refused_not_raised() -> None:
    leaves = LEAVES[:6]
    root = tree_hash(leaves)
    proof = inclusion_proof(leaves, 2)
    assert not verify_inclusion(leaves[2], 2, 6, [proof[0][:31], *proof[1:]], root)
    assert not verify_inclusion(leaves[2], 2, 6, proof, root[:31])
    assert not verify_inclusion(leaves[2], -1, 6, proof, root)
    assert not verify_inclusion(leaves[2], 6, 6, proof, root)
    assert not verify_inclusion(leaves[0], 0, 0, [], EMPTY_ROOT)


def test_proofs_are_asked_for_places_in_the_tree() -> None:
    with pytest.raises(IndexError):
        inclusion_proof(LEAVES[:4], 4)
    with pytest.raises(IndexError):
        inclusion_proof([], 0)
    with pytest.raises(ValueError, match="outside"):
        consistency_proof(LEAVES[:4], 5)


def test_a_million_leaves_hash_well_under_ten_seconds() -> None:
    leaves = [i.to_bytes(32, "big") for i in range(1_000_000)]
    started = time.perf_counter()
    root = tree_hash(leaves)
    elapsed = time.perf_counter() - started
    assert elapsed < 10, f"tree_hash of 1,000,000 leaves took {elapsed:.1f} s"
    # Cross-check the iteration on a split the RFC's recursion makes: 2^19 on the left.
    k = 1 << 19
    left, right = tree_hash(leaves[:k]), tree_hash(leaves[k:])
    assert root == hashlib.sha256(b"\x01" + left + right).digest()
