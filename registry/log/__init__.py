"""The transparency log over the registry's event log (``docs/transparency.md``).

A Merkle tree (RFC 9162) whose leaves are the events' hashes in ``seq`` order, signed
checkpoints of its root, and the audit of a log against a checkpoint. Pure: callers pass the
event hashes (hex strings) they read from the store; nothing here imports SQLite.
"""

from registry.log.audit import check_checkpoint, event_leaves, make_checkpoint, root_for
from registry.log.checkpoint import ORIGIN_PREFIX, Checkpoint, origin_for, read_checkpoints
from registry.log.merkle import (
    EMPTY_ROOT,
    consistency_proof,
    inclusion_proof,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "EMPTY_ROOT",
    "ORIGIN_PREFIX",
    "Checkpoint",
    "check_checkpoint",
    "consistency_proof",
    "event_leaves",
    "inclusion_proof",
    "make_checkpoint",
    "origin_for",
    "read_checkpoints",
    "root_for",
    "tree_hash",
    "verify_consistency",
    "verify_inclusion",
]
