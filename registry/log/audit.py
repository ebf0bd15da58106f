"""Making a checkpoint of the event log, and auditing the log against one.

The log is given as the events' ``hash`` column (64 lowercase hex characters each) in
``seq`` order, from ``seq`` 1; the leaf of event ``seq`` is its 32 raw hash bytes, at index
``seq - 1``. Reading the events is the store's business: nothing here touches SQLite.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from keys import TrustList, verify_checkpoint_signature
from registry.errors import RegistryError
from registry.log.checkpoint import Checkpoint, body_bytes
from registry.log.merkle import HASH_SIZE, tree_hash


def event_leaves(event_hashes: Sequence[str]) -> list[bytes]:
    """The tree's leaves: each event hash as its 32 raw bytes; raise
    ``RegistryError('bad_event_hash')`` naming the first value that is not 64 hex digits."""
    try:
        leaves = [bytes.fromhex(value) for value in event_hashes]
    except (ValueError, TypeError):
        leaves = []
    # 64 characters that decode to 32 bytes are hex digits only (fromhex skips white space).
    if (
        len(leaves) == len(event_hashes)
        and all(len(leaf) == HASH_SIZE for leaf in leaves)
        and all(len(value) == 2 * HASH_SIZE for value in event_hashes)
    ):
        return leaves
    position, value = next(
        (position, value)
        for position, value in enumerate(event_hashes, start=1)
        if not _is_event_hash(value)
    )
    raise RegistryError(
        "bad_event_hash", f"event {position} of the log: {value!r} is not 64 hex digits"
    )


def _is_event_hash(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 2 * HASH_SIZE:
        return False
    try:
        return len(bytes.fromhex(value)) == HASH_SIZE
    except ValueError:
        return False


def root_for(event_hashes: Sequence[str]) -> bytes:
    """The 32-byte Merkle Tree Hash (RFC 9162) of the log whose event hashes are given."""
    return tree_hash(event_leaves(event_hashes))


def make_checkpoint(
    *,
    origin: str,
    event_hashes: Sequence[str],
    at: dt.datetime,
    kid: bytes,
    sign: Callable[[bytes], bytes],
) -> Checkpoint:
    """Checkpoint the whole log: its size and root, at ``at`` (truncated to the second),
    signed by ``sign`` (the QR key's ES256 signer, e.g. ``ring.qr.sign``, whose kid is
    ``kid``). ``origin`` is :func:`registry.log.origin_for` of the bureau's region.

    Raises ``RegistryError`` (``bad_event_hash``, ``bad_checkpoint``); the signer's own
    errors pass through.
    """
    when = at.replace(microsecond=0)
    root = root_for(event_hashes)
    body = body_bytes(origin=origin, tree_size=len(event_hashes), root_hash=root, at=when)
    signature = sign(body)
    return Checkpoint(
        origin=origin,
        tree_size=len(event_hashes),
        root_hash=root,
        at=when,
        kid=kid,
        signature=signature,
    )


def check_checkpoint(
    checkpoint: Checkpoint, event_hashes: Sequence[str], trust: TrustList, at: dt.datetime
) -> None:
    """Audit the log against a checkpoint; return only if it holds, else raise.

    In order: the signature, by a trust-list QR key valid when the checkpoint was made
    (``KeysError``: ``unknown_kid``, ``bad_checkpoint_signature``, ``key_not_valid``); the
    checkpoint is not dated after ``at``, the time of the audit (``checkpoint_in_future``);
    the log still has at least ``tree_size`` events (``checkpoint_ahead``: events were
    deleted); the first ``tree_size`` of them still hash to the signed root
    (``checkpoint_root_mismatch``: an event was edited, deleted or reordered, or the log
    is another bureau's). Events appended after the checkpoint are allowed.

    Security: this proves the log unchanged only up to the checkpoint's size, and only if
    the checkpoint was kept outside the registry's reach (whoever can rewrite the log and
    the checkpoints together can rewrite history).
    """
    verify_checkpoint_signature(
        trust, checkpoint.kid, checkpoint.signature, checkpoint.body(), checkpoint.at
    )
    if checkpoint.at > at:
        raise RegistryError(
            "checkpoint_in_future",
            f"the checkpoint is dated {checkpoint.at.isoformat()}, after {at.isoformat()}",
        )
    size = checkpoint.tree_size
    if len(event_hashes) < size:
        raise RegistryError(
            "checkpoint_ahead",
            f"the checkpoint covers {size} events but the log has {len(event_hashes)}: "
            "events were deleted",
        )
    if root_for(event_hashes[:size]) != checkpoint.root_hash:
        raise RegistryError(
            "checkpoint_root_mismatch",
            f"the first {size} events no longer hash to the checkpoint's root: an event "
            "was edited, deleted or reordered",
        )
