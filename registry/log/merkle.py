"""The Merkle Tree Hash of RFC 9162 (Certificate Transparency 2.0, same hashing as RFC 6962).

Pure functions over a list of leaves (``bytes``); ``hashlib`` only. The hashing is domain
separated so that a leaf can never be passed off as an interior node:

- leaf hash: ``SHA-256(0x00 || leaf)``
- node hash: ``SHA-256(0x01 || left || right)``
- the tree over ``n > 1`` leaves splits at ``k``, the largest power of two smaller than
  ``n``; the empty tree hashes to ``SHA-256("")``.

Proofs are lists of 32-byte hashes, ordered from the leaf (or the old tree) upwards, exactly
as RFC 9162 §2.1.3.1 (``PATH``) and §2.1.4.1 (``PROOF``) define them. The verifiers follow
§2.1.3.2 and §2.1.4.2 step by step and never raise: a malformed proof is simply ``False``.

Cost: :func:`tree_hash` makes ``2n - 1`` SHA-256 calls in two list passes per level (no
per-node Python recursion); a proof costs one pass over the leaves outside the proven path.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

HASH_SIZE = 32
"""Bytes in a tree hash (SHA-256)."""

EMPTY_ROOT = sha256(b"").digest()
"""The hash of the empty tree: ``SHA-256("")`` (RFC 9162 §2.1.1)."""

_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(leaf: bytes) -> bytes:
    """``SHA-256(0x00 || leaf)``: the hash of one leaf."""
    return sha256(_LEAF + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``: the hash of an interior node."""
    return sha256(_NODE + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _subtree_hash(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) for a non-empty range, bottom up.

    Pairing neighbours level by level and carrying an odd last node up unchanged gives the
    same tree as the RFC's recursive split: the left part of every split is a perfect tree
    of ``k`` leaves, so it is exactly the part the pairing completes first.
    """
    level = [sha256(_LEAF + leaves[i]).digest() for i in range(start, end)]
    while len(level) > 1:
        pairs = iter(level)  # zipped with itself: (0, 1), (2, 3), …; an odd last is left
        upper = [
            sha256(_NODE + left + right).digest() for left, right in zip(pairs, pairs, strict=False)
        ]
        if len(level) % 2:
            upper.append(level[-1])
        level = upper
    return level[0]


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]): the 32-byte root hash of the tree over ``leaves``, in order."""
    if not leaves:
        return EMPTY_ROOT
    return _subtree_hash(leaves, 0, len(leaves))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 §2.1.3.1: the audit path of leaf ``index``.

    Raises ``IndexError`` when ``index`` is not in ``0 <= index < len(leaves)``.
    """
    n = len(leaves)
    if not 0 <= index < n:
        raise IndexError(f"leaf index {index} is outside a tree of {n} leaves")
    # Walk down the RFC's recursion; each step contributes the hash of the subtree not
    # taken, and the recursion puts the deeper steps first, hence the final reverse.
    path: list[bytes] = []
    start, end = 0, n
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(_subtree_hash(leaves, start + k, end))
            end = start + k
        else:
            path.append(_subtree_hash(leaves, start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(old_size, D[n]) of RFC 9162 §2.1.4.1: that the first ``old_size`` leaves are
    a prefix of ``leaves``.

    The proof is empty for ``old_size`` 0 (every tree extends the empty tree) and for
    ``old_size == len(leaves)``. Raises ``ValueError`` when ``old_size`` is outside
    ``0 <= old_size <= len(leaves)``.
    """
    n = len(leaves)
    if not 0 <= old_size <= n:
        raise ValueError(f"old size {old_size} is outside 0..{n}")
    if old_size in (0, n):
        return []
    # SUBPROOF(m, D[start:end], b), unrolled; ``whole`` is b: whether the old tree is the
    # whole of the current range (then its root is left out, as the verifier has it).
    proof: list[bytes] = []
    m, start, end, whole = old_size, 0, n, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(_subtree_hash(leaves, start + k, end))
            end = start + k
        else:
            proof.append(_subtree_hash(leaves, start, start + k))
            m -= k
            start += k
            whole = False
    if not whole:
        proof.append(_subtree_hash(leaves, start, end))
    proof.reverse()
    return proof


def _well_formed(hashes: Sequence[bytes]) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows that ``leaf`` is leaf ``index`` of the tree of ``tree_size``
    leaves whose root hash is ``root`` (RFC 9162 §2.1.3.2).

    ``leaf`` is the leaf itself (an event's 32-byte hash), not its leaf hash.

    Security: ``root`` must come from a source the caller trusts, i.e. a checkpoint whose
    signature was checked; a proof only ties the leaf to whatever root it is given.
    """
    if not 0 <= index < tree_size or not _well_formed([*proof, root]):
        return False
    fn, sn = index, tree_size - 1
    r = leaf_hash(leaf)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows that the tree of ``old_size`` leaves with root ``old_root`` is
    a prefix of the tree of ``new_size`` leaves with root ``new_root`` (RFC 9162 §2.1.4.2):
    nothing logged before was changed, removed or reordered, only leaves appended.

    The RFC defines the proof for ``0 < old_size < new_size``; at the edges the answer is
    the obvious one: equal sizes need an empty proof and equal roots, and an old empty tree
    (root ``SHA-256("")``) is a prefix of every tree, with an empty proof.
    """
    if not 0 <= old_size <= new_size or not _well_formed([*proof, old_root, new_root]):
        return False
    if old_size == 0:
        return not proof and old_root == EMPTY_ROOT
    if old_size == new_size:
        return not proof and old_root == new_root
    # Step 1: a proof between different non-empty sizes is never empty.
    if not proof:
        return False
    path = list(proof)
    # Step 2: a perfect old tree is a node of the new one; its root starts the walk.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # Steps 3-4.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Steps 5-6.
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # Step 7.
    return fr == old_root and sr == new_root and sn == 0
